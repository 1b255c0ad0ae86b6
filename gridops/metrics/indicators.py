"""The indicators supervisors audit (评价指标), each a ratio of two named counts, with n.

Counts come from :func:`gridops.store.rollups.indicator_counts` (one grouped SQL query);
here they become rates. ``n`` is always the denominator; a rate over n = 0 is None, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Indicator:
    """One rate: ``numerator`` / ``denominator`` (names of counts)."""

    name: str
    zh: str
    en: str
    numerator: str
    denominator: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("registration_rate", "立案率", "Registration rate", "registered", "reports"),
    Indicator(
        "dispatch_accuracy", "准确派遣率", "Dispatch accuracy", "dispatched_right", "dispatched"
    ),
    Indicator(
        "on_time_dispatch", "按时派遣率", "On-time dispatch", "dispatched_on_time", "dispatched"
    ),
    Indicator("handling_rate", "处置率", "Handling rate", "handled", "due"),
    Indicator("on_time_handling", "按期处置率", "On-time handling", "handled_on_time", "due"),
    Indicator("close_rate", "结案率", "Close rate", "closed", "due"),
    Indicator(
        "close_rate_ex_suspended",
        "结案率(扣除缓办)",
        "Close rate (suspended excluded)",
        "closed",
        "due_not_suspended",
    ),
    Indicator("on_time_close", "按期结案率", "On-time close", "closed_on_time", "due"),
    Indicator("rework_rate", "返工率", "Rework rate", "reworked", "handled"),
    Indicator(
        "onsite_resolution", "现场解决率", "On-site resolution", "resolved_onsite", "resolved"
    ),
    Indicator("escalation_rate", "升级率", "Escalation rate", "escalated", "dispatched"),
    Indicator("supervision_rate", "督办率", "Supervision rate", "supervised", "dispatched"),
    Indicator("satisfaction", "满意率", "Satisfaction", "satisfied", "callbacks"),
    Indicator(
        "valid_report_rate",
        "有效上报率",
        "Valid report rate",
        "valid_inspector_reports",
        "inspector_reports",
    ),
    Indicator(
        "active_discovery", "主动发现率", "Active discovery rate", "found_actively", "reports"
    ),
)
BY_NAME: dict[str, Indicator] = {i.name: i for i in INDICATORS}


@dataclass(frozen=True)
class Rate:
    """A rate in [0, 1] (None when n is 0) and its sample size n (the denominator)."""

    value: float | None
    n: int

    def __post_init__(self) -> None:
        if self.n < 0 or (self.value is not None and not 0.0 <= self.value <= 1.0):
            raise ValueError(f"rate {self.value!r} over n={self.n} is impossible")

    def percent(self, places: int = 1) -> Decimal | None:
        """The rate as a percentage with ``places`` decimals (None when n is 0), rounded half up
        on the exact ratio count / n: the one figure the pages and the CSV and Excel exports all
        show. Never a float's rounding: 1807/2000 is exactly 90.35 %, shown 90.4 %, though the
        float 0.9035 lies a hair below it (``'%.1f'`` says 90.3), and rounding to 4 places
        first moves 14/17 = 82.3529… % to 82.35 % and then to 82.3 %."""
        if self.value is None or self.n == 0:
            return None
        # the count, exactly: value is the float nearest count / n, off by far less than 1 / n
        count = round(self.value * self.n)
        scale = 10 ** (2 + places)
        return Decimal((2 * count * scale + self.n) // (2 * self.n)).scaleb(-places)


def rate(numerator: int, denominator: int) -> Rate:
    """numerator / denominator; the numerator may never exceed the denominator."""
    if numerator > denominator or numerator < 0:
        raise ValueError(f"count {numerator} cannot exceed its base {denominator}")
    return Rate(numerator / denominator if denominator else None, denominator)


def rates(counts: Mapping[str, int]) -> dict[str, Rate]:
    """Every indicator of one group, from its counts."""
    return {i.name: rate(counts[i.numerator], counts[i.denominator]) for i in INDICATORS}
