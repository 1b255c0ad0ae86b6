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
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from rapidfuzz import fuzz, process

from gridops.address.parse import AddressParts, compact, parse

METRES_PER_DEGREE = 111_320.0
ROAD_CUTOFF = 60.0  # rapidfuzz score below which a road is not the road asked for
#: Weight of each part in a candidate's score (they sum to 100 when all are present).
WEIGHTS = {"road": 50, "number": 20, "lane": 12, "sublane": 8, "building": 5, "room": 3}
House = tuple[str, str, str]
#: What a 街镇 is said without (陆家嘴 for 陆家嘴街道, 川沙 for 川沙新镇, 潍坊 for 潍坊新村街道).
STREET_SUFFIXES = ("新村街道", "街道", "新镇", "镇", "乡")


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
    en: str = ""  # its alias in Latin letters, if any: how an English page says it


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
        self._en: dict[int, str] = {}  # the first alias in Latin letters (few addresses have one)
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
                if i not in self._en and alias.isascii():
                    self._en[i] = alias
        self.lon = np.asarray(lons, dtype=float)
        self.lat = np.asarray(lats, dtype=float)
        self._keys = list(self._roads)
        self._short: dict[str, set[str]] = {}
        for street in {p.street for p in self.parts if p.street}:
            for name in short_names(street):
                self._short.setdefault(name, set()).add(street)
        self._short_len = max(map(len, self._short), default=0)
        self._town_keys: dict[str, list[str]] = {}  # a short name → the keys starting with it
        for key in self._keys:
            for n in range(2, min(self._short_len, len(key) - 1) + 1):
                if key[:n] in self._short:
                    self._town_keys.setdefault(key[:n], []).append(key)
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
        scored: dict[int, float] = {}
        for q, keys in self._readings(parse(text)):
            for road, similarity in self._roads_like(q.road or compact(q.rest), bool(q.road), keys):
                for i in self._houses(road, q):
                    score = _score(q, self.parts[i], similarity)
                    if score > scored.get(i, -1.0):
                        scored[i] = score
        best = sorted(scored.items(), key=lambda kv: (-kv[1], self.texts[kv[0]]))[:limit]
        return [self._candidate(i, score=round(s, 1)) for i, s in best]

    def _readings(self, q: AddressParts) -> list[tuple[AddressParts, Sequence[str]]]:
        """How to read the query, each reading with the keys its road may be among. As parsed;
        when its road (or place) is unknown and starts with a 街镇 said without its suffix
        (陆家嘴新苑大道), also as that 街镇 and the road after it (the parser cannot tell 陆家嘴
        from the start of a road's name, the book's 街镇 can): then only so when that road is
        known, else beside the text as parsed, which is like only the keys that start alike
        (陆家嘴坏路: 陆家嘴环路)."""
        key = q.road or compact(q.rest)
        if not key or not self._keys:
            return []
        if q.street or key in self._roads:
            return [(q, self._keys)]
        split: list[AddressParts] = []
        alike: Sequence[str] = self._keys
        for n in range(2, min(self._short_len, len(key) - 1) + 1):
            streets, after = self._short.get(key[:n]), key[n:]
            if not streets or (q.road and parse(after).road != after):
                continue  # 花木路: not 花木 and a road 路
            if not split:
                alike = self._town_keys.get(key[:n], [])
            for street in sorted(streets):
                part = {"road": after} if q.road else {"rest": after}
                split.append(replace(q, street=street, **part))
        known = [r for r in split if (r.road or r.rest) in self._roads]
        if known:
            return [(r, self._keys) for r in known]
        return [(q, alike), *((r, self._keys) for r in split)]

    def _roads_like(self, key: str, is_road: bool, keys: Sequence[str]) -> list[tuple[str, float]]:
        """Road (or place) keys like ``key`` with their similarity 0–100: the exact key alone
        when it is known, else up to five fuzzy ones of ``keys``."""
        if key in self._roads:
            return [(key, 100.0)]
        scorer = fuzz.ratio if is_road else fuzz.WRatio
        found = process.extract(key, keys, scorer=scorer, limit=5, score_cutoff=ROAD_CUTOFF)
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
            self._en.get(i, ""),
        )


def short_names(street: str) -> set[str]:
    """The names a 街镇 goes by without its suffix, two characters at least: 陆家嘴街道 →
    陆家嘴, 川沙新镇 → 川沙, 潍坊新村街道 → 潍坊新村 and 潍坊 (唐镇: none)."""
    names = set()
    for suffix in STREET_SUFFIXES:
        if street.endswith(suffix):
            names.add(street[: -len(suffix)])
            if suffix == "新镇":
                break  # 川沙新镇 is not 川沙新
    return {n for n in names if len(n) >= 2}


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
