"""A sample 标准地址库 for a grid, made deterministically from its cells (for demos and tests).

Every 街镇 (level-1 cell) gets its own roads, named from a pool of common road-name characters
with their pinyin; every deepest cell gets 门牌 on one of its 街镇's roads at points inside it
(a 号 and a 弄…号), and every 街镇 a named place, its 社区事务受理服务中心 (community service
centre). Each address has an English alias ("No. 12, Lane 3, Jinxiu Road").
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass

import shapely

from gridops.grids.model import Cell, Grid

#: Road-name characters with their pinyin (none of 区 县 镇 乡 街, which would read as a part).
SYLLABLES = (
    ("锦", "jin"), ("绣", "xiu"), ("华", "hua"), ("夏", "xia"), ("明", "ming"), ("高", "gao"),
    ("科", "ke"), ("金", "jin"), ("桥", "qiao"), ("博", "bo"), ("兴", "xing"), ("龙", "long"),
    ("阳", "yang"), ("新", "xin"), ("港", "gang"), ("海", "hai"), ("秀", "xiu"), ("苑", "yuan"),
    ("碧", "bi"), ("波", "bo"), ("云", "yun"), ("山", "shan"), ("德", "de"), ("丰", "feng"),
    ("杨", "yang"), ("祥", "xiang"), ("川", "chuan"), ("林", "lin"), ("源", "yuan"), ("深", "shen"),
)  # fmt: skip
KINDS = (("路", "Road"), ("路", "Road"), ("路", "Road"), ("大道", "Avenue"), ("公路", "Highway"))
ROADS_PER_TOWN = 4
DISTRICT = "浦东新区"


@dataclass(frozen=True)
class SampleAddress:
    """One row of the sample file."""

    id: str
    address: str
    lon: float
    lat: float
    cell: str
    aliases: str


def _roads(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """``count`` distinct (Chinese, English) road names."""
    names: dict[str, str] = {}
    while len(names) < count:
        (a, pa), (b, pb) = rng.sample(SYLLABLES, 2)
        zh_kind, en_kind = rng.choice(KINDS)
        zh = f"{a}{b}{zh_kind}"
        if zh not in names:
            names[zh] = f"{(pa + pb).capitalize()} {en_kind}"
    return list(names.items())


def _town_name(cell: Cell) -> tuple[str, str]:
    zh, _, en = cell.name.partition(" ")
    return zh, en or cell.code


def _point_in(grid: Grid, cell: Cell, rng: random.Random) -> tuple[float, float]:
    """A point inside ``cell`` that the grid locates in it (cells of one level may overlap a
    little where their parents meet: the lowest code wins there)."""
    minx, miny, maxx, maxy = cell.geometry.bounds
    for _ in range(50):
        x, y = round(rng.uniform(minx, maxx), 6), round(rng.uniform(miny, maxy), 6)
        if cell.geometry.contains(shapely.Point(x, y)):
            found = grid.locate(x, y)
            if found is not None and cell.code in found.codes:
                return x, y
    p = cell.geometry.representative_point()
    return round(p.x, 6), round(p.y, 6)


def sample_addresses(grid: Grid, seed: int = 20240601) -> Iterator[SampleAddress]:
    """The sample addresses of ``grid``, always the same for the same grid and seed."""
    rng = random.Random(seed)
    towns = grid.cells_at(1)
    roads = _roads(rng, ROADS_PER_TOWN * len(towns))
    deepest = grid.cells_at(grid.levels)
    by_town: dict[str, list[Cell]] = {t.code: [] for t in towns}
    for cell in deepest:
        top = cell
        while top.parent is not None and top.level > 1:
            top = grid.cells[top.parent]
        by_town.setdefault(top.code, []).append(cell)
    serial = 0
    for t, town in enumerate(towns):
        town_zh, town_en = _town_name(town)
        mine = roads[t * ROADS_PER_TOWN : (t + 1) * ROADS_PER_TOWN]
        cells = by_town.get(town.code, [])
        if cells:
            lon, lat = _point_in(grid, cells[0], rng)
            serial += 1
            yield SampleAddress(
                f"SH{serial:07d}", f"{DISTRICT}{town_zh}社区事务受理服务中心", lon, lat,
                cells[0].code, f"{town_en} community service centre",
            )  # fmt: skip
        numbers = [1] * len(mine)
        for k, cell in enumerate(cells):
            r = k % len(mine)
            zh_road, en_road = mine[r]
            number = numbers[r]
            numbers[r] += 2
            lon, lat = _point_in(grid, cell, rng)
            serial += 1
            yield SampleAddress(
                f"SH{serial:07d}", f"{DISTRICT}{town_zh}{zh_road}{number}号", lon, lat,
                cell.code, f"No. {number} {en_road}",
            )  # fmt: skip
            lane = number + 1
            lon, lat = _point_in(grid, cell, rng)
            serial += 1
            yield SampleAddress(
                f"SH{serial:07d}", f"{DISTRICT}{town_zh}{zh_road}{lane}弄{1 + k % 9}号", lon,
                lat, cell.code, f"No. {1 + k % 9}, Lane {lane}, {en_road}",
            )  # fmt: skip


def sample_csv(grid: Grid, seed: int = 20240601) -> str:
    """The sample addresses as the CSV ``gridops address import`` reads."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["id", "address", "lon", "lat", "cell", "aliases"])
    for a in sample_addresses(grid, seed):
        w.writerow([a.id, a.address, f"{a.lon:.6f}", f"{a.lat:.6f}", a.cell, a.aliases])
    return out.getvalue()
