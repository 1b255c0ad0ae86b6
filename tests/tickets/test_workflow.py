"""The transition table: every path, every guard, and the events it produces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import UserError
from gridops.tickets import (
    TABLE,
    BadTransitionInput,
    ClockType,
    IllegalTransition,
    Reporter,
    Role,
    RoleNotAllowed,
    Status,
    Ticket,
    TimeLimit,
    WorkCalendar,
    apply,
    check_chain,
    rebuild,
)
from gridops.tickets.model import evolve
from tickets.factory import LIMIT, NOW, fresh

H = timedelta(hours=1)


def walk(steps: list[tuple[str, str, dict[str, object]]], **kw: object) -> tuple[Ticket, list]:
    tr = fresh(**kw)  # type: ignore[arg-type]
    t, events, now = tr.ticket, [tr.event], NOW
    for action, role, fields in steps:
        now += H
        tr = apply(t, action, actor="someone", role=role, now=now, **fields)
        t = tr.ticket
        events.append(tr.event)
    return t, events


DISPATCH = ("dispatch", "dispatcher", {"owner_unit": "sc-310115001", "time_limit": LIMIT})


def test_happy_path_reaches_evaluated_and_rebuilds():
    t, events = walk(
        [
            ("verify", "acceptor", {"owner_unit": "gw-310115001001001", "time_limit": LIMIT}),
            ("verified", "inspector", {"note": "seen"}),
            DISPATCH,
            ("accept", "field_staff", {}),
            ("handle", "field_staff", {"note": "cleaned", "evidence": ["m1"]}),
            ("check_pass", "inspector", {}),
            ("evaluate", "public", {"satisfaction": 5}),
        ]
    )
    assert t.status is Status.EVALUATED and t.satisfaction == 5
    assert t.assignee == "someone" and t.evidence == ("m1",)
    assert [e.to_status for e in events][-1] == "evaluated"
    assert t.version == len(events) == 8
    assert rebuild(events) == t
    assert check_chain(t.id, events, version=t.version, head=t.chain_head) == []


def test_return_then_redispatch_records_the_unit():
    t, _ = walk([DISPATCH, ("return", "field_staff", {"reason": "not ours"})])
    assert t.status is Status.RETURNED and t.returned_by == ("sc-310115001",)
    assert t.owner_unit == "" and t.last_reason == "not ours"
    t2 = apply(t, *DISPATCH[:1], actor="d", role="dispatcher", now=NOW + 5 * H,
               owner_unit="ws-1", time_limit=LIMIT).ticket  # fmt: skip
    assert t2.status is Status.DISPATCHED and t2.owner_unit == "ws-1"


def test_onsite_resolution_is_its_own_path():
    t, _ = walk([("onsite_resolve", "grid_worker", {"note": "fixed it"})])
    assert t.status is Status.HANDLED and t.onsite and t.clock.due_at is None


def test_rework_loop_counts_and_keeps_the_deadline():
    t, _ = walk(
        [
            DISPATCH,
            ("accept", "field_staff", {}),
            ("handle", "field_staff", {"note": "done"}),
            ("check_fail", "inspector", {"reason": "still dirty"}),
        ]
    )
    assert t.status is Status.REWORK and t.rework_count == 1
    assert t.clock.stopped_at is None and t.clock.due_at is not None


def test_suspend_resume_returns_to_previous_status_and_pauses_clock():
    t, _ = walk([DISPATCH, ("accept", "field_staff", {})])
    s = apply(t, "suspend", actor="d", role="dispatcher", now=NOW + 3 * H,
              approval="lead", reason="waiting").ticket  # fmt: skip
    assert s.status is Status.SUSPENDED and s.clock.paused_at is not None
    r = apply(s, "resume", actor="d", role="dispatcher", now=NOW + 100 * H).ticket
    assert r.status is Status.ACCEPTED and r.clock.paused_at is None
    assert r.clock.due_at is not None and t.clock.due_at is not None
    assert r.clock.due_at >= t.clock.due_at


def test_extend_adds_time():
    t, _ = walk([DISPATCH])
    e = apply(t, "extend", actor="d", role="supervisor", now=NOW + 2 * H,
              amount=2, approval="chief").ticket  # fmt: skip
    assert e.clock.due_at is not None and t.clock.due_at is not None
    assert e.clock.due_at > t.clock.due_at and e.clock.extended == 2


def test_escalate_hands_to_joint_group():
    t, _ = walk([DISPATCH, ("escalate", "supervisor", {"group": "jeg-markets"})])
    assert t.status is Status.ESCALATED and t.owner_unit == "jeg-markets"
    assert t.escalation_level == 1


def test_supervise_sets_flag_without_status_change():
    t, events = walk([DISPATCH, ("supervise", "supervisor", {"reason": "overdue"})])
    assert t.supervised and t.status is Status.DISPATCHED
    assert events[-1].from_status == events[-1].to_status == "dispatched"


def test_force_close_and_reopen():
    t, _ = walk([DISPATCH, ("force_close", "supervisor", {"reason": "resolved elsewhere"})])
    assert t.status is Status.CLOSED
    r = apply(t, "reopen", actor="s", role="supervisor", now=NOW + 9 * H, reason="appeal")
    assert r.ticket.status is Status.REWORK and r.ticket.clock.due_at is not None


@pytest.mark.parametrize(
    "steps,final",
    [([("void", "acceptor", {"reason": "out of scope"})], Status.VOID),
     ([("merge_duplicate", "system", {"duplicate_of": "a" * 32})], Status.DUPLICATE)],
)  # fmt: skip
def test_terminal_states_refuse_every_action_but_erasing_contact(steps, final):
    t, _ = walk(steps)
    assert t.status is final
    for action in set(TABLE) - {"erase_contact"}:
        with pytest.raises(IllegalTransition):
            apply(t, action, actor="x", role="admin", now=NOW + 9 * H)


def test_illegal_move_names_ticket_status_and_action():
    t = fresh().ticket
    with pytest.raises(IllegalTransition) as err:
        apply(t, "check_pass", actor="i", role="inspector", now=NOW)
    assert t.number in str(err.value) and "reported" in str(err.value)
    assert "check_pass" in str(err.value)
    assert err.value.status is Status.REPORTED and err.value.action == "check_pass"


def test_wrong_role_is_refused():
    with pytest.raises(RoleNotAllowed, match="public may not"):
        apply(fresh().ticket, "dispatch", actor="p", role="public", now=NOW,
              owner_unit="x", time_limit=LIMIT)  # fmt: skip


@pytest.mark.parametrize(
    "action,role,fields,match",
    [
        ("dispatch", "dispatcher", {"owner_unit": "x"}, "requires 'time_limit'"),
        ("void", "acceptor", {}, "requires 'reason'"),
        ("void", "acceptor", {"reason": "x", "colour": "red"}, "no field 'colour'"),
        ("merge_duplicate", "system", {"duplicate_of": "nope"}, "32 lowercase hex"),
        ("dispatch", "dispatcher", {"owner_unit": "x", "time_limit": {"amount": -1,
                                    "clock": "hours"}}, "TimeLimit"),
        ("dispatch", "dispatcher", {"owner_unit": "x", "time_limit": {"amount": float("inf"),
                                    "clock": "hours"}}, "TimeLimit"),
        ("void", "acceptor", {"reason": "no\ud800"}, r"reason contains lone surrogate U\+D800"),
        ("void", "acceptor", {"reason": "bell\x07"}, r"reason contains control character U\+0007"),
    ],
)  # fmt: skip
def test_bad_fields_are_refused(action, role, fields, match):
    with pytest.raises(BadTransitionInput, match=match):
        apply(fresh().ticket, action, actor="a", role=role, now=NOW, **fields)


def test_text_loses_bidi_controls_and_amounts_must_be_finite():
    t = fresh(description="井盖\u202e缺失", reporter=Reporter(name="\u2066张三\u2069")).ticket
    assert t.description == "井盖缺失" and t.reporter.name == "张三"
    voided = apply(t, "void", actor="a", role="acceptor", now=NOW, reason="重复\u202d上报")
    assert voided.ticket.last_reason == "重复上报"
    assert voided.event.payload["changes"]["last_reason"] == "重复上报"
    with pytest.raises(UserError, match=r"description contains lone surrogate U\+DC80"):
        fresh(description="\udc80")
    with pytest.raises(ValueError, match="positive finite number"):
        TimeLimit(float("nan"), "hours")
    running, _ = walk([DISPATCH])
    with pytest.raises(BadTransitionInput, match="amount inf must be a positive finite number"):
        apply(running, "extend", actor="s", role="supervisor", now=NOW, amount=float("inf"),
              approval="A-1")  # fmt: skip


def test_a_ticket_cannot_duplicate_itself():
    t = fresh().ticket
    with pytest.raises(BadTransitionInput, match="itself"):
        apply(t, "merge_duplicate", actor="a", role="system", now=NOW, duplicate_of=t.id)


def test_naive_now_is_refused():
    with pytest.raises(BadTransitionInput, match="timezone-aware"):
        apply(fresh().ticket, "void", actor="a", role="acceptor", now=NOW.replace(tzinfo=None),
              reason="x")  # fmt: skip


def test_every_row_is_reachable_in_some_role():
    for rule in TABLE.values():
        assert rule.roles and rule.sources
        assert all(isinstance(r, Role) for r in rule.roles)


@given(st.lists(st.sampled_from(sorted(TABLE)), max_size=25), st.randoms())
def test_random_walks_keep_chain_and_projection(actions, rnd):
    tr = fresh()
    t, events, now = tr.ticket, [tr.event], NOW
    fields = {
        "owner_unit": "u", "time_limit": TimeLimit(2, "working_days"), "reason": "r",
        "note": "n", "approval": "a", "group": "jeg-x", "amount": 1.5, "satisfaction": 3,
        "duplicate_of": "b" * 32, "duplicate_id": "c" * 32,
    }  # fmt: skip
    for action in actions:
        rule = TABLE[action]
        now += timedelta(minutes=rnd.randint(-600, 3000))  # clocks read late may lag behind
        given_fields = {k: fields[k] for k in rule.required}
        role = rnd.choice(sorted(rule.roles))
        try:
            tr = apply(t, action, actor="x", role=role, now=now, **given_fields)
        except IllegalTransition:
            assert t.status not in rule.sources
            continue
        except BadTransitionInput as exc:
            refused = {"extend": "no deadline", "check_fail": "needs a time_limit"}  # no clock
            assert refused.get(action, "\0") in str(exc)
            continue
        assert t.status in rule.sources
        t = tr.ticket
        events.append(tr.event)
    assert rebuild(events) == t
    assert check_chain(t.id, events, version=t.version, head=t.chain_head) == []
    assert [e.at for e in events] == sorted(e.at for e in events)  # time never runs back


def test_a_clock_read_before_the_last_change_dates_the_event_at_that_change():
    made = fresh().ticket  # reported at NOW
    tr = apply(made, *DISPATCH[:1], actor="router", role="system", now=NOW - H,
               **DISPATCH[2])  # type: ignore[arg-type]  # fmt: skip
    assert tr.event.at == NOW == tr.ticket.updated_at == tr.ticket.dispatched_at
    assert tr.ticket.clock.started_at == NOW


def test_describe_lists_every_action():
    from gridops.tickets.workflow import describe

    text = describe()
    assert all(f"| {action} |" in text for action in TABLE)


# -- verification (核实) ------------------------------------------------------------------------
VERIFIERS = {"inspector", "grid_worker", "acceptor", "dispatcher"}
VERIFY = {"owner_unit": "gw-310115001001001", "time_limit": TimeLimit(2, "working_hours")}
#: move → (the status it leaves, the status it reaches, who may take it, fields it needs)
ANSWERS = {
    "verified": (Status.VERIFYING, Status.VERIFIED, VERIFIERS, {}),
    "verified_absent": (Status.VERIFYING, Status.VOID, VERIFIERS, {"reason": "not there"}),
    "unverifiable": (Status.VERIFYING, Status.UNVERIFIED, VERIFIERS, {"reason": "no access"}),
    "register": (Status.UNVERIFIED, Status.VERIFIED, {"acceptor", "dispatcher"}, {}),
}


@given(st.sampled_from(sorted(ANSWERS)), st.sampled_from(list(Status)), st.sampled_from(list(Role)))
def test_each_answer_leaves_only_verifying_and_only_for_the_verifiers(action, status, role):
    source, target, roles, fields = ANSWERS[action]
    t = evolve(fresh().ticket, {"status": status})
    if status is not source:
        with pytest.raises(IllegalTransition):
            apply(t, action, actor="x", role=role, now=NOW, **fields)
    elif role.value not in roles:
        with pytest.raises(RoleNotAllowed, match=f"role {role.value} may not"):
            apply(t, action, actor="x", role=role, now=NOW, **fields)
    else:
        assert apply(t, action, actor="x", role=role, now=NOW, **fields).ticket.status is target


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 1),
                 timezones=st.just(UTC)),
    st.floats(min_value=0.25, max_value=40),
    st.sampled_from(list(ClockType)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9)),
    st.sampled_from(["verified", "verified_absent", "unverifiable"]),
)  # fmt: skip
def test_the_verification_clock_runs_from_verify_to_the_answer(at, amount, clock, took, action):
    cal = WorkCalendar()
    limit = TimeLimit(amount, clock)
    sent = apply(fresh(now=at).ticket, "verify", actor="router", role="system", now=at,
                 calendar=cal, owner_unit="gw-1", time_limit=limit).ticket  # fmt: skip
    assert sent.status is Status.VERIFYING and sent.owner_unit == "gw-1" and sent.assignee == ""
    assert sent.verifying_at == sent.clock.started_at == at and sent.clock.running
    assert sent.clock.due_at == cal.deadline(at, limit) and sent.clock.limit == limit
    done = at + took
    answered = apply(sent, action, actor="gw", role="grid_worker", now=done, calendar=cal,
                     **ANSWERS[action][3]).ticket  # fmt: skip
    assert answered.clock.stopped_at == done and not answered.clock.running
    assert answered.clock.due_at == sent.clock.due_at  # the answer stops it, moves nothing
    assert answered.clock.overdue(done + timedelta(days=30)) == (done > sent.clock.due_at)
    if action == "verified":  # dispatch starts the handling clock afresh
        later = done + timedelta(minutes=1)
        routed = apply(answered, "dispatch", actor="router", role="system", now=later,
                       calendar=cal, owner_unit="sc-1", time_limit=LIMIT).ticket  # fmt: skip
        assert routed.clock.started_at == later and routed.clock.running
        assert routed.clock.due_at == cal.deadline(later, LIMIT)


def test_verify_needs_the_post_and_the_deadline():
    with pytest.raises(BadTransitionInput, match="requires 'time_limit'"):
        apply(fresh().ticket, "verify", actor="r", role="system", now=NOW, owner_unit="gw-1")
    with pytest.raises(BadTransitionInput, match="requires 'owner_unit'"):
        apply(fresh().ticket, "verify", actor="r", role="system", now=NOW,
              time_limit=VERIFY["time_limit"])  # fmt: skip


def test_absent_voids_with_the_reason_and_keeps_note_and_photos_in_the_event():
    t, events = walk([("verify", "system", VERIFY)])
    with pytest.raises(BadTransitionInput, match="requires 'reason'"):
        apply(t, "verified_absent", actor="gw", role="grid_worker", now=NOW + 2 * H)
    tr = apply(t, "verified_absent", actor="gw", role="grid_worker", now=NOW + 2 * H,
               reason="现场无垃圾", note="checked twice", evidence=["v1.jpg"])  # fmt: skip
    assert tr.ticket.status is Status.VOID and tr.ticket.last_reason == "现场无垃圾"
    fields = {"reason": "现场无垃圾", "note": "checked twice", "evidence": ["v1.jpg"]}
    assert tr.event.payload["fields"] == fields
    assert tr.ticket.evidence == ()  # handling evidence is another thing
    assert rebuild([*events, tr.event]) == tr.ticket


def test_unverifiable_waits_for_the_dispatcher_who_registers_or_sends_it_again():
    t, _ = walk([("verify", "system", VERIFY), ("unverifiable", "inspector", {"reason": "锁门"})])
    assert t.status is Status.UNVERIFIED and t.last_reason == "锁门" and t.status.open
    registered = apply(t, "register", actor="d", role="dispatcher", now=NOW + 3 * H).ticket
    assert registered.status is Status.VERIFIED
    again = apply(t, "verify", actor="d", role="dispatcher", now=NOW + 3 * H, **VERIFY).ticket
    assert again.status is Status.VERIFYING and again.clock.stopped_at is None
    assert again.clock.started_at == NOW + 3 * H  # a fresh deadline
    for move, fields in (("void", {"reason": "x"}), DISPATCH[::2]):
        assert apply(t, move, actor="d", role="dispatcher", now=NOW + 3 * H, **fields)


def test_rework_after_an_onsite_fix_fails_its_check_gets_a_clock():
    """An on-site fix (no clock ever ran) that fails its check is rework with a deadline from the
    time limit given, so it can become overdue; without a time limit the move is refused."""
    t, _ = walk([("onsite_resolve", "grid_worker", {"note": "fixed it"})])
    with pytest.raises(BadTransitionInput, match="time_limit"):
        apply(t, "check_fail", actor="i-1", role="inspector", now=NOW + 2 * H, reason="dirty")
    tr = apply(t, "check_fail", actor="i-1", role="inspector", now=NOW + 2 * H,
               reason="still dirty", time_limit=LIMIT)  # fmt: skip
    rework = tr.ticket
    assert rework.status is Status.REWORK and rework.clock.running
    assert rework.clock.due_at is not None and rework.clock.due_at > NOW + 2 * H
    assert rework.overdue(NOW + 400 * H) and not rework.overdue(NOW + 2 * H)


def test_rework_after_a_dispatched_fix_keeps_its_deadline_whatever_limit_is_given():
    t, _ = walk([DISPATCH, ("accept", "field_staff", {}),
                 ("handle", "field_staff", {"note": "done"})])  # fmt: skip
    due = t.clock.due_at
    tr = apply(t, "check_fail", actor="i-1", role="inspector", now=NOW + 9 * H,
               reason="redo", time_limit=TimeLimit(100, "hours"))  # fmt: skip
    assert tr.ticket.clock.due_at == due and tr.ticket.clock.stopped_at is None
