"""Composite score and grade: configurable, bounded, never graded below the minimum sample."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.metrics import INDICATORS, composite, count_score, load_indicator_config, rate
from gridops.metrics.config import REPO_CONFIG

CONFIG = load_indicator_config(REPO_CONFIG)


@pytest.mark.parametrize(
    "n, score", [(0, 100), (50, 100), (51, 90), (100, 90), (200, 75), (500, 60), (999, 40),
                 (1000, 0), (10**6, 0)],
)  # fmt: skip
def test_count_bands_from_the_reference(n: int, score: float):
    assert count_score(n, CONFIG) == score


def test_reference_formula():
    rates = {i.name: rate(0, 0) for i in INDICATORS}
    rates |= {"close_rate": rate(99, 100), "on_time_handling": rate(95, 100),
              "rework_rate": rate(1, 100)}  # fmt: skip
    s = composite(80, rates, CONFIG)  # count score 90
    assert s.value == pytest.approx(0.1 * 90 + 0.3 * 99 + 0.3 * 95 + 0.3 * 99)
    assert s.grade == "A"


counts = st.integers(0, 2000)


@st.composite
def group(draw):
    n = draw(st.integers(0, 3000))
    out = {}
    for i in INDICATORS:
        base = draw(st.integers(0, n))
        out[i.name] = rate(draw(st.integers(0, base)), base)
    return n, out


@given(group(), st.integers(0, 200))
def test_score_bounded_and_no_grade_below_min_n(g, min_n: int):
    n, rates = g
    cfg = replace(CONFIG, min_n=min_n)
    s = composite(n, rates, cfg)
    for r in rates.values():
        assert r.value is None or 0.0 <= r.value <= 1.0
    if n < min_n:
        assert s.grade is None and s.value is None
    if s.value is not None:
        assert 0.0 <= s.value <= 100.0
        assert s.grade in {"A", "B", "C", "D", "E"}


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_rate_n_is_the_denominator(a: int, b: int):
    num, den = min(a, b), max(a, b)
    r = rate(num, den)
    assert r.n == den
    assert (r.value is None) == (den == 0)
    with pytest.raises(ValueError):
        rate(den + 1, den)
