"""What-if replay (情景回放): the same incidents placed and routed under another grid or other
rules, and what changes — each unit's workload before and after, and the tickets whose owner
changes. The question before redrawing grid boundaries or moving a category to another
department. Pure: incidents, grids and configurations in; a comparison out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from gridops.grids import Grid
from gridops.grids.model import by_level
from gridops.org import OpsConfig, RoutingFacts, route
from gridops.tickets.vocabulary import Source

OUTSIDE = "(outside the grid)"
UNROUTED = "(no owner)"


@dataclass(frozen=True)
class Incident:
    """What routing needs of one past ticket."""

    id: str
    category: str
    lon: float
    lat: float
    crs: str = "EPSG:4326"
    source: Source | None = None
    local_time: datetime | None = None  # local (the city's) time of the report


Placement = tuple[tuple[str, ...], tuple[tuple[str, str], ...]] | None


def place(grid: Grid, lons: Sequence[float], lats: Sequence[float], crs: str) -> list[Placement]:
    """Cells (level 1 first) and overlays of each point; None outside every level-1 cell."""
    levels = grid.locate_many(np.asarray(lons, float), np.asarray(lats, float), crs)
    overlays = grid.locate_overlays_many(np.asarray(lons, float), np.asarray(lats, float), crs)
    out: list[Placement] = []
    for i in range(len(lons)):
        if not levels[0][i]:
            out.append(None)
            continue
        cells = by_level(str(lv[i]) for lv in levels)
        over = tuple((layer, str(codes[i])) for layer, codes in overlays.items() if codes[i])
        out.append((cells, over))
    return out


def owners(incidents: Sequence[Incident], grid: Grid, config: OpsConfig) -> list[str]:
    """The owner unit each incident gets under ``grid`` and ``config``."""
    result = [UNROUTED] * len(incidents)
    by_crs: dict[str, list[int]] = {}
    for i, inc in enumerate(incidents):
        by_crs.setdefault(inc.crs, []).append(i)
    for crs, idx in by_crs.items():
        spots = place(grid, [incidents[i].lon for i in idx], [incidents[i].lat for i in idx], crs)
        for i, spot in zip(idx, spots, strict=True):
            inc = incidents[i]
            if spot is None:
                result[i] = OUTSIDE
                continue
            if inc.category not in config.taxonomy.categories:
                continue
            facts = RoutingFacts(
                category=inc.category,
                cells=spot[0],
                overlays=spot[1],
                source=inc.source,
                local_time=None if inc.local_time is None else inc.local_time.time(),
            )
            result[i] = route(config, facts).owner_unit
    return result


@dataclass(frozen=True)
class Replay:
    """Per unit (before, after) workloads, and the incidents whose owner changes."""

    workload: list[tuple[str, int, int]]  # unit, before, after; biggest change first
    moved: list[tuple[str, str, str]]  # incident id, owner before, owner after
    total: int

    def to_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "moved": len(self.moved),
            "workload": [
                {"unit": u, "before": b, "after": a, "change": a - b} for u, b, a in self.workload
            ],  # fmt: skip
            "tickets": [{"id": i, "before": b, "after": a} for i, b, a in self.moved],
        }


def compare(incidents: Sequence[Incident], before: Sequence[str], after: Sequence[str]) -> Replay:
    """Workloads and moved incidents from two owner lists (same order as ``incidents``)."""
    b, a = Counter(before), Counter(after)
    units = set(b) | set(a)
    workload = sorted(
        ((u, b[u], a[u]) for u in units), key=lambda w: (-abs(w[2] - w[1]), -w[1], w[0])
    )
    moved = [(inc.id, x, y) for inc, x, y in zip(incidents, before, after, strict=True) if x != y]
    return Replay(workload, moved, len(incidents))
