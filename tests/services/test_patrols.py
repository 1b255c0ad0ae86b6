"""Patrols (巡查) on SQLite and PostgreSQL: a track is checked, measured and kept; sent again
under the same id it replaces itself; bad points are refused naming the point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from gridops.errors import UserError
from gridops.services.patrols import checked, of_day, record, track_length_m
from gridops.store import Store

T0 = int(datetime(2026, 11, 24, 2, 0, tzinfo=UTC).timestamp() * 1000)
WALK = [[121.5, 31.23, T0], [121.501, 31.23, T0 + 60_000], [121.502, 31.23, T0 + 120_000]]


def test_a_track_is_measured_and_sent_again_replaces_itself(store: Store) -> None:
    ctx = SimpleNamespace(store=store)
    record(ctx, "gw-1", "walk-0001", points=WALK[:2], started_ms=T0, ended_ms=None)
    kept = record(ctx, "gw-1", "walk-0001", points=WALK, started_ms=T0, ended_ms=T0 + 130_000)
    assert 180 < kept.length_m < 200  # two steps of 0.001° at 31° N
    start = datetime(2026, 11, 24, tzinfo=UTC)
    [walk] = of_day(ctx, start, start + timedelta(days=1))
    assert walk.points == tuple(tuple(p) for p in WALK) and walk.ended_at is not None
    assert of_day(ctx, start + timedelta(days=1), start + timedelta(days=2)) == []


@pytest.mark.parametrize(
    ("points", "says"),
    [
        ([[121.5, 31.2]], "points[0]"),
        ([[121.5, 91, T0]], "points[0]: (121.5, 91.0) is not a lon/lat"),
        ([WALK[1], WALK[0]], "points[1]: its time is before"),
        ("nope", "a list of at most"),
    ],
)
def test_bad_points_are_refused_by_name(points: object, says: str) -> None:
    with pytest.raises(
        UserError,
        match=says.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]"),
    ):
        checked(points)


def test_an_empty_or_single_point_track_has_no_length() -> None:
    assert track_length_m(()) == track_length_m(((121.5, 31.2, T0),)) == 0
