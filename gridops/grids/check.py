"""`grid check`: how well imported layers nest — straddling children, gaps, overlaps, owners.

Real boundary data does not nest perfectly. These findings are warnings (locate stays exact
whatever they say), and slivers — a share of a cell's area up to the spec's ``sliver``
tolerance (default 1 %) outside its parent or shared with a neighbour — are counted in one
summary per level rather than listed. Errors come from reading: every problem of a broken
grid.yaml (see :mod:`gridops.grids.spec`), or for a good spec every unreadable layer file,
unusable feature, duplicate code and unknown parent, each once (see :mod:`gridops.grids.load`);
and from nesting: a cell wholly inside another of its own level, and a level most of whose
cells lie outside level 1 (read in the wrong CRS or units).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from gridops.errors import ConfigError
from gridops.grids.geodesy import areas_m2
from gridops.grids.issues import Issue
from gridops.grids.load import read_grid
from gridops.grids.model import Cell, Grid
from gridops.grids.spec import SLIVER_DEFAULT, SpecError, read_spec

STRADDLE_MIN_SHARE = 1e-4  # a child with more than 0.01 % of its area outside its parent
GAP_MIN_M2 = 10.0  # uncovered area of a parent worth reporting
OVERLAP_MIN_M2 = 10.0  # shared area of two cells of one level worth reporting


@dataclass
class CheckReport:
    """All issues of a grid: errors first, then by kind, file and feature."""

    grid: str
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def exit_code(self) -> int:
        """0 with only warnings (or none), 1 with errors (the CLI's 2 is for usage mistakes)."""
        return 1 if self.errors else 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in self.issues:
            key = f"{i.severity}:{i.kind}"
            out[key] = out.get(key, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "grid": self.grid,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "counts": self.counts(),
            "issues": [i.to_dict() for i in self.issues],
        }


def check_path(path: str | Path) -> CheckReport:
    """The report of the grid at ``path``: a broken grid.yaml gives one error per problem (in
    file order) and no layer checks; a spec that cannot be read at all gives its one error."""
    try:
        grid, issues = read_grid(path)
    except SpecError as exc:
        return CheckReport(str(path), list(exc.issues))
    except ConfigError as exc:
        return CheckReport(str(path), [Issue("error", "unreadable", str(exc))])
    return check_grid(grid, issues, sliver=read_spec(path).sliver)


def check_grid(
    grid: Grid, read_issues: list[Issue] | None = None, *, sliver: float = SLIVER_DEFAULT
) -> CheckReport:
    """Every finding about ``grid``: those from reading it, then nesting and coverage checks;
    ``sliver`` is the share of a cell's area ignored as boundary noise (summarised)."""
    issues = list(read_issues or [])
    for level in range(1, grid.levels + 1):
        cells = grid.cells_at(level)
        slivers: list[Issue] = []
        issues += _no_owner(cells)
        issues += _overlaps(cells, level, sliver, slivers)
        if level > 1 and cells:  # no cells: its file or every feature is an error already
            issues += _misplaced(grid, cells, level)
            issues += _straddles(grid, cells, sliver, slivers)
            issues += _gaps(grid.cells_at(level - 1), cells, level, sliver, slivers)
        if slivers:
            issues.append(_sliver_summary(level, slivers, sliver))
    for name, cells in grid.overlays.items():
        issues += _no_owner(cells, layer=name)
    issues.sort(key=_order)
    return CheckReport(grid.name, issues)


def _order(i: Issue) -> tuple[bool, str, str, int, str]:
    return (i.severity != "error", i.kind, i.file, -1 if i.feature is None else i.feature, i.code)


def _no_owner(cells: list[Cell], layer: str = "") -> list[Issue]:
    where = f"overlay {layer}: " if layer else ""
    if len(cells) > 1 and not any(c.owner_unit for c in cells):  # no owner template at all
        what = f"overlay {layer}" if layer else f"level {cells[0].level}"
        return [
            Issue(
                "warning",
                "no-owner",
                f"{what}: none of its {len(cells)} cells has an owner unit (no owner template "
                "in the spec); org.yaml's localities (gridops init writes them) name the units",
                code=cells[0].code,
                value=float(len(cells)),
            )
        ]
    return [
        Issue("warning", "no-owner", f"{where}level {c.level} cell has no owner unit", code=c.code)
        for c in cells
        if not c.owner_unit
    ]


def _sliver_summary(level: int, slivers: list[Issue], tolerance: float) -> Issue:
    kinds = sorted({s.kind for s in slivers})
    codes = sorted({s.code for s in slivers})
    more = f" … (+{len(codes) - 3})" if len(codes) > 3 else ""
    return Issue(
        "warning",
        "sliver",
        f"{len(slivers)} sliver(s) of level {level} ({', '.join(kinds)}) up to {tolerance:.1%} "
        f"of a cell's area, in {len(codes)} cells ({', '.join(codes[:3])}{more}): boundary "
        "noise within the spec's sliver tolerance, not listed one by one",
        value=float(len(slivers)),
    )


def _misplaced(grid: Grid, cells: list[Cell], level: int) -> list[Issue]:
    """An error when most of a level lies outside level 1: read in the wrong CRS or units."""
    tops = np.array([c.geometry for c in grid.cells_at(1)], dtype=object)
    if not tops.size:
        return []
    geoms = np.array([c.geometry for c in cells], dtype=object)
    hit, _ = shapely.STRtree(tops).query(geoms, predicate="intersects")
    outside = len(cells) - np.unique(hit).size
    if outside * 2 <= len(cells):
        return []
    return [
        Issue(
            "error",
            "outside-level-1",
            f"{outside} of {len(cells)} level-{level} cells lie outside every level-1 cell: is "
            "this layer's CRS right (the spec's crs for the level, a GeoJSON crs member, a "
            ".prj; feet or metres)?",
            code=cells[0].code,
            value=float(outside),
        )
    ]


def _straddles(
    grid: Grid, cells: list[Cell], sliver: float = 0.0, slivers: list[Issue] | None = None
) -> list[Issue]:
    linked = [c for c in cells if c.parent in grid.cells]
    if not linked:
        return []
    kids = np.array([c.geometry for c in linked], dtype=object)
    parents = np.array([grid.cells[str(c.parent)].geometry for c in linked], dtype=object)
    outside = shapely.area(shapely.difference(kids, parents)) / shapely.area(kids)
    out: list[Issue] = []
    for c, share in zip(linked, outside, strict=True):
        if share > STRADDLE_MIN_SHARE:
            found = out if share > sliver or slivers is None else slivers
            found.append(
                Issue(
                    "warning",
                    "straddle",
                    f"{share:.1%} of the cell lies outside its parent {c.parent}",
                    code=c.code,
                    value=round(float(share), 6),
                )
            )
    return out


def _gaps(
    parents: list[Cell],
    children: list[Cell],
    level: int,
    sliver: float = 0.0,
    slivers: list[Issue] | None = None,
) -> list[Issue]:
    geoms = np.array([c.geometry for c in children], dtype=object)
    tree = shapely.STRtree(geoms)
    holes = []
    for p in parents:
        near = tree.query(p.geometry, predicate="intersects")
        cover = shapely.union_all(geoms[near]) if near.size else shapely.Polygon()
        holes.append(shapely.difference(p.geometry, cover))
    areas = areas_m2(holes)
    out: list[Issue] = []
    for p, area in zip(parents, areas, strict=True):
        if area > GAP_MIN_M2:
            share = area / p.area_m2 if p.area_m2 else 0.0
            found = out if share > sliver or slivers is None else slivers
            found.append(
                Issue(
                    "warning",
                    "gap",
                    f"{area:,.0f} m² ({share:.1%}) of the cell is in no level-{level} cell",
                    code=p.code,
                    value=round(float(area), 1),
                )
            )
    return out


def _overlaps(
    cells: list[Cell], level: int, sliver: float = 0.0, slivers: list[Issue] | None = None
) -> list[Issue]:
    if len(cells) < 2:
        return []
    geoms = np.array([c.geometry for c in cells], dtype=object)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    inner = shapely.relate_pattern(geoms[a], geoms[b], "T********")
    a, b = a[inner], b[inner]
    if a.size == 0:
        return []
    areas = areas_m2(shapely.intersection(geoms[a], geoms[b]))
    inside = shapely.within(geoms[a], geoms[b]) | shapely.within(geoms[b], geoms[a])
    out: list[Issue] = []
    for i, j, area, whole in zip(a, b, areas, inside, strict=True):
        if whole:
            small, big = (i, j) if cells[i].area_m2 <= cells[j].area_m2 else (j, i)
            out.append(
                Issue(
                    "error",
                    "contained",
                    f"level {level} cell lies wholly inside {cells[big].code} of the same "
                    "level: delete the duplicate, or move it to the level it belongs to",
                    code=cells[small].code,
                    value=round(float(area), 1),
                )
            )
        elif area > OVERLAP_MIN_M2:
            smaller = min(cells[i].area_m2, cells[j].area_m2)
            share = area / smaller if smaller else 1.0
            found = out if share > sliver or slivers is None else slivers
            found.append(
                Issue(
                    "warning",
                    "overlap",
                    f"level {level} cell overlaps {cells[j].code} by {area:,.0f} m²",
                    code=cells[i].code,
                    value=round(float(area), 1),
                )
            )
    return out
