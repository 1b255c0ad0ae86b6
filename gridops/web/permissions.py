"""Who may do what (权限): a pure table of role → actions, and a unit-scope rule per role.

``authorize(principal, action, ticket)`` returns a Decision whose reason a user can read; a route
is one line — ``require(principal, Action.ACCEPT, view)`` — and the app maps PermissionDenied to
a 403 carrying the reason. Scope: field staff (处置人员, 网格员) act only on tickets assigned to
them or owned by their unit; dispatchers, acceptors and supervisors act on tickets whose owner
unit, or any unit above it (``TicketView.unit_path``, from the org graph), is in their scope;
inspectors read the tickets they reported and answer the verification tasks (核实) of their area
as a dispatcher's scope would find them.
A few actions are not about tickets and need a whole scope (``WHOLE_SCOPE_ONLY``): the account
log is read by admins and by supervisors of all units (督查), who may not manage accounts.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from gridops.tickets.vocabulary import Role
from gridops.web.security import ReporterContact, mask_contact

ALL: Literal["all"] = "all"


class Action(StrEnum):
    """Things a user asks the JSON API to do."""

    READ_TICKET = "read ticket"
    DISPATCH = "dispatch"  # 派遣
    REASSIGN = "reassign"
    ESCALATE = "escalate"  # to a joint-enforcement group 联合执法
    VOID = "void"  # 作废
    MERGE = "merge duplicate"
    FLAG_SUPERVISION = "flag supervision"  # 督办
    SUSPEND = "suspend"  # 缓办: pause the deadline clock, with approval
    RESUME = "resume"  # 恢复办理
    EXTEND = "extend"  # 延期: more time, with approval
    ACCEPT = "accept"
    RETURN = "return"  # 退单
    REPORT_DONE = "report done"
    SELF_REPORT = "self-report"  # 自行处置 / discovered on patrol
    VERIFY = "answer a verification"  # 核实: exists, does not exist, cannot verify
    DECIDE_VERIFICATION = "decide an unverifiable report"  # 立案 or verify again
    CHECK = "check"  # 核查: pass or fail (rework)
    FORCE_CLOSE = "force close"  # 强制结案
    REOPEN = "reopen"  # 申诉重办: a closed ticket back to rework
    RECORD_CALLBACK = "record call-back"  # 回访
    READ_AUDIT_SAMPLE = "read audit sample"
    READ_ACCOUNT_LOG = "read account log"  # who changed whose access (users, API keys)
    READ_REPORTS = "read reports"
    MANAGE_USERS = "manage users"
    MANAGE_API_KEYS = "manage API keys"
    RELOAD_CONFIG = "reload config"
    TAKE_CALL = "take a hotline call"  # 12345 受理: a ticket from what a caller says


TICKET_ACTIONS = frozenset(
    {
        Action.READ_TICKET,
        Action.DISPATCH,
        Action.REASSIGN,
        Action.ESCALATE,
        Action.VOID,
        Action.MERGE,
        Action.FLAG_SUPERVISION,
        Action.SUSPEND,
        Action.RESUME,
        Action.EXTEND,
        Action.ACCEPT,
        Action.RETURN,
        Action.REPORT_DONE,
        Action.CHECK,
        Action.FORCE_CLOSE,
        Action.REOPEN,
        Action.RECORD_CALLBACK,
        Action.VERIFY,
        Action.DECIDE_VERIFICATION,
    }
)
_VERIFY = frozenset({Action.VERIFY, Action.DECIDE_VERIFICATION})  # the dispatcher's decisions
_CLOCK = frozenset({Action.SUSPEND, Action.RESUME, Action.EXTEND})  # the deadline clock
_FIELD = frozenset({Action.READ_TICKET, Action.ACCEPT, Action.RETURN, Action.REPORT_DONE})
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.DISPATCHER: frozenset(
        {
            Action.READ_TICKET,
            Action.DISPATCH,
            Action.REASSIGN,
            Action.ESCALATE,
            Action.VOID,
            Action.MERGE,
            Action.FLAG_SUPERVISION,
            Action.READ_REPORTS,
            Action.TAKE_CALL,
        }
    )
    | _CLOCK
    | _VERIFY,
    Role.ACCEPTOR: frozenset({Action.READ_TICKET, Action.VOID, Action.MERGE, Action.TAKE_CALL})
    | _VERIFY,
    Role.FIELD_STAFF: _FIELD | {Action.SELF_REPORT},
    Role.GRID_WORKER: _FIELD | {Action.SELF_REPORT, Action.VERIFY},
    # 核查: the supervision centre's inspector checks the unit's work (the transition table's
    # check_pass/check_fail name inspectors and supervisors)
    Role.INSPECTOR: frozenset(
        {Action.READ_TICKET, Action.SELF_REPORT, Action.VERIFY, Action.CHECK}
    ),
    Role.SUPERVISOR: frozenset(
        {
            Action.READ_TICKET,
            Action.REASSIGN,
            Action.ESCALATE,
            Action.FLAG_SUPERVISION,
            Action.CHECK,
            Action.FORCE_CLOSE,
            Action.REOPEN,
            Action.RECORD_CALLBACK,
            Action.READ_AUDIT_SAMPLE,
            Action.READ_ACCOUNT_LOG,
            Action.READ_REPORTS,
        }
    )
    | _CLOCK,
    Role.ADMIN: frozenset(
        {
            Action.MANAGE_USERS,
            Action.MANAGE_API_KEYS,
            Action.READ_ACCOUNT_LOG,
            Action.RELOAD_CONFIG,
            Action.READ_REPORTS,
        }
    ),
    Role.PUBLIC: frozenset(),
    Role.SYSTEM: frozenset(),
}
#: Actions a role holds only with unit scope "all". The account log is one chain over every
#: unit's users and keys: it cannot be cut to a unit without hiding who changed whose access (a
#: user moved between units, a key that belongs to no unit), and a partial audit trail misleads.
#: So a unit's supervisor does not read it; a district supervisor (scope "all") does. Admins are
#: not unit-scoped: the accounts are their work.
WHOLE_SCOPE_ONLY: dict[Role, frozenset[Action]] = {
    Role.SUPERVISOR: frozenset({Action.READ_ACCOUNT_LOG}),
}
FIELD_ROLES = frozenset({Role.FIELD_STAFF, Role.GRID_WORKER})
CONTACT_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR})
_LABEL = {
    Role.SYSTEM: "the system role",
    Role.PUBLIC: "the public",
    Role.INSPECTOR: "inspectors",
    Role.GRID_WORKER: "grid workers",
    Role.ACCEPTOR: "acceptors",
    Role.DISPATCHER: "dispatchers",
    Role.FIELD_STAFF: "field staff",
    Role.SUPERVISOR: "supervisors",
    Role.ADMIN: "admins",
}


@dataclass(frozen=True)
class Principal:
    """The user behind a request: id, role and the units they work for (or ``"all"``)."""

    user_id: str
    role: Role
    unit_scope: Set[str] | Literal["all"] = frozenset()  # stored as a frozenset

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        if self.unit_scope != ALL:
            if isinstance(self.unit_scope, str):
                raise ValueError(
                    f"unit_scope must be 'all' or a set of unit ids, got {self.unit_scope!r}"
                )
            object.__setattr__(self, "unit_scope", frozenset(self.unit_scope))


@dataclass(frozen=True)
class TicketView:
    """What authorization needs to know about a ticket."""

    ticket_id: str
    owner_unit: str | None = None
    assignee_id: str | None = None
    unit_path: tuple[str, ...] = ()  # units above owner_unit, nearest first (from the org graph)
    reported_by: str | None = None  # user id of an inspector/grid worker who reported it


@dataclass(frozen=True)
class Decision:
    """Allowed or not, and why, in words a user can read."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


