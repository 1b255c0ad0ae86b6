"""Work calendar (工作日历) and deadline arithmetic for the four clock types.

Working periods (default 08:00–12:00 and 14:00–18:00) in a timezone (Asia/Shanghai), weekends,
statutory holidays and make-up working days (调休). All results are UTC datetimes.

Clock types:

* ``hours``: continuous hours, nights and holidays included.
* ``days``: natural days of 24 hours from the start.
* ``working_hours``: time inside working periods on working days.
* ``working_days``: N whole working days — the deadline is the end of the last working period
  of the N-th working day *after* the start's local day (the start day itself never counts,
  whatever the hour). A fractional N counts as the next whole day. ``elapsed`` in working days
  is working time divided by the length of a full working day (8 h by default).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridops.tickets.vocabulary import ClockType, TimeLimit

MAX_DAYS = 3660  # no deadline lies more than ten years ahead
_UNIT_SECONDS = {ClockType.HOURS: 3600.0, ClockType.DAYS: 86400.0, ClockType.WORKING_HOURS: 3600.0}
DEADLINES_KEPT = 256  # deadlines remembered per calendar (see WorkCalendar.deadline)


@dataclass(frozen=True)
class WorkCalendar:
    """When work happens. Pure: ask it, it never reads the clock."""

    timezone: str = "Asia/Shanghai"
    periods: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(14), time(18)))
    weekend: frozenset[int] = frozenset({5, 6})  # Monday = 0
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # make-up working days on a weekend (调休)
    warnings: tuple[str, ...] = ()
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _deadlines: dict[tuple[datetime, TimeLimit], datetime] = field(
        init=False, repr=False, compare=False
    )
    _day_seconds: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tz", ZoneInfo(self.timezone))
        object.__setattr__(self, "_deadlines", {})
        object.__setattr__(
            self, "_day_seconds", float(sum(_secs(e) - _secs(s) for s, e in self.periods))
        )
        if not self.periods:
            raise ValueError("a work calendar needs at least one working period")
        for start, end in self.periods:
            if not start < end:
                raise ValueError(f"working period {start}–{end} ends before it starts")
        if len(self.weekend) >= 7:
            raise ValueError("a work calendar needs at least one working weekday")

    @property
    def day_seconds(self) -> float:
        """Working seconds in a full working day."""
        return self._day_seconds

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() not in self.weekend

    def _windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows (UTC) from the local day of ``start`` on, in order."""
        day = start.astimezone(self._tz).date()
        for _ in range(MAX_DAYS):
            if self.is_working_day(day):
                for s, e in self.periods:
                    yield (
                        datetime.combine(day, s, self._tz).astimezone(UTC),
                        datetime.combine(day, e, self._tz).astimezone(UTC),
                    )
            day += timedelta(days=1)

    def add_working(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant at which ``seconds`` of working time have passed since ``start``."""
        left = timedelta(seconds=seconds)
        if left <= timedelta(0):
            return start.astimezone(UTC)
        for ws, we in self._windows(start):
            lo = max(ws, start)
            if lo >= we:
                continue
            if lo + left <= we:
                return lo + left
            left -= we - lo
        raise ValueError(f"no deadline within {MAX_DAYS} days of {start}")

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working time between two instants (0 if end ≤ start)."""
        if end <= start:
            return 0.0
        total = timedelta(0)
        for ws, we in self._windows(start):
            if ws >= end:
                break
            lo, hi = max(ws, start), min(we, end)
            if hi > lo:
                total += hi - lo
        return total.total_seconds()

    def seconds_of(self, amount: float, clock: ClockType) -> float:
        """Clock-seconds in ``amount`` units of ``clock`` (working seconds for working clocks)."""
        clock = ClockType(clock)
        if clock is ClockType.WORKING_DAYS:
            return amount * self._day_seconds
        return amount * _UNIT_SECONDS[clock]

    def add(self, start: datetime, seconds: float, clock: ClockType) -> datetime:
        """``start`` plus ``seconds`` clock-seconds."""
        if clock in (ClockType.HOURS, ClockType.DAYS):
            return (start + timedelta(seconds=seconds)).astimezone(UTC)
        return self.add_working(start, seconds)

    def measure(self, start: datetime, end: datetime, clock: ClockType) -> float:
        """Clock-seconds between two instants (never negative)."""
        if clock in (ClockType.HOURS, ClockType.DAYS):
            return max(0.0, (end - start).total_seconds())
        return self.working_seconds(start, end)

    def deadline(self, start: datetime, limit: TimeLimit) -> datetime:
        """When ``limit`` counted from ``start`` runs out (UTC).

        Remembered for the last few hundred (start, limit) pairs: a routing batch dispatches
        all its tickets at one ``now`` with a handful of limits, and a working-hours deadline
        walks the calendar's windows (the calendar never changes, so neither does the answer).
        """
        key = (start, limit)
        due = self._deadlines.get(key)
        if due is None:
            if limit.clock is ClockType.WORKING_DAYS:
                due = self.end_of_working_day(start, math.ceil(limit.amount))
            else:
                due = self.add(start, self.seconds_of(limit.amount, limit.clock), limit.clock)
            if len(self._deadlines) >= DEADLINES_KEPT:
                self._deadlines.clear()
            self._deadlines[key] = due
        return due

    def end_of_working_day(self, start: datetime, n: int) -> datetime:
        """End of the last working period of the n-th working day after start's local day."""
        day = start.astimezone(self._tz).date()
        for _ in range(MAX_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
                if n <= 0:
                    return datetime.combine(day, self.periods[-1][1], self._tz).astimezone(UTC)
        raise ValueError(f"no deadline within {MAX_DAYS} days of {start}")

    def elapsed(self, start: datetime, end: datetime, clock: ClockType) -> float:
        """Time between two instants in the clock's unit (hours, days, working hours/days)."""
        clock = ClockType(clock)
        return self.measure(start, end, clock) / self.seconds_of(1.0, clock)

    def local(self, at: datetime) -> datetime:
        """``at`` in the calendar's timezone."""
        return at.astimezone(self._tz)


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second
