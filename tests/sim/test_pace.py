"""Pacing a stream in wall-clock time (with a stepping clock passed in)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

from gridops.sim import SimArea, SimCategory, Simulator
from gridops.sim.pace import paced

SIM = Simulator([SimCategory("E0102", "event", "暴露垃圾")], [SimArea("a", box(0, 0, 1, 1))])
START = datetime(2026, 11, 23, tzinfo=UTC)


class SteppingClock:
    """Time moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@given(st.floats(0.5, 1000))
def test_each_incident_waits_for_its_scaled_time(speed: float) -> None:
    clock = SteppingClock()
    incidents = list(SIM.incidents(START, limit=20))
    for incident in paced(incidents, speed=speed, clock=clock, sleep=clock.sleep):
        elapsed_sim = (incident.at - incidents[0].at).total_seconds()
        assert clock.now - 100.0 == pytest.approx(elapsed_sim / speed, abs=1e-6)


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match="speed"):
        list(paced([], speed=0))
