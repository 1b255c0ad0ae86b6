"""gridops.tickets: the ticket, its workflow (one transition table), events and deadline clocks.

Pure domain: no I/O and no clock reads — ``now`` is always passed in.
"""

from gridops.tickets.calendar import WorkCalendar
from gridops.tickets.calendar_config import load_calendar
from gridops.tickets.clocks import ClockEffect
from gridops.tickets.codec import canonical, decode_ticket, encode_ticket
from gridops.tickets.errors import (
    BadTransitionInput,
    IllegalTransition,
    RoleNotAllowed,
    TransitionError,
)
from gridops.tickets.events import GENESIS, ChainProblem, Event, chain_hash, check_chain
from gridops.tickets.model import (
    Clock,
    Reporter,
    Status,
    Ticket,
    TicketDraft,
    case_number,
    check_id,
)
from gridops.tickets.privacy import OUTSIDE_CHAIN, contact_matches, in_chain
from gridops.tickets.projection import rebuild
from gridops.tickets.vocabulary import ClockType, Kind, Role, Source, TimeLimit
from gridops.tickets.workflow import TABLE, Rule, Transition, apply, report

__all__ = [
    "GENESIS",
    "OUTSIDE_CHAIN",
    "TABLE",
    "BadTransitionInput",
    "ChainProblem",
    "Clock",
    "ClockEffect",
    "ClockType",
    "Event",
    "IllegalTransition",
    "Kind",
    "Reporter",
    "Role",
    "RoleNotAllowed",
    "Rule",
    "Source",
    "Status",
    "Ticket",
    "TicketDraft",
    "TimeLimit",
    "Transition",
    "TransitionError",
    "WorkCalendar",
    "apply",
    "canonical",
    "case_number",
    "chain_hash",
    "check_chain",
    "check_id",
    "contact_matches",
    "decode_ticket",
    "encode_ticket",
    "in_chain",
    "load_calendar",
    "rebuild",
    "report",
]
