"""The composite score (综合评分) and its grade A–E, never given below the minimum sample."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gridops.metrics.config import COUNT_SCORE, IndicatorConfig
from gridops.metrics.indicators import Rate


@dataclass(frozen=True)
class Score:
    """The composite on 0–100 and its grade; both None when n is below the minimum sample
    or a term's rate is undefined (n = 0)."""

    count_score: float
    value: float | None
    grade: str | None


def count_score(n: int, config: IndicatorConfig) -> float:
    """The volume band's score for ``n`` tickets."""
    for band in config.count_bands:
        if band.max is None or n <= band.max:
            return band.score
    return config.count_bands[-1].score


def grade_of(value: float, config: IndicatorConfig) -> str:
    for grade, low in config.grades:
        if value >= low:
            return grade
    return config.grades[-1][0]


def composite(n: int, rates: Mapping[str, Rate], config: IndicatorConfig) -> Score:
    """Σ weight × term over the configured terms, for a group of ``n`` tickets."""
    cs = count_score(n, config)
    if n < config.min_n:
        return Score(cs, None, None)
    total = 0.0
    for term in config.terms:
        if term.term == COUNT_SCORE:
            part = cs
        else:
            r = rates[term.term].value
            if r is None:
                return Score(cs, None, None)
            part = (1.0 - r if term.invert else r) * 100.0
        total += term.weight * part
    total = min(100.0, max(0.0, total))
    return Score(cs, round(total, 6), grade_of(total, config))
