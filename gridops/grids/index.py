"""The spatial index of one layer: an STRtree over cell bounding boxes plus prepared
``intersects_xy`` (boundaries count as inside); ties go to the lowest code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

if TYPE_CHECKING:
    from gridops.grids.model import Cell


class LayerIndex:
    """Point-in-cell lookups over one layer's cells (kept sorted by code)."""

    def __init__(self, cells: Sequence[Cell]) -> None:
        ordered = sorted(cells, key=lambda c: c.code)
        self.codes = np.array([c.code for c in ordered] + [""], dtype=str)
        self.geoms = np.array([c.geometry for c in ordered], dtype=object)
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self._none = len(ordered)

    def locate_one(self, x: float, y: float) -> str:
        """The lowest code whose cell holds (x, y), or ""."""
        cands = self.tree.query(shapely.Point(x, y))
        if cands.size == 0:
            return ""
        cands.sort()
        hits = shapely.intersects_xy(self.geoms[cands], x, y)
        if not hits.any():
            return ""
        return str(self.codes[cands[int(np.argmax(hits))]])

    def locate_all(self, x: float, y: float) -> list[str]:
        """Every code whose cell holds (x, y), sorted."""
        cands = self.tree.query(shapely.Point(x, y))
        if cands.size == 0:
            return []
        cands.sort()
        hits = shapely.intersects_xy(self.geoms[cands], x, y)
        return [str(c) for c in self.codes[cands[hits]]]

    def locate_many(
        self,
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        points: npt.NDArray[np.object_],
        mask: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.str_]:
        """Codes for many points ("" where none); only points where ``mask`` is set are tried."""
        sel = np.flatnonzero(mask)
        best = np.full(x.size, self._none, dtype=np.intp)
        if sel.size and self.geoms.size:
            qi, ti = self.tree.query(points[sel])
            pi = sel[qi]
            hit = shapely.intersects_xy(self.geoms[ti], x[pi], y[pi])
            np.minimum.at(best, pi[hit], ti[hit])
        return self.codes[best]
