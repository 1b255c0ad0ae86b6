"""One layer's cells as columns (层): codes sorted, with names, owners, parents, areas and
outlines side by side in arrays.

A layer is made either from Cell objects (a grid read from its files: the cells are kept as
they are) or from bare columns (a grid read back from its packed file, see
:mod:`gridops.grids.packed`: string columns are read-only arrays mapped from that file, and a
Cell is made only when one is asked for). Either way the codes and outlines are arrays, which
the spatial index and the packer use.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, Sequence, ValuesView

import numpy as np
import numpy.typing as npt
import shapely

from gridops.grids.cell import Cell

COLUMNS = ("codes", "names", "owners", "parents", "has_parent", "areas")


class Layer:
    """The cells of one level (or one overlay layer), sorted by code."""

    def __init__(
        self,
        level: int,
        columns: Mapping[str, npt.NDArray],
        geoms: npt.NDArray[np.object_],
        cells: Sequence[Cell] | None = None,
    ) -> None:
        self.level = level
        self.columns = columns
        self.codes: npt.NDArray[np.str_] = columns["codes"]
        self.geoms = geoms
        self._cells = list(cells) if cells is not None else None

    @classmethod
    def from_cells(cls, level: int, cells: Sequence[Cell]) -> Layer:
        ordered = sorted(cells, key=lambda c: c.code)
        columns = {
            "codes": np.array([c.code for c in ordered], dtype=str),
            "names": np.array([c.name for c in ordered], dtype=str),
            "owners": np.array([c.owner_unit for c in ordered], dtype=str),
            "parents": np.array([c.parent or "" for c in ordered], dtype=str),
            "has_parent": np.array([c.parent is not None for c in ordered], dtype=bool),
            "areas": np.array([c.area_m2 for c in ordered], dtype=np.float64),
        }
        geoms = np.array([c.geometry for c in ordered], dtype=object)
        return cls(level, columns, geoms, ordered)

    def __len__(self) -> int:
        return len(self.codes)

    def cell(self, i: int) -> Cell:
        """The ``i``-th cell (in code order)."""
        if self._cells is not None:
            return self._cells[i]
        col = self.columns
        parent = str(col["parents"][i]) if col["has_parent"][i] else None
        return Cell(str(self.codes[i]), self.level, parent, str(col["names"][i]),
                    str(col["owners"][i]), self.geoms[i], float(col["areas"][i]))  # fmt: skip

    def find(self, code: str) -> int:
        """The position of ``code``, or -1."""
        if not len(self.codes):
            return -1
        i = int(np.searchsorted(self.codes, code))
        return i if i < len(self.codes) and self.codes[i] == code else -1

    def cells(self) -> list[Cell]:
        """Every cell, in code order (made now when the layer holds only columns)."""
        if self._cells is not None:
            return list(self._cells)
        col = self.columns
        parents = [
            p if has else None
            for p, has in zip(col["parents"].tolist(), col["has_parent"].tolist(), strict=True)
        ]
        rows = zip(self.codes.tolist(), parents, col["names"].tolist(), col["owners"].tolist(),
                   self.geoms.tolist(), col["areas"].tolist(), strict=True)  # fmt: skip
        level = self.level
        return [Cell(c, level, p, n, o, g, a) for c, p, n, o, g, a in rows]

    def children_of(self, code: str) -> list[Cell]:
        """The cells whose parent is ``code``, in code order."""
        hits = np.flatnonzero((self.columns["parents"] == code) & self.columns["has_parent"])
        return [self.cell(int(i)) for i in hits]


class CellView(Mapping[str, Cell]):
    """Every level's cells by code, made on demand from the layers' columns; the last
    ``RECENT`` made are kept (a ticket's cells are asked for again and again while it is
    handled)."""

    RECENT = 4096

    def __init__(self, layers: Sequence[Layer]) -> None:
        self._layers = list(layers)
        self._recent: dict[str, Cell] = {}

    def __getitem__(self, code: str) -> Cell:
        cell = self._recent.get(code) if isinstance(code, str) else None
        if cell is not None:
            return cell
        if isinstance(code, str):
            for layer in self._layers:
                i = layer.find(code)
                if i >= 0:
                    if len(self._recent) >= self.RECENT:
                        self._recent.clear()
                    cell = self._recent[code] = layer.cell(i)
                    return cell
        raise KeyError(code)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and any(layer.find(code) >= 0 for layer in self._layers)

    def __iter__(self) -> Iterator[str]:
        for layer in self._layers:
            yield from (str(c) for c in layer.codes)

    def __len__(self) -> int:
        return sum(len(layer) for layer in self._layers)

    def values(self) -> ValuesView[Cell]:
        return _Values(self)

    def items(self) -> ItemsView[str, Cell]:
        return _Items(self)

    def layers(self) -> list[Layer]:
        return list(self._layers)


class _Values(ValuesView[Cell]):
    """A layer at a time, not a look-up per code."""

    _mapping: CellView

    def __iter__(self) -> Iterator[Cell]:
        for layer in self._mapping.layers():
            yield from layer.cells()


class _Items(ItemsView[str, Cell]):
    _mapping: CellView

    def __iter__(self) -> Iterator[tuple[str, Cell]]:
        for layer in self._mapping.layers():
            yield from ((c.code, c) for c in layer.cells())


def wkb_column(geoms: npt.NDArray[np.object_]) -> tuple[bytes, npt.NDArray[np.int64]]:
    """The outlines as one run of WKB and the offsets of each (n + 1 of them)."""
    parts = shapely.to_wkb(geoms) if len(geoms) else np.array([], dtype=object)
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(p) for p in parts])
    return b"".join(parts), offsets
