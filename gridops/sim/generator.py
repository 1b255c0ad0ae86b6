"""The synthetic incident stream (模拟事件流): deterministic for a seed and a start time.

Arrival times follow a Poisson process whose rate moves with the local hour and weekday
(drawn by thinning); each incident gets a category from the group mix, a point inside one of
the areas (a share of them around hot spots), a source, and the field-staff behaviour the
simulator will play out: acceptance delay, a return (退单), a failed check (返工), an on-site
fix by the reporting grid worker (~90% of those it can fix), or joint enforcement (~10%).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gridops.sim.model import Incident, MixGroup, SimArea, SimCategory, SimParams
from gridops.sim.space import Space


def _draw(rng: random.Random, items: list[str], cum: list[float]) -> str:
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def group_categories(
    categories: Iterable[SimCategory], mix: Iterable[MixGroup]
) -> list[tuple[MixGroup, list[SimCategory]]]:
    """Each mix group with its categories; groups with none are dropped (their share too)."""
    cats = sorted(categories, key=lambda c: c.code)
    groups = list(mix)
    claimed = {cls for g in groups for cls in g.classes}
    out = []
    for group in groups:
        if group.classes:
            members = [c for c in cats if c.class_code in group.classes]
        else:
            members = [c for c in cats if c.class_code not in claimed]
        if members and group.share > 0:
            out.append((group, members))
    if not out:
        raise ValueError("no category falls in any group of the mix")
    return out


class Simulator:
    """A deterministic stream of synthetic incidents over some areas."""

    def __init__(
        self,
        categories: Iterable[SimCategory],
        areas: Iterable[SimArea],
        params: SimParams | None = None,
        *,
        seed: int = 0,
    ) -> None:
        self.params = params or SimParams()
        self.seed = seed
        self.space = Space(list(areas))
        self.groups = group_categories(categories, self.params.mix)
        self._group_cum = list(itertools.accumulate(g.share for g, _ in self.groups))
        self._source_items = [name for name, _ in self.params.sources]
        self._source_cum = list(itertools.accumulate(w for _, w in self.params.sources))
        self.hot_spots = self.space.hot_spots(
            random.Random(f"{seed}:hotspots"), self.params.hotspots, self.params.hotspot_sigma_m
        )
        p = self.params
        self._daily = [v / (sum(p.daily) / 24) for v in p.daily]
        self._weekly = [v / (sum(p.weekly) / 7) for v in p.weekly]
        self._peak = p.rate_per_hour * max(self._daily) * max(self._weekly)
        self._tz = ZoneInfo(p.timezone)

    def expected_shares(self) -> dict[str, float]:
        """Each group's share of incidents after dropping empty groups."""
        total = sum(g.share for g, _ in self.groups)
        return {g.label: g.share / total for g, _ in self.groups}

    def rate_at(self, at: datetime) -> float:
        """Incidents per hour expected at ``at`` (the daily and weekly curves applied)."""
        local = at.astimezone(self._tz)
        return self.params.rate_per_hour * self._daily[local.hour] * self._weekly[local.weekday()]

    def incidents(
        self, start: datetime, end: datetime | None = None, *, limit: int | None = None
    ) -> Iterator[Incident]:
        """Incidents from ``start`` (timezone-aware) until ``end`` or ``limit``, in time order."""
        if start.tzinfo is None:
            raise ValueError("the simulator needs a timezone-aware start")
        rng = random.Random(f"{self.seed}:stream:{start.isoformat()}")
        t = start.astimezone(UTC)
        for seq in itertools.count(1) if limit is None else range(1, limit + 1):
            while True:  # thinning: candidates at the peak rate, kept in proportion
                t += timedelta(hours=rng.expovariate(self._peak))
                if end is not None and t >= end:
                    return
                if rng.random() * self._peak < self.rate_at(t):
                    break
            yield self._incident(rng, seq, t)

    def _incident(self, rng: random.Random, seq: int, at: datetime) -> Incident:
        p = self.params
        group, members = self.groups[
            bisect.bisect_right(self._group_cum, rng.random() * self._group_cum[-1])
        ]
        category = members[rng.randrange(len(members))]
        hotspot = None
        if self.hot_spots and rng.random() < p.hotspot_share:
            hotspot = rng.randrange(len(self.hot_spots))
            spot = self.hot_spots[hotspot]
            area, (lon, lat) = spot.area, self.space.near(rng, spot)
        else:
            area = self.space.pick_area(rng)
            lon, lat = self.space.uniform_in(rng, area)
        source = _draw(rng, self._source_items, self._source_cum)
        needs_joint = rng.random() < p.joint_rate
        fixable = source == "grid_worker" and category.on_site_ok and not needs_joint
        on_site_fix = rng.random() < p.on_site_rate and fixable
        return Incident(
            seq=seq,
            at=at,
            lon=lon,
            lat=lat,
            cell=self.space.areas[area].code,
            category=category.code,
            kind=category.kind,
            source=source,
            description=f"{category.name}（模拟上报 #{seq}）",
            on_site_fix=on_site_fix,
            needs_joint=needs_joint,
            accept_delay_s=p.accept_delay_median_s * math.exp(rng.gauss(0, 0.6)),
            will_return=rng.random() < p.return_rate,
            will_rework=rng.random() < p.rework_rate,
            handle_s=p.handle_median_s * math.exp(rng.gauss(0, 0.8)),
            hotspot=hotspot,
        )
