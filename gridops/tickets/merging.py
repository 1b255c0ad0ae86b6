"""Merging a duplicate report (合并重复件): one ticket closes as a duplicate of another, which
counts its reports (``report_count``).

The two moves are made together, and the store writes them in one transaction, each guarded
by its ticket's version: two merges crossing each other (A into B while B goes into A) cannot
both apply, so no pair of tickets ever closes as duplicates of each other. The target must be
open — not closed, void or itself merged, so no chain of merges can close every ticket of it —
and of the same category, unless the actor says why (``reason``).
"""

from __future__ import annotations

from datetime import datetime

from gridops.tickets.calendar import WorkCalendar
from gridops.tickets.errors import BadTransitionInput, IllegalTransition
from gridops.tickets.model import Ticket
from gridops.tickets.vocabulary import Role
from gridops.tickets.workflow import Transition, apply


def merge(
    source: Ticket,
    target: Ticket,
    *,
    actor: str,
    role: Role | str,
    now: datetime,
    reason: str = "",
    calendar: WorkCalendar | None = None,
) -> tuple[Transition, Transition]:
    """``source`` merged into ``target``: (source → duplicate, target absorbs its reports).
    IllegalTransition (409) when the target is not open; BadTransitionInput (422) for itself
    or another category without a reason."""
    where = f"ticket {source.number}: merge_duplicate"
    if target.id == source.id:
        raise BadTransitionInput(f"{where}: a ticket cannot duplicate itself")
    if not target.status.open or target.duplicate_of is not None:
        raise IllegalTransition(target, "absorb a duplicate", "merge into open tickets only")
    reason = reason.strip()
    if target.category != source.category and not reason:
        raise BadTransitionInput(
            f"{where}: ticket {source.number} is category {source.category} and ticket "
            f"{target.number} is {target.category}; merging across categories needs a reason"
        )
    fields = {"reason": reason} if reason else {}
    first = apply(source, "merge_duplicate", actor=actor, role=role, now=now, calendar=calendar,
                  duplicate_of=target.id, **fields)  # fmt: skip
    second = apply(target, "absorb_duplicate", actor=actor, role=role, now=now,
                   calendar=calendar, duplicate_id=source.id,
                   reports=source.report_count)  # fmt: skip
    return first, second
