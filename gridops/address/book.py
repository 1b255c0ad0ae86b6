"""The address book (标准地址库 in memory): geocoding with ranked candidates, reverse geocoding.

Pure: built from :class:`AddressRecord` s (the store loads them), no I/O. Look-ups are indexed
for a million addresses: roads by key (an exact key is a dict hit; a typo goes through
rapidfuzz over the road keys only, never over every address), each road's 门牌 by (弄, 支弄, 号);
the nearest address of a point through a shapely STRtree over the points (x scaled by
cos(latitude) so that degrees measure alike both ways).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from rapidfuzz import fuzz, process

from gridops.address.parse import AddressParts, compact, parse

METRES_PER_DEGREE = 111_320.0
ROAD_CUTOFF = 60.0  # rapidfuzz score below which a road is not the road asked for
#: Weight of each part in a candidate's score (they sum to 100 when all are present).
WEIGHTS = {"road": 50, "number": 20, "lane": 12, "sublane": 8, "building": 5, "room": 3}
House = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class AddressRecord:
    """One address of the 标准地址库: its id, text, parts, point (grid CRS), cell and aliases."""

    id: str
    text: str
    lon: float
    lat: float
    cell: str = ""
    aliases: tuple[str, ...] = ()
    parts: AddressParts = field(default_factory=AddressParts)

    @classmethod
    def of(
        cls,
        id: str,
        text: str,
        lon: float,
        lat: float,
        cell: str = "",
        aliases: Sequence[str] = (),
    ) -> AddressRecord:
        """A record whose parts are parsed from its text."""
        return cls(id, text, lon, lat, cell, tuple(aliases), parse(text))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A found address with its score (0–100; 100: every part given matched) or, from reverse
    geocoding, its distance in metres."""

    id: str
    text: str
    lon: float
    lat: float
    cell: str
    score: float = 100.0
    distance_m: float = 0.0


class AddressBook:
    """Addresses indexed for geocoding and reverse geocoding."""

    def __init__(self, records: Iterable[AddressRecord]) -> None:
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.cells: list[str] = []
        self.parts: list[AddressParts] = []
        lons: list[float] = []
        lats: list[float] = []
        self._roads: dict[str, dict[House, list[int]]] = {}
        self._by_id: dict[str, int] = {}
        for i, r in enumerate(records):
            self.ids.append(r.id)
            self.texts.append(r.text)
            self.cells.append(r.cell)
            self.parts.append(r.parts)
            lons.append(r.lon)
            lats.append(r.lat)
            self._by_id[r.id] = i
            self._index(i, r.parts)
            for alias in r.aliases:
                self._index(i, parse(alias))
        self.lon = np.asarray(lons, dtype=float)
        self.lat = np.asarray(lats, dtype=float)
        self._keys = list(self._roads)
        self._scale = math.cos(math.radians(float(self.lat.mean()))) if len(self.lat) else 1.0
        self._tree = shapely.STRtree(shapely.points(self.lon * self._scale, self.lat))

    def _index(self, i: int, p: AddressParts) -> None:
        if p.road:
            self._roads.setdefault(p.road, {}).setdefault(p.house(), []).append(i)
        elif p.rest:  # a named place (地名): by its name, and by its name in its 街镇
            for key in {compact(p.rest), compact(p.street + p.rest)}:
                self._roads.setdefault(key, {}).setdefault(p.house(), []).append(i)

    def __len__(self) -> int:
        return len(self.ids)

    def get(self, address_id: str) -> Candidate | None:
        """The address of an id, or None."""
        i = self._by_id.get(address_id)
        return None if i is None else self._candidate(i)

    def geocode(self, text: str, limit: int = 5) -> list[Candidate]:
        """The addresses best matching ``text``, best first (ties: by text), at most ``limit``."""
        q = parse(text)
        key = q.road or compact(q.rest)
        if not key or not self._keys:
            return []
        scored: dict[int, float] = {}
        for road, similarity in self._roads_like(key, bool(q.road)):
            for i in self._houses(road, q):
                score = _score(q, self.parts[i], similarity)
                if score > scored.get(i, -1.0):
                    scored[i] = score
        best = sorted(scored.items(), key=lambda kv: (-kv[1], self.texts[kv[0]]))[:limit]
        return [self._candidate(i, score=round(s, 1)) for i, s in best]

    def _roads_like(self, key: str, is_road: bool) -> list[tuple[str, float]]:
        """Road (or place) keys like ``key`` with their similarity 0–100: the exact key alone
        when it is known, else up to five fuzzy ones."""
        if key in self._roads:
            return [(key, 100.0)]
        scorer = fuzz.ratio if is_road else fuzz.WRatio
        found = process.extract(key, self._keys, scorer=scorer, limit=5, score_cutoff=ROAD_CUTOFF)
        return [(k, float(s)) for k, s, _ in found]

    def _houses(self, road: str, q: AddressParts, keep: int = 40) -> list[int]:
        """Entries of a road whose 门牌 is nearest the query's: the exact one, else the best
        ``keep`` by their house parts (the road alone: its lowest numbers)."""
        houses = self._roads[road]
        exact = houses.get(q.house())
        if exact is not None and (q.number or q.lane):
            return exact
        ranked = sorted(houses, key=lambda h: (-_house_match(q, h), _order(h)))[:keep]
        return [i for h in ranked for i in houses[h]][:keep]

    def reverse(self, lon: float, lat: float) -> Candidate | None:
        """The address nearest a point (grid CRS), with its distance; None for an empty book."""
        if not self.ids or not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        i = int(self._tree.nearest(shapely.Point(lon * self._scale, lat)))
        return self._candidate(i, distance_m=self._metres(i, lon, lat))

    def reverse_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[Candidate | None]:
        """:meth:`reverse` of many points at once."""
        if not self.ids or not len(lons):
            return [None] * len(lons)
        x, y = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        pts = shapely.points(np.where(ok, x, 0) * self._scale, np.where(ok, y, 0))
        found = self._tree.nearest(pts)
        return [
            self._candidate(int(i), distance_m=self._metres(int(i), float(a), float(b)))
            if good
            else None
            for i, a, b, good in zip(found, x, y, ok, strict=True)
        ]

    def _metres(self, i: int, lon: float, lat: float) -> float:
        dx = (self.lon[i] - lon) * self._scale
        dy = self.lat[i] - lat
        return round(float(math.hypot(dx, dy)) * METRES_PER_DEGREE, 1)

    def _candidate(self, i: int, score: float = 100.0, distance_m: float = 0.0) -> Candidate:
        return Candidate(
            self.ids[i],
            self.texts[i],
            float(self.lon[i]),
            float(self.lat[i]),
            self.cells[i],
            score,
            distance_m,
        )


