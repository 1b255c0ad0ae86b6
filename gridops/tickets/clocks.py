"""What a transition does to a ticket's deadline clock (时限): start, pause, resume, extend, stop.

Pure functions of the old Clock, ``now`` and the WorkCalendar. A pause stores the clock-seconds
left, a resume counts them again from the resume time, so a pause never shortens a deadline;
a clock already overdue when paused keeps its deadline.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from gridops.tickets.calendar import WorkCalendar
from gridops.tickets.model import Clock
from gridops.tickets.vocabulary import TimeLimit


class ClockEffect(StrEnum):
    NONE = "none"
    START = "start"  # dispatch: deadline = now + limit
    RESTART = "restart"  # reopen: a fresh deadline with the same limit
    PAUSE = "pause"  # suspend (缓办)
    RESUME = "resume"
    EXTEND = "extend"  # 延期: add time, approval recorded
    STOP = "stop"  # handled / closed / void: the clock stops, overdue is frozen
    CONTINUE = "continue"  # rework: the stopped clock runs on against the same deadline


def start(limit: TimeLimit, now: datetime, calendar: WorkCalendar) -> Clock:
    return Clock(limit=limit, started_at=now, due_at=calendar.deadline(now, limit))


def pause(clock: Clock, now: datetime, calendar: WorkCalendar) -> Clock:
    if not clock.running or clock.limit is None or clock.due_at is None:
        return clock
    left = calendar.measure(now, clock.due_at, clock.limit.clock)
    return replace(clock, paused_at=now, remaining_s=left)


def resume(clock: Clock, now: datetime, calendar: WorkCalendar) -> Clock:
    if clock.paused_at is None or clock.limit is None:
        return clock
    due = clock.due_at
    if clock.remaining_s and clock.remaining_s > 0:
        due = calendar.add(max(now, clock.paused_at), clock.remaining_s, clock.limit.clock)
    return replace(clock, due_at=due, paused_at=None, remaining_s=None)


def extend(clock: Clock, amount: float, calendar: WorkCalendar) -> Clock:
    if clock.limit is None or clock.due_at is None:
        raise ValueError("the ticket has no deadline to extend")
    seconds = calendar.seconds_of(amount, clock.limit.clock)
    if clock.paused_at is not None:
        return replace(
            clock,
            remaining_s=(clock.remaining_s or 0.0) + seconds,
            extended=clock.extended + amount,
        )
    due = calendar.add(clock.due_at, seconds, clock.limit.clock)
    return replace(clock, due_at=due, extended=clock.extended + amount)


def stop(clock: Clock, now: datetime) -> Clock:
    if clock.due_at is None or clock.stopped_at is not None:
        return clock
    return replace(clock, stopped_at=now)


def continue_(clock: Clock) -> Clock:
    return replace(clock, stopped_at=None)
