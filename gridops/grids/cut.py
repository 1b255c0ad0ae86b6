"""Cut real level-1 boundaries into level-2 and level-3 cells (`gridops grid subdivide`).

Each level-1 polygon is cut into Voronoi pieces around well-spread seeds, and each of those
again, as the synthetic Pudong sample is; the finest level is then snapped as one coverage so
that the levels nest exactly. ``per_cell`` gives the same number of children to every parent
(regular); ``km2`` gives each parent as many children as its area holds cells of that size
(area-balanced, at least one). A child's code is its parent's plus a zero-padded number
(``B1`` → ``B1-01`` → ``B1-01-03``); seeds depend on the seed and the parent's code only, so
codes and shapes are stable from run to run and do not move when other parents change.
Pure: features in, features out.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from gridops.errors import ConfigError
from gridops.grids.geodesy import areas_m2 as areas_m2_of
from gridops.grids.pudong import Features, nest_exactly
from gridops.grids.subdivide import round_geometry, sample_seeds, subdivide

MAX_CHILDREN = 999


def children_counts(
    parents: Features, *, per_cell: int | None, km2: float | None, areas_m2: list[float]
) -> list[int]:
    """How many children each parent gets: ``per_cell`` each, or its area over ``km2``."""
    if (per_cell is None) == (km2 is None):
        raise ConfigError("give either a number of cells per parent or a cell size in km²")
    if per_cell is not None:
        if not 1 <= per_cell <= MAX_CHILDREN:
            raise ConfigError(f"cells per parent {per_cell}: use 1..{MAX_CHILDREN}")
        return [per_cell] * len(parents)
    assert km2 is not None
    if km2 <= 0:
        raise ConfigError(f"cell size {km2} km²: give a size above 0")
    counts = [max(1, round(a / (km2 * 1e6))) for a in areas_m2]
    if max(counts, default=0) > MAX_CHILDREN:
        raise ConfigError(
            f"cell size {km2} km² gives {max(counts)} cells in one parent: the limit is "
            f"{MAX_CHILDREN}; give a larger size"
        )
    return counts


def cut_level(parents: Features, counts: list[int], seed: int) -> Features:
    """The children of every parent, coded ``{parent}-{k:0Nd}`` in north-west-first order."""
    out: Features = []
    for (props, geom), n in zip(parents, counts, strict=True):
        code = str(props["code"])
        rng = np.random.default_rng([seed, zlib.crc32(code.encode())])
        seeds = sample_seeds(geom, n, rng)
        order = np.lexsort((seeds[:, 0], -np.round(seeds[:, 1], 3)))  # north-west first
        width = max(2, len(str(n)))
        for k, piece in enumerate(subdivide(geom, seeds[order]), start=1):
            child: dict[str, Any] = {"code": f"{code}-{k:0{width}d}", "parent": code}
            child["name"] = f"{props.get('name') or code} {k}"
            out.append((child, piece))
    return out


def cut_grid(
    level1: Features,
    areas_m2: list[float],
    *,
    per_cell: tuple[int, int] | None = None,
    km2: tuple[float, float] | None = None,
    seed: int = 1,
) -> tuple[Features, Features, Features]:
    """Levels 1, 2 and 3 from real level-1 features (lon/lat), nesting exactly."""
    l1 = [(p, round_geometry(g)) for p, g in level1]
    n2 = children_counts(l1, per_cell=_at(per_cell, 0), km2=_at(km2, 0), areas_m2=areas_m2)
    l2 = cut_level(l1, n2, seed)
    areas2 = [float(a) for a in areas_m2_of([g for _, g in l2])]
    n3 = children_counts(l2, per_cell=_at(per_cell, 1), km2=_at(km2, 1), areas_m2=areas2)
    l3 = cut_level(l2, n3, seed + 1)
    l3, l2, l1 = nest_exactly(l3, l2, l1)
    return l1, l2, l3


def _at(pair: tuple[Any, Any] | None, k: int) -> Any:
    return None if pair is None else pair[k]
