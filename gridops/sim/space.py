"""Where incidents happen: areas weighted by size, and hot spots (高发点位) inside them."""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from gridops.sim.model import SimArea

M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class HotSpot:
    area: int  # index into the areas
    lon: float
    lat: float
    sigma_m: float


class Space:
    """Draws points inside a fixed list of areas (never outside them)."""

    def __init__(self, areas: list[SimArea]) -> None:
        if not areas:
            raise ValueError("the simulator needs at least one area")
        self.areas = areas
        self.geoms: list[BaseGeometry] = []
        for a in areas:
            if a.geometry is None or a.geometry.is_empty or not a.geometry.area > 0:
                raise ValueError(f"area {a.code!r} has no polygon to draw points in")
            shapely.prepare(a.geometry)
            self.geoms.append(a.geometry)
        weights = [
            a.weight if a.weight is not None else g.area
            for a, g in zip(areas, self.geoms, strict=True)
        ]
        if any(not w >= 0 for w in weights) or not sum(weights) > 0:
            raise ValueError("area weights must be ≥ 0 and not all 0")
        self._cum = list(itertools.accumulate(weights))

    def pick_area(self, rng: random.Random) -> int:
        return bisect.bisect_right(self._cum, rng.random() * self._cum[-1])

    def uniform_in(self, rng: random.Random, index: int) -> tuple[float, float]:
        """A uniform point inside area ``index`` (rejection sampling over its bounds)."""
        geom = self.geoms[index]
        minx, miny, maxx, maxy = geom.bounds
        for _ in range(1000):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(geom, x, y):
                return x, y
        point = geom.representative_point()  # a sliver: fall back to a point surely inside
        return point.x, point.y

    def near(self, rng: random.Random, spot: HotSpot) -> tuple[float, float]:
        """A point around a hot spot (Gaussian), kept inside the hot spot's area."""
        geom = self.geoms[spot.area]
        sy = spot.sigma_m / M_PER_DEG
        sx = sy / max(math.cos(math.radians(spot.lat)), 0.1)
        for _ in range(50):
            x, y = rng.gauss(spot.lon, sx), rng.gauss(spot.lat, sy)
            if shapely.contains_xy(geom, x, y):
                return x, y
        return spot.lon, spot.lat

    def hot_spots(self, rng: random.Random, count: int, sigma_m: float) -> list[HotSpot]:
        spots = []
        for _ in range(count):
            index = self.pick_area(rng)
            lon, lat = self.uniform_in(rng, index)
            spots.append(HotSpot(index, lon, lat, sigma_m * rng.uniform(0.5, 1.5)))
        return spots
