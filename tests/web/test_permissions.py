"""Who may do what: the role table, unit scope, readable reasons, and contact visibility."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.tickets.vocabulary import Role
from gridops.tickets.workflow import TABLE
from gridops.web.permissions import (
    ROLE_ACTIONS,
    TICKET_ACTIONS,
    WHOLE_SCOPE_ONLY,
    Action,
    ListingScope,
    PermissionDenied,
    Principal,
    TicketView,
    authorize,
    contact_for,
    listing_scope,
    require,
    sees_reporter_contact,
)
from gridops.web.security import ReporterContact

TICKET = TicketView(
    "E0102261122000001",
    owner_unit="dept-roads@310115005",
    assignee_id="u-wang",
    unit_path=("dept-roads", "district-centre"),
    reported_by="u-inspector",
)
OTHER = TicketView("E0102261122000002", owner_unit="dept-x@310115005", unit_path=("dept-x",))


def test_field_staff_act_on_their_own_or_their_units_tickets() -> None:
    wang = Principal("u-wang", Role.FIELD_STAFF, frozenset({"dept-roads@310115125"}))
    assert authorize(wang, Action.ACCEPT, TICKET)  # assigned to him
    colleague = Principal("u-li", Role.FIELD_STAFF, {"dept-roads@310115005"})
    assert authorize(colleague, Action.REPORT_DONE, TICKET)  # his unit's ticket
    denied = authorize(colleague, Action.ACCEPT, OTHER)
    assert not denied
    assert denied.reason == (
        "field staff may act only on tickets assigned to them or their unit; ticket "
        "E0102261122000002 belongs to dept-x@310115005 (your units: dept-roads@310115005)"
    )


def test_field_staff_scope_is_their_unit_not_units_above() -> None:
    head = Principal("u-head", Role.FIELD_STAFF, {"dept-roads"})
    assert not authorize(head, Action.ACCEPT, TICKET)


def test_supervisors_read_across_their_scope_including_units_below() -> None:
    sup = Principal("u-sup", Role.SUPERVISOR, {"dept-roads"})
    assert authorize(sup, Action.READ_TICKET, TICKET)
    assert authorize(sup, Action.CHECK, TICKET)
    denied = authorize(sup, Action.READ_TICKET, OTHER)
    assert "supervisors may act only within dept-roads" in denied.reason
    assert authorize(Principal("u-boss", Role.SUPERVISOR, "all"), Action.FORCE_CLOSE, OTHER)


def test_role_table_denials_name_who_may() -> None:
    wang = Principal("u-wang", Role.FIELD_STAFF, "all")
    decision = authorize(wang, Action.DISPATCH, TICKET)
    assert decision.reason == "field staff may not dispatch; dispatchers may"
    admin = Principal("root", Role.ADMIN, "all")
    assert not authorize(admin, Action.ACCEPT, TICKET)
    assert authorize(admin, Action.RELOAD_CONFIG)
    assert "nobody may" not in authorize(admin, Action.CHECK, TICKET).reason
    with pytest.raises(PermissionDenied, match="may not void"):
        require(admin, Action.VOID, TICKET)


def test_account_log_is_read_by_admins_and_district_supervisors_only() -> None:
    district = Principal("s-all", Role.SUPERVISOR, "all")
    assert authorize(district, Action.READ_ACCOUNT_LOG)
    for managing in (Action.MANAGE_USERS, Action.MANAGE_API_KEYS):
        assert authorize(district, managing).reason == (
            f"supervisors may not {managing}; admins may"
        )
    assert authorize(Principal("root", Role.ADMIN), Action.READ_ACCOUNT_LOG)  # admins: no scope
    unit = authorize(Principal("s-1", Role.SUPERVISOR, {"sc-310115005"}), Action.READ_ACCOUNT_LOG)
    assert not unit and unit.reason == (
        "supervisors may read account log only with unit scope 'all' (district level), as it "
        "covers every unit; your units: sc-310115005; supervisors of all units and admins may"
    )
    dispatcher = authorize(Principal("d", Role.DISPATCHER, "all"), Action.READ_ACCOUNT_LOG)
    assert dispatcher.reason == (
        "dispatchers may not read account log; supervisors of all units and admins may"
    )
    with pytest.raises(PermissionDenied, match="only with unit scope 'all'"):
        require(Principal("s-2", Role.SUPERVISOR), Action.READ_ACCOUNT_LOG)


def test_inspectors_read_what_they_reported() -> None:
    insp = Principal("u-inspector", Role.INSPECTOR)
    assert authorize(insp, Action.READ_TICKET, TICKET)
    assert not authorize(insp, Action.READ_TICKET, OTHER)
    assert authorize(insp, Action.SELF_REPORT)


def test_ticket_actions_need_the_ticket() -> None:
    with pytest.raises(ValueError, match="needs the ticket"):
        authorize(Principal("d", Role.DISPATCHER, "all"), Action.DISPATCH)


def test_contact_is_whole_for_dispatchers_and_supervisors_only() -> None:
    contact = ReporterContact("张三丰", "13812345678", "zs@example.com")
    for role in Role:
        seen = contact_for(Principal("x", role, "all"), contact)
        if role in (Role.DISPATCHER, Role.SUPERVISOR):
            assert seen == contact and sees_reporter_contact(Principal("x", role))
        else:
            assert seen == ReporterContact("张**", "138****5678", "z***@example.com")


def test_listing_scope_mirrors_authorize() -> None:
    assert listing_scope(Principal("d", Role.DISPATCHER, "all")) == ListingScope(all_units=True)
    field = listing_scope(Principal("u-li", Role.FIELD_STAFF, {"gw-310115005001001"}))
    assert field.units == {"gw-310115005001001"} and field.assignee_id == "u-li"
    assert not field.include_below
    assert listing_scope(Principal("s", Role.SUPERVISOR, {"sc-310115005"})).include_below
    assert listing_scope(Principal("a", Role.ADMIN, "all")) == ListingScope(all_units=False)


units = st.sampled_from(["sc-310115005", "ws-310115005001", "dept-x", "dept-x@310115005", "jeg-a"])
principals = st.builds(
    Principal,
    user_id=st.sampled_from(["u1", "u2"]),
    role=st.sampled_from(list(Role)),
    unit_scope=st.just("all") | st.frozensets(units, max_size=3),
)
tickets = st.builds(
    TicketView,
    ticket_id=st.just("E1"),
    owner_unit=st.none() | units,
    assignee_id=st.none() | st.sampled_from(["u1", "u2"]),
    unit_path=st.lists(units, max_size=2).map(tuple),
    reported_by=st.none() | st.sampled_from(["u1", "u2"]),
)


@given(principals, st.sampled_from(list(Action)), tickets)
def test_every_decision_has_a_reason_and_follows_the_table(
    p: Principal, action: Action, t: TicketView
) -> None:
    decision = authorize(p, action, t if action in TICKET_ACTIONS else None)
    assert decision.reason
    if action not in ROLE_ACTIONS[p.role]:
        assert not decision.allowed
    if (
        decision.allowed
        and p.role in (Role.FIELD_STAFF, Role.GRID_WORKER)
        and p.unit_scope != "all"
        and action in TICKET_ACTIONS
    ):
        assert t.assignee_id == p.user_id or t.owner_unit in p.unit_scope
    if decision.allowed and action in WHOLE_SCOPE_ONLY.get(p.role, ()):
        assert p.unit_scope == "all"


@given(principals)
def test_the_account_log_readers_are_admins_and_district_supervisors(p: Principal) -> None:
    reads = authorize(p, Action.READ_ACCOUNT_LOG)
    district = p.role is Role.SUPERVISOR and p.unit_scope == "all"
    assert reads.allowed == (p.role is Role.ADMIN or district)
    if not reads.allowed:
        assert "supervisors of all units and admins may" in reads.reason
    manages = {a for a in (Action.MANAGE_USERS, Action.MANAGE_API_KEYS) if authorize(p, a)}
    assert bool(manages) == (p.role is Role.ADMIN)  # reading the log never grants managing


# a move of the transition table and the permission that offers it on the web (dispatch is
# left out: the table lets an acceptor dispatch, the web keeps that to the dispatcher's desk)
_MOVES = {
    "check_pass": Action.CHECK,
    "check_fail": Action.CHECK,
    "accept": Action.ACCEPT,
    "return": Action.RETURN,
    "handle": Action.REPORT_DONE,
    "escalate": Action.ESCALATE,
}


@pytest.mark.parametrize("move", sorted(_MOVES))
def test_every_role_the_transition_table_names_is_offered_the_move(move: str) -> None:
    """The web offers a move to exactly the people roles the workflow allows (an inspector
    checks: 核查 is the supervision centre's; it was once refused by the web alone)."""
    people = TABLE[move].roles - {Role.SYSTEM, Role.PUBLIC, Role.ADMIN}
    offered = {role for role, actions in ROLE_ACTIONS.items() if _MOVES[move] in actions}
    assert people == offered
