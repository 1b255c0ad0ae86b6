"""The synthetic Pudong sample grid (浦东新区, GCJ-02): 36 level-1 cells named after Pudong's
12 街道 sub-districts and 24 镇 towns, seeded near their real centres; the communities (居村) and
unit cells (单元网格) inside them are synthetic Voronoi subdivisions, denser in the urban west
(streets) than in the rural towns. Deterministic for a given seed. Pure: outline in, layers out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.affinity
import shapely.ops

from gridops.grids.geodesy import from_metres, to_metres
from gridops.grids.subdivide import node_coverage, round_geometry, sample_seeds, subdivide

# code, 中文, English, lon, lat (approximate GCJ-02 centres)
LEVEL1_SEEDS: tuple[tuple[str, str, str, float, float], ...] = (
    ("310115005", "陆家嘴街道", "Lujiazui", 121.508, 31.235),
    ("310115004", "潍坊新村街道", "Weifang", 121.527, 31.228),
    ("310115008", "塘桥街道", "Tangqiao", 121.520, 31.213),
    ("310115013", "洋泾街道", "Yangjing", 121.545, 31.245),
    ("310115016", "花木街道", "Huamu", 121.560, 31.210),
    ("310115007", "周家渡街道", "Zhoujiadu", 121.497, 31.180),
    ("310115009", "上钢新村街道", "Shanggang", 121.488, 31.190),
    ("310115010", "南码头路街道", "Nanmatou", 121.510, 31.198),
    ("310115011", "沪东新村街道", "Hudong", 121.590, 31.275),
    ("310115012", "金杨新村街道", "Jinyang", 121.570, 31.260),
    ("310115014", "浦兴路街道", "Puxing", 121.583, 31.265),
    ("310115015", "东明路街道", "Dongming", 121.515, 31.160),
    ("310115103", "川沙新镇", "Chuansha", 121.700, 31.190),
    ("310115104", "高桥镇", "Gaoqiao", 121.580, 31.340),
    ("310115105", "北蔡镇", "Beicai", 121.550, 31.180),
    ("310115110", "合庆镇", "Heqing", 121.760, 31.230),
    ("310115114", "唐镇", "Tangzhen", 121.660, 31.215),
    ("310115117", "曹路镇", "Caolu", 121.680, 31.270),
    ("310115120", "金桥镇", "Jinqiao", 121.610, 31.250),
    ("310115121", "高行镇", "Gaohang", 121.610, 31.295),
    ("310115123", "高东镇", "Gaodong", 121.640, 31.320),
    ("310115125", "张江镇", "Zhangjiang", 121.600, 31.195),
    ("310115130", "三林镇", "Sanlin", 121.510, 31.140),
    ("310115131", "惠南镇", "Huinan", 121.760, 31.050),
    ("310115132", "周浦镇", "Zhoupu", 121.580, 31.110),
    ("310115133", "新场镇", "Xinchang", 121.650, 31.030),
    ("310115134", "大团镇", "Datuan", 121.730, 30.990),
    ("310115136", "康桥镇", "Kangqiao", 121.590, 31.150),
    ("310115137", "航头镇", "Hangtou", 121.600, 31.040),
    ("310115139", "祝桥镇", "Zhuqiao", 121.780, 31.120),
    ("310115140", "泥城镇", "Nicheng", 121.820, 30.920),
    ("310115141", "宣桥镇", "Xuanqiao", 121.700, 31.060),
    ("310115142", "书院镇", "Shuyuan", 121.870, 30.970),
    ("310115143", "万祥镇", "Wanxiang", 121.800, 30.980),
    ("310115144", "老港镇", "Laogang", 121.850, 31.060),
    ("310115145", "南汇新城镇", "Nanhui Xincheng", 121.920, 30.900),
)

STREET_DENSITY = 6.0  # communities per area in 街道 streets relative to 镇 towns
SIZES = {"sample": (1300, 5000), "bench": (1300, 120_000)}

# S20 outer ring inside Pudong, roughly (GCJ-02), north to south-west; synthetic approximation
OUTER_RING = (
    (121.545, 31.372), (121.585, 31.345), (121.620, 31.318), (121.645, 31.285),
    (121.655, 31.245), (121.652, 31.205), (121.640, 31.165), (121.612, 31.128),
    (121.570, 31.105), (121.520, 31.097), (121.475, 31.100),
)  # fmt: skip


@dataclass(frozen=True)
class Layer:
    """One generated layer: features as (properties, geometry) in code order."""

    name: str
    features: list[tuple[dict[str, Any], shapely.Geometry]]


def seed_points(outline: shapely.Geometry) -> list[tuple[float, float]]:
    """The level-1 seeds, each nudged inside the outline if it falls outside."""
    inner = shapely.buffer(outline, -0.003)
    out = []
    for _, _, _, lon, lat in LEVEL1_SEEDS:
        pt = shapely.Point(lon, lat)
        if not outline.contains(pt):
            pt = shapely.ops.nearest_points(inner, pt)[0]
        out.append((pt.x, pt.y))
    return out


def generate_pudong(
    outline: shapely.Geometry, size: str = "sample", seed: int = 20240601
) -> list[Layer]:
    """Layers level1, level2, level3, devzone, expressway for the Pudong outline."""
    n2_total, n3_total = SIZES[size]
    outline = round_geometry(outline)
    seeds = np.array(seed_points(outline))
    l1_geoms = subdivide(outline, seeds)
    assert len(l1_geoms) == len(LEVEL1_SEEDS), "a level-1 seed lost its cell"
    l1 = []
    for (code, zh, en, _, _), geom in zip(LEVEL1_SEEDS, l1_geoms, strict=True):
        l1.append(({"code": code, "name": f"{zh} {en}", "kind": _kind(code)}, geom))
    l1.sort(key=lambda f: f[0]["code"])
    l2 = subdivide_level(l1, n2_total, seed, _community_name)
    l3 = subdivide_level(l2, n3_total, seed + 1, None)
    l3, l2, l1 = nest_exactly(l3, l2, l1)
    return [
        Layer("level1", l1),
        Layer("level2", l2),
        Layer("level3", l3),
        Layer("devzone", _devzones(outline)),
        Layer("expressway", _expressway(outline)),
    ]


Features = list[tuple[dict[str, Any], shapely.Geometry]]


def nest_exactly(l3: Features, l2: Features, l1: Features) -> tuple[Features, Features, Features]:
    """Snap level 3 onto the precision grid as one coverage; rebuild levels 2 and 1 as unions."""
    geoms3 = node_coverage([g for _, g in l3])
    l3 = [(p, g) for (p, _), g in zip(l3, geoms3, strict=True) if not g.is_empty]
    l2 = _unions(l2, l3)
    return l3, l2, _unions(l1, l2)


def _unions(parents: Features, children: Features) -> Features:
    groups: dict[str, list[shapely.Geometry]] = {}
    for props, geom in children:
        groups.setdefault(str(props["parent"]), []).append(geom)
    return [
        (p, shapely.normalize(shapely.coverage_union_all(groups[str(p["code"])])))
        for p, _ in parents
        if str(p["code"]) in groups
    ]


def _kind(l1_code: str) -> str:
    return "street" if l1_code[6] == "0" else "town"


def _community_name(parent: dict[str, Any], n: int) -> str:
    zh = str(parent["name"]).split(" ")[0]
    word = "居委" if _kind(str(parent["code"])) == "street" else "村居"
    return f"{zh} 第{n}{word} (community {n})"


def subdivide_level(
    parents: list[tuple[dict[str, Any], shapely.Geometry]],
    total: int,
    seed: int,
    namer: Any,
) -> list[tuple[dict[str, Any], shapely.Geometry]]:
    weights = np.array(
        [
            g.area * (STREET_DENSITY if _kind(str(p["code"])[:9]) == "street" else 1.0)
            for p, g in parents
        ]
    )
    counts = np.clip(np.rint(weights / weights.sum() * total), 1, 999).astype(int)
    out = []
    for (props, geom), n in zip(parents, counts, strict=True):
        code = str(props["code"])
        rng = np.random.default_rng([seed, int(code)])
        seeds = sample_seeds(geom, int(n), rng)
        order = np.lexsort((seeds[:, 0], -np.round(seeds[:, 1], 3)))  # north-west first
        pieces = subdivide(geom, seeds[order])
        for k, piece in enumerate(pieces, start=1):
            child = {"code": f"{code}{k:03d}", "parent": code}
            if namer is not None:
                child["name"] = namer(props, k)
            out.append((child, piece))
    return out


def _metric_shape(
    outline: shapely.Geometry, geom_m: shapely.Geometry, lon0: float, lat0: float
) -> shapely.Geometry:
    geom = from_metres(geom_m, lon0, lat0)
    return round_geometry(shapely.intersection(geom, outline))


def _devzones(outline: shapely.Geometry) -> list[tuple[dict[str, Any], shapely.Geometry]]:
    zj = shapely.affinity.scale(shapely.Point(0, 0).buffer(1.0, 32), 4500, 3500)
    lg = shapely.affinity.scale(shapely.Point(0, 0).buffer(1.0, 32), 14000, 11000)
    return [
        (
            {"code": "lingang", "name": "临港新片区 Lingang"},
            _metric_shape(outline, lg, 121.90, 30.91),
        ),
        (
            {"code": "zhangjiang", "name": "张江科学城 Zhangjiang Science City"},
            _metric_shape(outline, zj, 121.605, 31.200),
        ),
    ]


def _expressway(outline: shapely.Geometry) -> list[tuple[dict[str, Any], shapely.Geometry]]:
    lon0, lat0 = 121.6, 31.2
    line_m = to_metres(shapely.LineString(OUTER_RING), lon0, lat0)
    corridor = _metric_shape(outline, line_m.buffer(50.0, 4), lon0, lat0)
    return [({"code": "outer-ring", "name": "S20 外环高速 Outer Ring"}, corridor)]
