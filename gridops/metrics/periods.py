"""Report periods (统计周期): a month, an ISO week, a day, a year or ``start..end``.

Periods are local calendar spans (the city's timezone) turned into UTC half-open intervals
``[start, end)`` that the store compares ``created_at`` with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridops.errors import UserError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
FIRST_YEAR, LAST_YEAR = 1900, 9000  # wide; and no zone shift can leave Python's calendar


@dataclass(frozen=True)
class Period:
    """A reporting period: ``[start, end)`` in UTC, and the text it was given as."""

    label: str
    start: datetime
    end: datetime

    def days(self, timezone: str = "Asia/Shanghai") -> tuple[date, date]:
        """The first local day and the day after the last one."""
        tz = ZoneInfo(timezone)
        return self.start.astimezone(tz).date(), self.end.astimezone(tz).date()

    def as_of(self, now: datetime) -> datetime:
        """The moment deadlines are judged at: the period's end, or ``now`` if earlier."""
        return min(self.end, now)


def parse_period(text: str, timezone: str = "Asia/Shanghai") -> Period:
    """``2026-10`` · ``2026-W43`` · ``2026-10-05`` · ``2026`` · ``2026-10-01..2026-10-15``
    (both days included). UserError names the value and the accepted forms."""
    tz = ZoneInfo(timezone)
    raw = text.strip()
    try:
        if ".." in raw:
            first, last = raw.split("..", 1)
            a, _ = _days(first.strip())
            _, b = _days(last.strip())
        else:
            a, b = _days(raw)
    except (ValueError, OverflowError):
        raise UserError(
            f"period {text!r} is not understood; use 2026-10 (month), 2026-W43 (ISO week), "
            "2026-10-05 (day), 2026 (year) or 2026-10-01..2026-10-15"
        ) from None
    if b <= a:
        raise UserError(f"period {text!r} ends before it starts")
    if not (date(FIRST_YEAR, 1, 1) <= a and b <= date(LAST_YEAR + 1, 1, 1)):
        raise UserError(f"period {text!r} lies outside the years {FIRST_YEAR} to {LAST_YEAR}")
    return Period(raw, _utc(a, tz), _utc(b, tz))


def _days(text: str) -> tuple[date, date]:
    """First day and the day after the last day of one period word."""
    if m := _MONTH.match(text):
        y, mo = int(m[1]), int(m[2])
        first = date(y, mo, 1)
        return first, date(y + mo // 12, mo % 12 + 1, 1)
    if m := _WEEK.match(text):
        first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return first, first + timedelta(days=7)
    if m := _DAY.match(text):
        first = date(int(m[1]), int(m[2]), int(m[3]))
        return first, first + timedelta(days=1)
    if m := _YEAR.match(text):
        return date(int(m[1]), 1, 1), date(int(m[1]) + 1, 1, 1)
    raise ValueError(text)


def _utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