class PermissionDenied(Exception):
    """A 403: ``reason`` says what was refused and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotVisible(PermissionDenied):
    """The 403 for a ticket the principal may not see or that does not exist (one answer for
    both: no oracle for case numbers); ``ref`` is the number as they asked for it."""

    def __init__(self, reason: str, ref: str) -> None:
        super().__init__(reason)
        self.ref = ref


def _scope_text(p: Principal) -> str:
    return "all units" if p.unit_scope == ALL else ", ".join(sorted(p.unit_scope)) or "no units"


def _who_may(action: Action) -> str:
    roles = [
        _LABEL[r] + (" of all units" if action in WHOLE_SCOPE_ONLY.get(r, ()) else "")
        for r, acts in ROLE_ACTIONS.items()
        if action in acts
    ]
    return " and ".join(roles) + " may" if roles else "nobody may"


def _in_scope(p: Principal, t: TicketView) -> Decision:
    label, ticket = _LABEL[p.role], f"ticket {t.ticket_id}"
    owner = t.owner_unit or "no unit yet"
    if p.role in FIELD_ROLES:
        if t.assignee_id is not None and t.assignee_id == p.user_id:
            return Decision(True, f"{ticket} is assigned to {p.user_id}")
        if p.unit_scope == ALL or (t.owner_unit is not None and t.owner_unit in p.unit_scope):
            return Decision(True, f"{ticket} belongs to {owner}, a unit of {p.user_id}")
        return Decision(
            False,
            f"{label} may act only on tickets assigned to them or their unit; {ticket} belongs "
            f"to {owner} (your units: {_scope_text(p)})",
        )
    if p.role is Role.INSPECTOR:
        if t.reported_by is not None and t.reported_by == p.user_id:
            return Decision(True, f"{ticket} was reported by {p.user_id}")
        return Decision(
            False, f"inspectors may read only tickets they reported; {ticket} is not one"
        )
    return _in_units(p, t)


def _in_units(p: Principal, t: TicketView) -> Decision:
    """Whether the ticket's owner, or a unit above it or over its cells, is in ``p``'s scope."""
    label, ticket = _LABEL[p.role], f"ticket {t.ticket_id}"
    owner = t.owner_unit or "no unit yet"
    if p.unit_scope == ALL:
        return Decision(True, f"{p.user_id} works for all units")
    units = ((t.owner_unit,) if t.owner_unit else ()) + t.unit_path
    hit = next((u for u in units if u in p.unit_scope), None)
    if hit is not None:
        return Decision(True, f"{ticket} belongs to {owner}, within {hit}")
    return Decision(
        False,
        f"{label} may act only within {_scope_text(p)}; {ticket} belongs to {owner}",
    )


def may_take(principal: Principal, action: Action) -> Decision:
    """The role half of :func:`authorize`: may this role ever take ``action`` (asked before a
    ticket is looked up, so a refusal tells nothing about the ticket)?"""
    label = _LABEL[principal.role]
    if action not in ROLE_ACTIONS[principal.role]:
        return Decision(False, f"{label} may not {action}; {_who_may(action)}")
    if action in WHOLE_SCOPE_ONLY.get(principal.role, ()) and principal.unit_scope != ALL:
        return Decision(
            False,
            f"{label} may {action} only with unit scope 'all' (district level), as it covers "
            f"every unit; your units: {_scope_text(principal)}; {_who_may(action)}",
        )
    return Decision(True, f"{label} may {action}")


def authorize(principal: Principal, action: Action, ticket: TicketView | None = None) -> Decision:
    """May ``principal`` do ``action`` (to ``ticket``, for ticket actions)?"""
    label = _LABEL[principal.role]
    role = may_take(principal, action)
    if not role.allowed or action not in TICKET_ACTIONS:
        return role
    if ticket is None:
        raise ValueError(f"action {action!r} needs the ticket it acts on")
    if principal.role is Role.INSPECTOR and action in (Action.VERIFY, Action.CHECK):
        scoped = _in_units(principal, ticket)  # the 核实 and 核查 tasks of their area
    else:
        scoped = _in_scope(principal, ticket)
    if not scoped.allowed:
        return scoped
    return Decision(True, f"{label} may {action}: {scoped.reason}")


def sees_every_ticket(principal: Principal) -> bool:
    """Whether ``principal`` reads every ticket (so telling them one does not exist tells them
    nothing they could not see)."""
    return listing_scope(principal).all_units


def not_visible(principal: Principal, ref: str) -> NotVisible:
    """The one refusal for a ticket ``principal`` may not see, whether or not it exists: it
    names the ticket as they asked for it and their own scope, never the ticket's owner."""
    label, ref = _LABEL[principal.role], ref[:64]
    if principal.role in FIELD_ROLES:
        within = f"assigned to them or their unit (your units: {_scope_text(principal)})"
    elif principal.role is Role.INSPECTOR:
        within = f"they reported or verification tasks within {_scope_text(principal)}"
    else:
        within = f"within {_scope_text(principal)}"
    return NotVisible(
        f"{label} may act only on tickets {within}; ticket {ref} is not one of them, or does "
        "not exist",
        ref,
    )