def _order(h: House) -> tuple[int, ...]:
    return tuple(int(p.split("-")[0]) if p[:1].isdigit() else 0 for p in h)


def _house_match(q: AddressParts, h: House) -> int:
    lane, sublane, number = h
    return (
        (12 if q.lane and q.lane == lane else 0)
        + (8 if q.sublane and q.sublane == sublane else 0)
        + (20 if q.number and q.number == number else 0)
    )


def _score(q: AddressParts, a: AddressParts, road_similarity: float) -> float:
    """0–100: the weighted share of the parts (given in the query or the address) that match.
    District and street count only when both name one (the prefixes are optional); building
    and room only when the address has one."""
    got = WEIGHTS["road"] * road_similarity / 100.0
    total = float(WEIGHTS["road"])
    for name in ("number", "lane", "sublane"):
        mine, theirs = getattr(q, name), getattr(a, name)
        if mine or theirs:
            total += WEIGHTS[name]
            got += WEIGHTS[name] if mine == theirs else 0
    for name in ("building", "room"):
        theirs = getattr(a, name)
        if theirs:
            total += WEIGHTS[name]
            got += WEIGHTS[name] if getattr(q, name) == theirs else 0
    for name in ("district", "street"):
        mine, theirs = getattr(q, name), getattr(a, name)
        if mine and theirs and mine != theirs and mine.isascii() == theirs.isascii():
            got -= 10  # 张江镇's 科苑路 asked, another town's found
    return max(0.0, 100.0 * got / total)


def decisive(
    candidates: Sequence[Candidate], least: float = 70.0, margin: float = 10.0
) -> Candidate | None:
    """The one candidate an address clearly means, or None when it is ambiguous: the best
    must score at least ``least`` (a one-character typo in a road of three and the right
    门牌 score 76) and lead the next by ``margin`` points."""
    if not candidates or candidates[0].score < least:
        return None
    if len(candidates) > 1 and candidates[1].score > candidates[0].score - margin:
        return None
    return candidates[0]
