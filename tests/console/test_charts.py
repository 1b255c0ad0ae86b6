"""Trend charts: one line per indicator over the weeks, weeks without a sample left out, n
under every week."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridops.web.console.charts import Series, trend_svg

rates = st.one_of(st.none(), st.floats(0.0, 1.0))


@given(st.lists(rates, min_size=1, max_size=12))
def test_points_are_drawn_for_every_week_with_a_rate(values: list[float | None]) -> None:
    weeks = [f"2026-W{i + 1:02d}" for i in range(len(values))]
    svg = trend_svg(weeks, list(range(len(values))), [Series("结案率", values)])
    present = sum(v is not None for v in values)
    assert svg.count("<circle ") == present
    assert svg.count("<polyline ") == (1 if present > 1 else 0)
    assert all(f"n={i}<" in svg for i in range(len(values)))


def test_no_weeks_no_chart() -> None:
    assert trend_svg([], [], []) == ""