def require(principal: Principal, action: Action, ticket: TicketView | None = None) -> None:
    """Raise PermissionDenied with the reason unless ``authorize`` allows it."""
    decision = authorize(principal, action, ticket)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)


def sees_reporter_contact(principal: Principal) -> bool:
    """Dispatchers and supervisors see reporters' contact data; nobody else does."""
    return principal.role in CONTACT_ROLES


def contact_for(principal: Principal, contact: ReporterContact) -> ReporterContact:
    """The contact as this principal may see it: whole, or masked (Open311 output never has it)."""
    return contact if sees_reporter_contact(principal) else mask_contact(contact)


@dataclass(frozen=True)
class ListingScope:
    """The filter a queue query applies for a principal (the web expands it over the org chart
    and the store turns it into SQL, :func:`gridops.web.queries.ticket_scope`): no filter when
    ``all_units``; else tickets owned by ``units`` (and, when ``include_below``, by units under
    them or lying in the territory 属地 of any of those), or assigned to ``assignee_id``, or
    reported by ``reported_by``; nothing when all of these are empty."""

    all_units: bool
    units: frozenset[str] = frozenset()
    include_below: bool = False
    assignee_id: str | None = None
    reported_by: str | None = None


def listing_scope(principal: Principal) -> ListingScope:
    """What queues and searches show this principal (mirrors ``authorize`` for READ_TICKET)."""
    if Action.READ_TICKET not in ROLE_ACTIONS[principal.role]:
        return ListingScope(all_units=False)
    if principal.role is Role.INSPECTOR:
        return ListingScope(all_units=False, reported_by=principal.user_id)
    if principal.unit_scope == ALL:
        return ListingScope(all_units=True)
    field = principal.role in FIELD_ROLES
    return ListingScope(
        all_units=False,
        units=frozenset(principal.unit_scope),
        include_below=not field,
        assignee_id=principal.user_id if field else None,
    )
