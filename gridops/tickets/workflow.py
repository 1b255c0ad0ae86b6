"""The workflow as one transition table, and the one function that applies it.

Every row says, for an action: the statuses it may leave, the status it reaches, the roles that
may take it, the fields it requires (and may take), and what it does to the deadline clock.
:func:`apply` checks the row, computes the changes and returns the new ticket with the Event
that records them; :func:`report` creates a ticket with its first event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridops.text import strip_bidi
from gridops.tickets import clocks
from gridops.tickets.calendar import WorkCalendar
from gridops.tickets.clocks import ClockEffect
from gridops.tickets.codec import encode_ticket, plain
from gridops.tickets.errors import BadTransitionInput, IllegalTransition, RoleNotAllowed
from gridops.tickets.events import GENESIS, Event
from gridops.tickets.fields import coerce
from gridops.tickets.model import DONE, TERMINAL, Reporter, Status, Ticket, TicketDraft, evolve
from gridops.tickets.privacy import OUTSIDE_CHAIN, contact_digest, has_contact
from gridops.tickets.vocabulary import Kind, Role, Source, TimeLimit

S = Status
R = Role
DEFAULT_CALENDAR = WorkCalendar()
DERIVED = ("version", "chain_head", "updated_at")
ANY = set(Status)


@dataclass(frozen=True)
class Transition:
    """The result of an accepted move: the new ticket and the event to append with it."""

    ticket: Ticket
    event: Event

    @property
    def expected_version(self) -> int:
        """The version the stored ticket must still have for this move to apply."""
        return self.event.seq - 1


Effect = Callable[[Ticket, Mapping[str, Any], datetime, str], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """One row of the transition table."""

    action: str
    sources: frozenset[Status]
    target: Status | None  # None: the status does not change (resume: back to suspended_from)
    roles: frozenset[Role]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    clock: ClockEffect = ClockEffect.NONE
    effect: Effect = lambda t, f, now, actor: {}


def _all_evidence(given: Mapping[str, Any]) -> tuple[str, ...]:
    """The ticket's evidence after a done: the photos before the work (``evidence_before``,
    recorded apart in the event) and after it (``evidence``), each once."""
    if not given.get("evidence_before"):
        return given.get("evidence", ())  # as given: recorded once, under changes
    return tuple(dict.fromkeys((*given.get("evidence_before", ()), *given.get("evidence", ()))))


def _rule(action: str, sources: set[Status], target: Status | None, roles: set[Role], **kw: Any):
    return Rule(action, frozenset(sources), target, frozenset(roles), **kw)


WORKING = {S.DISPATCHED, S.ACCEPTED, S.REWORK, S.ESCALATED}
#: Who answers a verification task (核实): the inspector or grid worker of the cell; the
#: acceptor or dispatcher may also decide it.
VERIFIERS = {R.INSPECTOR, R.GRID_WORKER, R.ACCEPTOR, R.DISPATCHER}
OPEN = set(Status) - DONE
NOT_TERMINAL = set(Status) - TERMINAL

# fmt: off
TABLE: dict[str, Rule] = {
    r.action: r
    for r in (
        _rule("verify", {S.REPORTED, S.UNVERIFIED}, S.VERIFYING,
              {R.ACCEPTOR, R.DISPATCHER, R.SYSTEM}, required=("owner_unit", "time_limit"),
              optional=("note",), clock=ClockEffect.START,
              effect=lambda t, f, now, a: {"owner_unit": f["owner_unit"], "assignee": "",
                                           "verifying_at": now}),
        _rule("verified", {S.VERIFYING}, S.VERIFIED, VERIFIERS, optional=("note", "evidence"),
              clock=ClockEffect.STOP),
        _rule("verified_absent", {S.VERIFYING}, S.VOID, VERIFIERS, required=("reason",),
              optional=("note", "evidence"), clock=ClockEffect.STOP,
              effect=lambda t, f, now, a: {"last_reason": f["reason"]}),
        _rule("unverifiable", {S.VERIFYING}, S.UNVERIFIED, VERIFIERS, required=("reason",),
              optional=("note", "evidence"), clock=ClockEffect.STOP,
              effect=lambda t, f, now, a: {"last_reason": f["reason"]}),
        _rule("register", {S.UNVERIFIED}, S.VERIFIED, {R.ACCEPTOR, R.DISPATCHER},
              optional=("note",)),
        _rule("dispatch", {S.REPORTED, S.VERIFIED, S.UNVERIFIED, S.RETURNED}, S.DISPATCHED,
              {R.DISPATCHER, R.ACCEPTOR, R.SYSTEM}, required=("owner_unit", "time_limit"),
              optional=("assignee", "priority", "routing"), clock=ClockEffect.START,
              effect=lambda t, f, now, a: {
                  "owner_unit": f["owner_unit"], "assignee": f.get("assignee", ""),
                  "priority": f.get("priority", t.priority),
                  "routing": f.get("routing", t.routing), "dispatched_at": now}),
        _rule("accept", {S.DISPATCHED, S.REWORK, S.ESCALATED}, S.ACCEPTED,
              {R.FIELD_STAFF, R.GRID_WORKER}, optional=("assignee",),
              effect=lambda t, f, now, a: {"assignee": f.get("assignee") or a,
                                           "accepted_at": now}),
        _rule("return", {S.DISPATCHED, S.ACCEPTED, S.ESCALATED}, S.RETURNED,
              {R.FIELD_STAFF, R.GRID_WORKER}, required=("reason",), clock=ClockEffect.STOP,
              effect=lambda t, f, now, a: {
                  "returned_by": (*t.returned_by, t.owner_unit), "owner_unit": "",
                  "assignee": "", "last_reason": f["reason"]}),
        _rule("handle", {S.ACCEPTED}, S.HANDLED, {R.FIELD_STAFF, R.GRID_WORKER},
              required=("note",), optional=("evidence", "evidence_before"),
              clock=ClockEffect.STOP,
              effect=lambda t, f, now, a: {"handled_at": now, "handling_note": f["note"],
                                           "evidence": _all_evidence(f)}),
        _rule("onsite_resolve", {S.REPORTED}, S.HANDLED,
              {R.GRID_WORKER, R.INSPECTOR, R.FIELD_STAFF},
              required=("note",), optional=("evidence", "evidence_before", "owner_unit"),
              effect=lambda t, f, now, a: {
                  "onsite": True, "handled_at": now, "handling_note": f["note"],
                  "evidence": _all_evidence(f), "assignee": a,
                  "owner_unit": f.get("owner_unit", t.owner_unit)}),
        _rule("check_pass", {S.HANDLED}, S.CLOSED, {R.INSPECTOR, R.SUPERVISOR},
              optional=("note",), effect=lambda t, f, now, a: {"closed_at": now}),
        _rule("check_fail", {S.HANDLED}, S.REWORK, {R.INSPECTOR, R.SUPERVISOR},
              required=("reason",), optional=("time_limit",), clock=ClockEffect.CONTINUE,
              effect=lambda t, f, now, a: {"rework_count": t.rework_count + 1,
                                           "last_reason": f["reason"]}),
        _rule("escalate", {S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REWORK}, S.ESCALATED,
              {R.DISPATCHER, R.SUPERVISOR, R.SYSTEM}, required=("group",), optional=("reason",),
              clock=ClockEffect.CONTINUE,
              effect=lambda t, f, now, a: {
                  "escalation_level": t.escalation_level + 1, "joint_group": f["group"],
                  "owner_unit": f["group"], "assignee": "",
                  "last_reason": f.get("reason", t.last_reason)}),
        _rule("suspend", WORKING, S.SUSPENDED, {R.DISPATCHER, R.SUPERVISOR},
              required=("approval", "reason"), clock=ClockEffect.PAUSE,
              effect=lambda t, f, now, a: {"suspended_from": t.status,
                                           "last_reason": f["reason"]}),
        _rule("resume", {S.SUSPENDED}, None, {R.DISPATCHER, R.SUPERVISOR, R.SYSTEM},
              optional=("note",), clock=ClockEffect.RESUME,
              effect=lambda t, f, now, a: {"suspended_from": None}),
        _rule("extend", WORKING | {S.SUSPENDED}, None, {R.DISPATCHER, R.SUPERVISOR},
              required=("amount", "approval"), optional=("reason",), clock=ClockEffect.EXTEND),
        _rule("void", {S.REPORTED, S.VERIFYING, S.VERIFIED, S.UNVERIFIED, S.RETURNED}, S.VOID,
              {R.ACCEPTOR, R.DISPATCHER, R.SUPERVISOR}, required=("reason",),
              clock=ClockEffect.STOP, effect=lambda t, f, now, a: {"last_reason": f["reason"]}),
        _rule("merge_duplicate", {S.REPORTED, S.VERIFYING, S.VERIFIED, S.UNVERIFIED},
              S.DUPLICATE,
              {R.ACCEPTOR, R.DISPATCHER, R.SYSTEM}, required=("duplicate_of",),
              optional=("reason",),
              effect=lambda t, f, now, a: {"duplicate_of": f["duplicate_of"]}),
        _rule("absorb_duplicate", NOT_TERMINAL, None, {R.ACCEPTOR, R.DISPATCHER, R.SYSTEM},
              required=("duplicate_id",), optional=("reports",),
              effect=lambda t, f, now, a: {"report_count": t.report_count + f.get("reports", 1)}),
        _rule("supervise", OPEN, None, {R.DISPATCHER, R.SUPERVISOR, R.SYSTEM}, optional=("reason",),
              effect=lambda t, f, now, a: {"supervised": True}),
        _rule("force_close", OPEN, S.CLOSED, {R.SUPERVISOR, R.ADMIN}, required=("reason",),
              clock=ClockEffect.STOP,
              effect=lambda t, f, now, a: {"closed_at": now, "last_reason": f["reason"],
                                           "suspended_from": None}),
        _rule("evaluate", {S.CLOSED}, S.EVALUATED, {R.SUPERVISOR, R.PUBLIC, R.SYSTEM},
              required=("satisfaction",), optional=("note",),
              effect=lambda t, f, now, a: {"satisfaction": f["satisfaction"],
                                           "evaluated_at": now}),
        _rule("reopen", {S.CLOSED, S.EVALUATED}, S.REWORK, {R.SUPERVISOR, R.ADMIN},
              required=("reason",), clock=ClockEffect.RESTART,
              effect=lambda t, f, now, a: {"last_reason": f["reason"], "closed_at": None,
                                           "evaluated_at": None, "handled_at": None}),
        _rule("reassign", WORKING, S.DISPATCHED, {R.DISPATCHER, R.SUPERVISOR, R.SYSTEM},
              required=("owner_unit",), optional=("assignee", "reason"),
              effect=lambda t, f, now, a: {"owner_unit": f["owner_unit"],
                                           "assignee": f.get("assignee", ""),
                                           "dispatched_at": now}),
        _rule("erase_contact", ANY, None, {R.ADMIN, R.SUPERVISOR}, required=("reason",),
              effect=lambda t, f, now, a: {"reporter": Reporter(), "reporter_salt": ""}),
    )
}
# fmt: on


def apply(
    ticket: Ticket,
    action: str,
    *,
    actor: str,
    role: Role | str,
    now: datetime,
    calendar: WorkCalendar | None = None,
    **fields: Any,
) -> Transition:
    """Take ``action`` on ``ticket``; raise a TransitionError (nothing changes) if not allowed.

    Time never runs backwards on a ticket: a ``now`` before its last change (a worker read
    the clock, then waited for the write lock while the ticket was made) dates the event at
    that change instead."""
    rule = TABLE.get(action)
    if rule is None:
        raise IllegalTransition(ticket, action, f"unknown action; known: {', '.join(TABLE)}")
    if ticket.status not in rule.sources:
        raise IllegalTransition(ticket, action)
    try:
        role = Role(role)
    except ValueError:
        raise RoleNotAllowed(ticket, action, f"unknown role {role!r}") from None
    if role not in rule.roles:
        allowed = ", ".join(sorted(r.value for r in rule.roles))
        raise RoleNotAllowed(ticket, action, f"role {role.value} may not; allowed: {allowed}")
    if not actor:
        raise BadTransitionInput(f"ticket {ticket.number}: {action} needs an actor")
    _check_now(now)
    last = ticket.updated_at
    if last is not None and now < last:
        now = last
    values = _fields(ticket, rule, fields)
    changes = rule.effect(ticket, values, now, actor)
    target = rule.target or (ticket.suspended_from if action == "resume" else ticket.status)
    assert target is not None
    if target is not ticket.status:
        changes["status"] = target
    clock = _clock(ticket, rule.clock, values, now, calendar or DEFAULT_CALENDAR)
    if clock != ticket.clock:
        changes["clock"] = clock
    event = Event(
        ticket_id=ticket.id,
        seq=ticket.version + 1,
        type=action,
        from_status=ticket.status.value,
        to_status=target.value,
        actor=actor,
        role=role.value,
        at=now,
        payload=_payload(values, {k: v for k, v in changes.items() if k not in OUTSIDE_CHAIN}),
        prev_hash=ticket.chain_head or GENESIS,
    ).sealed()
    changes.update(version=event.seq, chain_head=event.hash, updated_at=now)
    new = evolve(ticket, changes)
    return Transition(new, event)


def report(
    draft: TicketDraft,
    *,
    id: str,
    number: str,
    now: datetime,
    actor: str,
    role: Role | str,
    categories: Any = None,
    salt: str = "",
) -> Transition:
    """A new ticket in ``reported`` (or whatever the draft says) and its first event.

    The reporter's contact stays in the ticket, never in the event: with a ``salt`` (random,
    per ticket; the store makes one) the event records ``reporter_digest`` instead. Without a
    salt no digest is recorded (an unsalted digest of a phone number is easy to reverse).
    """
    draft.validate(categories)
    _check_now(now)
    reporter = Reporter(**{k: strip_bidi(v) for k, v in vars(draft.reporter).items()})
    keep = has_contact(reporter) and bool(salt)
    lon, lat = float(draft.lon), float(draft.lat)  # type: ignore[arg-type]
    ticket = Ticket(
        id=id,
        number=number,
        category=draft.category,
        kind=Kind(draft.kind),
        source=Source(draft.source),
        lon=lon,
        lat=lat,
        crs=draft.crs,
        point_lon=lon if draft.point_lon is None else float(draft.point_lon),
        point_lat=lat if draft.point_lat is None else float(draft.point_lat),
        reported_at=now,
        description=strip_bidi(draft.description),
        idempotency_key=draft.idempotency_key,
        cells=tuple(draft.cells),
        overlays=tuple(tuple(o) for o in draft.overlays),  # type: ignore[misc]
        reporter=reporter,
        reporter_salt=salt if keep else "",
        reporter_digest=contact_digest(salt, reporter) if keep else "",
        media=tuple(draft.media),
        priority=draft.priority,
        created_at=now,
    )
    hidden = (*DERIVED, *OUTSIDE_CHAIN)
    snapshot = {k: v for k, v in encode_ticket(ticket).items() if k not in hidden}
    event = Event(
        ticket_id=id,
        seq=1,
        type="report",
        from_status="",
        to_status=Status.REPORTED.value,
        actor=actor,
        role=Role(role).value,
        at=now,
        payload={"changes": snapshot},
    ).sealed()
    return Transition(evolve(ticket, {"version": 1, "chain_head": event.hash, "updated_at": now}),
                      event)  # fmt: skip


def _payload(values: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``{"fields": …, "changes": plain(changes)}``: ``fields`` holds the actor's inputs that
    are not recorded as they were given under ``changes`` (a note, a reason, evidence) — a
    dispatch's owner, assignee and routing are written once, as changes, not twice."""
    return {
        "fields": {k: plain(v) for k, v in values.items() if changes.get(k, _NONE) is not v},
        "changes": {k: plain(v) for k, v in changes.items()},
    }


