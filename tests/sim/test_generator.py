"""The synthetic incident stream: mix, places, curves, behaviour, determinism."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from gridops.sim import SimArea, SimCategory, SimParams, Simulator

START = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
TZ = ZoneInfo("Asia/Shanghai")

CATEGORIES = [
    SimCategory("E0101", "event", "违法搭建", on_site_ok=False),
    SimCategory("E0102", "event", "暴露垃圾"),
    SimCategory("E0104", "event", "道路不洁"),
    SimCategory("E0201", "event", "非法张贴小广告"),
    SimCategory("E0301", "event", "施工扰民"),
    SimCategory("E0401", "event", "路面塌陷", on_site_ok=False),
    SimCategory("E0501", "event", "无照经营游商"),
    SimCategory("E0505", "event", "机动车乱停放"),
    SimCategory("C0101", "component", "上水井盖"),
    SimCategory("C0305", "component", "垃圾箱"),
]
L_SHAPE = Polygon([(121.5, 31.2), (121.6, 31.2), (121.6, 31.22), (121.52, 31.22), (121.52, 31.3),
                   (121.5, 31.3)])  # fmt: skip
WITH_HOLE = box(121.6, 31.2, 121.7, 31.3).difference(box(121.62, 31.22, 121.68, 31.28))
AREAS = [
    SimArea("a", L_SHAPE),
    SimArea("b", WITH_HOLE),
    SimArea("c", box(121.7, 31.2, 121.71, 31.21)),
]


def sim(seed: int = 1, **params: object) -> Simulator:
    return Simulator(CATEGORIES, AREAS, SimParams(**params), seed=seed)  # type: ignore[arg-type]


@settings(max_examples=5)
@given(st.integers(0, 2**32))
def test_mix_converges_to_the_observed_month(seed: int) -> None:
    s = sim(seed)
    incidents = list(s.incidents(START, limit=8000))
    label_of = {c.code: g.label for g, members in s.groups for c in members}
    got = Counter(label_of[i.category] for i in incidents)
    for label, share in s.expected_shares().items():
        assert got[label] / len(incidents) == pytest.approx(share, abs=0.02)


@settings(max_examples=25)
@given(st.integers(0, 2**32), st.floats(0, 1), st.floats(10, 3000))
def test_every_point_lands_inside_its_area(seed: int, share: float, sigma: float) -> None:
    s = sim(seed, hotspot_share=share, hotspot_sigma_m=sigma)
    geoms = {a.code: a.geometry for a in AREAS}
    for i in s.incidents(START, limit=300):
        assert shapely.intersects_xy(geoms[i.cell], i.lon, i.lat)


@settings(max_examples=10)
@given(st.integers(0, 2**32))
def test_same_seed_same_stream_other_seed_other_stream(seed: int) -> None:
    first = list(sim(seed).incidents(START, limit=50))
    assert first == list(sim(seed).incidents(START, limit=50))
    assert first != list(sim(seed + 1).incidents(START, limit=50))


def test_times_are_ordered_and_inside_the_window() -> None:
    end = START + timedelta(days=2)
    times = [i.at for i in sim().incidents(START, end)]
    assert times == sorted(times)
    assert times[0] >= START and times[-1] < end
    assert len(times) == pytest.approx(2 * 24 * 60 * 1.12, rel=0.15)  # Mon–Tue run above mean


def test_daily_and_weekly_curves_shape_the_stream() -> None:
    incidents = list(sim(rate_per_hour=60).incidents(START, START + timedelta(days=7)))
    by_hour = Counter(i.at.astimezone(TZ).hour for i in incidents)
    assert by_hour[10] > 5 * by_hour[3]
    by_day = Counter(i.at.astimezone(TZ).weekday() for i in incidents)
    assert by_day[0] > by_day[6]


def test_behaviour_rates() -> None:
    incidents = list(sim(7).incidents(START, limit=10000))
    fixable = [i for i in incidents if i.source == "grid_worker" and not i.needs_joint]
    fixable = [i for i in fixable if i.category not in ("E0101", "E0401")]
    assert sum(i.on_site_fix for i in fixable) / len(fixable) == pytest.approx(0.9, abs=0.03)
    assert sum(i.needs_joint for i in incidents) / len(incidents) == pytest.approx(0.1, abs=0.02)
    assert not any(i.on_site_fix and i.needs_joint for i in incidents)
    assert not any(i.on_site_fix and i.source != "grid_worker" for i in incidents)
    assert all(i.accept_delay_s > 0 and i.handle_s > 0 for i in incidents)


def test_hot_spots_concentrate_incidents() -> None:
    incidents = list(sim(3, hotspots=2, hotspot_share=0.5).incidents(START, limit=2000))
    spots = Counter(i.hotspot for i in incidents if i.hotspot is not None)
    assert sum(spots.values()) == pytest.approx(1000, rel=0.1)
    assert set(spots) == {0, 1}


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="rate_per_hour"):
        SimParams(rate_per_hour=0)
    with pytest.raises(ValueError, match="at least one area"):
        Simulator(CATEGORIES, [])
    with pytest.raises(ValueError, match="no category"):
        Simulator([], AREAS)
    with pytest.raises(ValueError, match="timezone-aware"):
        next(sim().incidents(datetime(2026, 1, 1)))


def test_groups_without_categories_drop_out_and_the_rest_renormalise() -> None:
    only_two = [c for c in CATEGORIES if c.class_code in ("E01", "E05")]
    shares = Simulator(only_two, AREAS).expected_shares()
    assert set(shares) == {"city appearance 市容环境", "street order 街面秩序"}
    assert shares["city appearance 市容环境"] == pytest.approx(0.652 / (0.652 + 0.245))
