"""Indicators of the hand-built set, computed in SQL on a real store, against hand figures."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gridops.metrics import Rate, build_report, load_indicator_config, parse_period
from gridops.metrics.config import REPO_CONFIG
from gridops.store import Store
from gridops.store.rollups import indicator_counts
from metrics.handset import A, B, build_set


def approx(seconds: float):
    return pytest.approx(seconds, abs=0.01)  # SQLite's julianday is a float


OCT = parse_period("2026-10")


def counts(store: Store, by: str = "unit", period=OCT):
    groups = indicator_counts(
        store.engine, by=by, start=period.start, end=period.end, as_of=period.end
    )
    return {g.key: g for g in groups}


@pytest.fixture
def built(store: Store) -> Store:
    build_set(store)
    return store


def test_unit_a_by_hand(built: Store):
    rows = {r.key: r for r in build_report(list(counts(built).values()), CONFIG)}
    a = rows[A]
    got = {k: (r.value, r.n) for k, r in a.rates.items()}
    assert a.n == 3
    assert got["registration_rate"] == (1.0, 3)
    assert got["dispatch_accuracy"] == (1.0, 3)
    assert got["on_time_dispatch"] == (pytest.approx(2 / 3), 3)
    assert got["handling_rate"] == (pytest.approx(2 / 3), 3)
    assert got["on_time_handling"] == (pytest.approx(1 / 3), 3)
    assert got["close_rate"] == (pytest.approx(2 / 3), 3)
    assert got["on_time_close"] == (pytest.approx(1 / 3), 3)
    assert got["rework_rate"] == (0.5, 2)
    assert got["onsite_resolution"] == (0.0, 2)
    assert got["escalation_rate"] == (0.0, 3)
    assert got["supervision_rate"] == (pytest.approx(1 / 3), 3)
    assert got["satisfaction"] == (0.5, 2)
    assert got["valid_report_rate"] == (None, 0)
    r2d = a.stages["report_to_dispatch"]
    assert (r2d.n, r2d.mean, r2d.median, r2d.p90) == (3, approx(1600), approx(600), approx(3600))
    d2h = a.stages["dispatch_to_handled"]
    # two values: the median is their mean (not the lower one), p90 the nearest rank
    assert (d2h.n, d2h.median, d2h.p90) == (2, approx((3000 + 13800) / 2), approx(13800))


def test_unit_b_by_hand(built: Store):
    b = {r.key: r for r in build_report(list(counts(built).values()), CONFIG)}[B]
    got = {k: (r.value, r.n) for k, r in b.rates.items()}
    assert b.n == 3
    assert got["registration_rate"] == (1.0, 3)
    assert got["dispatch_accuracy"] == (0.5, 2)  # b1 was returned once (退单)
    assert got["on_time_dispatch"] == (1.0, 2)
    assert got["handling_rate"] == (pytest.approx(2 / 3), 3)
    assert got["on_time_handling"] == (pytest.approx(2 / 3), 3)
    assert got["close_rate"] == (pytest.approx(2 / 3), 3)
    assert got["close_rate_ex_suspended"] == (1.0, 2)  # b3 is suspended (缓办)
    assert got["onsite_resolution"] == (0.5, 2)
    assert got["satisfaction"] == (None, 0)


def test_void_inspector_report_and_levels(built: Store):
    by_unit = counts(built)
    assert by_unit[""].counts["inspector_reports"] == 1
    assert by_unit[""].counts["valid_inspector_reports"] == 0
    assert by_unit[""].counts["registered"] == 0
    l1 = counts(built, "l1")
    assert {k: g.counts["reports"] for k, g in l1.items()} == {"310115001": 4, "310115002": 3}
    assert sum(g.counts["reports"] for g in counts(built, "category").values()) == 7
    assert sum(g.counts["reports"] for g in counts(built, "l3").values()) == 7


def test_period_excludes_other_months(built: Store):
    assert counts(built, period=parse_period("2026-11")) == {}
    assert (
        sum(g.counts["reports"] for g in counts(built, period=parse_period("2026-W42")).values())
        == 7
    )


def test_composite_and_grade(built: Store):
    groups = list(counts(built).values())
    assert all(r.score.grade is None for r in build_report(groups, CONFIG))  # n < 30
    small = replace(CONFIG, min_n=1)
    a = {r.key: r for r in build_report(groups, small)}[A]
    # 0.1 × 100 + 0.3 × 66.67 (close) + 0.3 × 33.33 (on-time handling) + 0.3 × (1 − 0.5) × 100
    assert a.score.value == pytest.approx(55.0)
    assert a.score.grade == "D"


CONFIG = load_indicator_config(REPO_CONFIG)


def test_active_discovery_counts_inspectors_and_grid_workers(built: Store):
    """主动发现率: a4 (an inspector's, voided) and b2 (a grid worker's) of the seven reports."""
    rows = {r.key: r for r in build_report(list(counts(built, "all").values()), CONFIG)}
    got = rows["all"].rates["active_discovery"]
    assert (got.value, got.n) == (pytest.approx(2 / 7), 7)
    by_unit = {r.key: r for r in build_report(list(counts(built).values()), CONFIG)}
    b = by_unit[B].rates["active_discovery"]
    assert (b.value, b.n) == (pytest.approx(1 / 3), 3)
    assert by_unit[A].rates["active_discovery"] == Rate(0.0, 3)