_NONE = object()


def _check_now(now: datetime) -> None:
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise BadTransitionInput(f"now must be a timezone-aware datetime, got {now!r}")


def _fields(ticket: Ticket, rule: Rule, fields: Mapping[str, Any]) -> dict[str, Any]:
    where = f"ticket {ticket.number or ticket.id}: {rule.action}"
    known = set(rule.required) | set(rule.optional)
    for name in fields:
        if name not in known:
            raise BadTransitionInput(
                f"{where} takes no field {name!r}; it takes {sorted(known) or 'none'}"
            )
    for name in rule.required:
        if fields.get(name) in (None, "", ()):
            raise BadTransitionInput(f"{where} requires {name!r}")
    values = {k: coerce(where, k, v) for k, v in fields.items() if v is not None}
    if values.get("duplicate_of") == ticket.id:
        raise BadTransitionInput(f"{where}: a ticket cannot duplicate itself")
    return values


def _clock(
    ticket: Ticket, effect: ClockEffect, f: Mapping[str, Any], now: datetime, cal: WorkCalendar
):
    c = ticket.clock
    try:
        if effect is ClockEffect.START:
            limit: TimeLimit = f["time_limit"]
            return clocks.start(limit, now, cal)
        if effect is ClockEffect.RESTART:
            return clocks.start(c.limit, now, cal) if c.limit else c
        if effect is ClockEffect.PAUSE:
            return clocks.pause(c, now, cal)
        if effect is ClockEffect.RESUME:
            return clocks.resume(c, now, cal)
        if effect is ClockEffect.EXTEND:
            return clocks.extend(c, f["amount"], cal)
        if effect is ClockEffect.STOP:
            return clocks.stop(c, now)
        if effect is ClockEffect.CONTINUE:
            if c.due_at is None and "time_limit" in f:  # rework of an on-site fix: no clock ran
                return clocks.start(f["time_limit"], now, cal)
            if c.due_at is None and ticket.status is S.HANDLED:
                raise ValueError("no clock ever ran (fixed on site): the rework needs a time_limit")
            return clocks.continue_(c)
    except ValueError as exc:
        raise BadTransitionInput(f"ticket {ticket.number or ticket.id}: {exc}") from None
    return c


def describe() -> str:
    """The transition table as a Markdown table (for the README and reviewers)."""
    lines = [
        "| action | from | to | roles | requires | clock |",
        "|---|---|---|---|---|---|",
    ]
    for r in TABLE.values():
        sources = (
            "any open"
            if r.sources == frozenset(OPEN)
            else ", ".join(s.value for s in Status if s in r.sources)
        )
        if r.sources == frozenset(NOT_TERMINAL):
            sources = "any but void/duplicate"
        if r.sources == frozenset(ANY):
            sources = "any"
        target = r.target.value if r.target else ("previous" if r.action == "resume" else "(same)")
        roles = ", ".join(sorted(x.value for x in r.roles))
        lines.append(
            f"| {r.action} | {sources} | {target} | {roles} | {', '.join(r.required) or '-'} "
            f"| {r.clock.value} |"
        )
    return "\n".join(lines)
