"""Deterministic subdivision of a polygon into Voronoi cells that nest exactly in it.

Seeds are spread with best-candidate sampling (each new seed is the farthest of a few random
candidates from the seeds so far), the Voronoi diagram is built in a locally isotropic frame
(longitude scaled by cos(latitude)), and every cell is intersected with the parent. Pieces
smaller than a small share of the mean child (slivers where a Voronoi cell grazes a concave
parent) are merged into the neighbour that shares the longest boundary with them.
:func:`node_coverage` then snaps the finest level onto the 1e-6 degree grid (~0.1 m) as one
planar graph, so that parents rebuilt as unions of their children nest exactly.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely

PRECISION = 1e-6  # degrees, ~0.1 m; every generated coordinate lies on this grid
SLIVER_SHARE = 0.05  # pieces under 5 % of the mean child area are merged away


def sample_seeds(
    parent: shapely.Geometry, n: int, rng: np.random.Generator, candidates: int = 8
) -> npt.NDArray[np.float64]:
    """``n`` well-spread points inside ``parent`` (lon, lat), deterministic for a given rng."""
    c = math.cos(math.radians(shapely.centroid(parent).y))
    pool = _uniform_points(parent, n * candidates, rng)
    seeds = np.empty((0, 2))
    for k in range(n):
        cands = pool[k * candidates : (k + 1) * candidates]
        if seeds.size == 0:
            pick = cands[0]
        else:
            d = ((cands[:, None, 0] - seeds[None, :, 0]) * c) ** 2 + (
                cands[:, None, 1] - seeds[None, :, 1]
            ) ** 2
            pick = cands[int(np.argmax(d.min(axis=1)))]
        seeds = np.vstack([seeds, pick])
    return seeds


def _uniform_points(
    parent: shapely.Geometry, n: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    x0, y0, x1, y1 = parent.bounds
    shapely.prepare(parent)
    got: list[npt.NDArray[np.float64]] = []
    have = 0
    for _ in range(200):
        pts = np.column_stack([rng.uniform(x0, x1, 4 * n + 16), rng.uniform(y0, y1, 4 * n + 16)])
        pts = pts[shapely.contains_xy(parent, pts[:, 0], pts[:, 1])]
        got.append(pts)
        have += len(pts)
        if have >= n:
            break
    pool = np.vstack(got)
    if len(pool) < n:  # a parent too thin to sample: fall back on its representative point
        rp = shapely.get_coordinates(shapely.point_on_surface(parent))
        pool = np.vstack([pool, np.repeat(rp, n - len(pool), axis=0)])
    return pool[:n]


def subdivide(parent: shapely.Geometry, seeds: npt.NDArray[np.float64]) -> list[shapely.Geometry]:
    """Cut ``parent`` into one piece per seed (Voronoi ∩ parent), slivers merged.

    Returns the pieces in seed order; a seed whose piece vanished into a neighbour is dropped.
    """
    if len(seeds) <= 1:
        return [parent]
    c = math.cos(math.radians(float(np.mean(seeds[:, 1]))))
    scale = np.array([c, 1.0])
    x0, y0, x1, y1 = parent.bounds
    frame = shapely.box(x0 * c - 1, y0 - 1, x1 * c + 1, y1 + 1)
    vor = shapely.voronoi_polygons(
        shapely.multipoints(seeds * scale), extend_to=frame, ordered=True
    )
    cells = shapely.transform(shapely.get_parts(vor), lambda xy: xy / scale)
    pieces = shapely.intersection(cells, parent)
    return merge_slivers(list(pieces), SLIVER_SHARE)


def round_geometry(geom: shapely.Geometry) -> shapely.Geometry:
    """``geom`` snapped to the 1e-6 degree grid (valid, normalised)."""
    return shapely.normalize(shapely.set_precision(geom, PRECISION))


def node_coverage(cells: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """The cells rebuilt from one noded planar graph on the 1e-6 degree grid.

    All boundaries are unioned (noded and snap-rounded together), polygonised into faces, and
    each face goes to the cell holding its interior point (or sharing most area with it). Every
    edge is then shared vertex for vertex by the cells on both sides: unions of these cells
    nest exactly, with no gaps or overlaps. A cell that lost every face is returned empty.
    """
    arr = np.array(cells, dtype=object)
    lines = shapely.union_all(shapely.boundary(arr), grid_size=PRECISION)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree(arr)
    fi, ci = tree.query(shapely.point_on_surface(faces), predicate="intersects")
    owner = np.full(len(faces), -1, dtype=np.intp)
    owner[fi[::-1]] = ci[::-1]
    for f in np.flatnonzero(owner < 0):
        cands = tree.query(faces[f], predicate="intersects")
        if cands.size:
            shared = shapely.area(shapely.intersection(arr[cands], faces[f]))
            if shared.max() > 0:
                owner[f] = cands[int(np.argmax(shared))]
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(len(cells) + 1))
    out = []
    for k in range(len(cells)):
        mine = faces[order[bounds[k] : bounds[k + 1]]]
        out.append(shapely.normalize(shapely.coverage_union_all(mine)) if mine.size else None)
    return [g if g is not None else shapely.Polygon() for g in out]


def merge_slivers(pieces: list[shapely.Geometry], share: float) -> list[shapely.Geometry]:
    """Merge parts under ``share`` × the mean piece area into their longest-touching neighbour."""
    owners: list[int] = []
    parts: list[shapely.Geometry] = []
    for i, g in enumerate(pieces):
        for part in shapely.get_parts(g):
            if part.geom_type == "Polygon" and part.area > 0:
                owners.append(i)
                parts.append(part)
    if not parts:
        return []
    areas = shapely.area(np.array(parts, dtype=object))
    threshold = share * float(areas.sum()) / len(pieces)
    big = areas >= threshold
    arr = np.array(parts, dtype=object)
    tree = shapely.STRtree(arr)
    for k in np.flatnonzero(~big):
        best, best_len = -1, 0.0
        for j in tree.query(arr[k], predicate="intersects"):
            if j == k or not big[j]:
                continue
            shared = shapely.length(shapely.intersection(arr[k].boundary, arr[j].boundary))
            if shared > best_len:
                best, best_len = int(j), float(shared)
        if best >= 0:
            owners[k] = owners[best]
    groups: dict[int, list[shapely.Geometry]] = {}
    for owner, part in zip(owners, parts, strict=True):
        groups.setdefault(owner, []).append(part)
    out = []
    for i in sorted(groups):
        out.append(shapely.union_all(groups[i]))
    return out
