"""League order and the weeks of the trend chart."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from gridops.metrics import Rate, ReportRow, Score
from gridops.web.console.supervise_data import weeks_before
from gridops.web.console.supervise_rank import league

scores = st.one_of(st.none(), st.floats(0.0, 100.0))


@given(st.lists(st.tuples(scores, st.integers(0, 500)), max_size=20))
def test_graded_rows_rank_by_score_and_ungraded_rows_come_last(
    rows: list[tuple[float | None, int]],
) -> None:
    made = [
        ReportRow(
            f"k{i}", "", "", n, {"x": Rate(None, 0)}, Score(0.0, s, None if s is None else "A")
        )  # fmt: skip
        for i, (s, n) in enumerate(rows)
    ]
    ranked = league(made)
    assert sorted(r.key for r in ranked) == sorted(r.key for r in made)
    graded = [r.score.value for r in ranked if r.score.value is not None]
    assert graded == sorted(graded, reverse=True)
    first_ungraded = next((i for i, r in enumerate(ranked) if r.score.value is None), len(ranked))
    assert all(r.score.value is None for r in ranked[first_ungraded:])


def test_weeks_cross_the_year_boundary_in_local_time() -> None:
    now = datetime(2026, 1, 4, 17, 0, tzinfo=UTC)  # Monday 5 January 01:00 in Shanghai
    weeks = weeks_before(now, ZoneInfo("Asia/Shanghai"), 3)
    assert weeks == ["2025-W52", "2026-W01", "2026-W02"]  # UTC would still say 2026-W01
