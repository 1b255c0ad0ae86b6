"""A supervisor's report (考核报表): per group, every indicator with n, stage times, the
composite score and grade. Pure: it takes counts (from the store) and names (from the org
chart / grid / taxonomy) and returns rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gridops.metrics.config import IndicatorConfig
from gridops.metrics.indicators import INDICATORS, Rate, rates
from gridops.metrics.score import Score, composite


class StageLike(Protocol):
    @property
    def n(self) -> int: ...
    @property
    def mean(self) -> float | None: ...
    @property
    def median(self) -> float | None: ...
    @property
    def p90(self) -> float | None: ...


class CountsLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def counts(self) -> Mapping[str, int]: ...
    @property
    def stages(self) -> Mapping[str, StageLike]: ...


@dataclass(frozen=True)
class ReportRow:
    """One group of the report."""

    key: str
    zh: str
    en: str
    n: int  # tickets reported in the period
    rates: dict[str, Rate]
    score: Score
    stages: Mapping[str, StageLike] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name_zh": self.zh,
            "name_en": self.en,
            "n": self.n,
            "indicators": {k: {"value": r.value, "n": r.n} for k, r in self.rates.items()},
            "stage_times_h": {
                k: {"n": s.n, "mean": _h(s.mean), "median": _h(s.median), "p90": _h(s.p90)}
                for k, s in self.stages.items()
            },
            "count_score": self.score.count_score,
            "score": self.score.value,
            "grade": self.score.grade,
        }


def build_report(
    groups: Sequence[CountsLike],
    config: IndicatorConfig,
    names: Mapping[str, tuple[str, str]] | None = None,
) -> list[ReportRow]:
    """One row per group, in the order given; ``names``: key → (中文, English)."""
    names = names or {}
    rows = []
    for g in groups:
        n = g.counts["reports"]
        r = rates(g.counts)
        zh, en = names.get(g.key, ("", ""))
        rows.append(ReportRow(g.key, zh, en, n, r, composite(n, r, config), dict(g.stages)))
    return rows


def split_name(name: str) -> tuple[str, str]:
    """``"潍坊新村街道 Weifang"`` → (中文, English): the grid's cell names hold both
    (``"潍坊新村街道 第1居委 (community 1)"`` → ("潍坊新村街道第1居委", "community 1"))."""
    from gridops.org.names import name_parts

    zh, en = name_parts(name)
    return zh, en.strip("()（） ")


def _h(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600.0, 4)


COLUMNS = tuple(i.name for i in INDICATORS)
