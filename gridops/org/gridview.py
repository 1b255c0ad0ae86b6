"""The few grid attributes routing uses, as a Protocol, and a plain-data grid that satisfies it.

gridops.org never imports gridops.grids: any object with these attributes will do (the real
``gridops.grids.Grid``, or :class:`PlainGrid` built from hand-made cells in tests and tools).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class CellLike(Protocol):
    """One grid cell: level 1 街镇, 2 居村, 3 单元网格; overlays are level 0."""

    @property
    def code(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def name(self) -> str: ...
    @property
    def owner_unit(self) -> str | None: ...


class GridLike(Protocol):
    """A grid: its cells by code, its number of levels and its overlay layers."""

    @property
    def levels(self) -> int: ...
    @property
    def cells(self) -> Mapping[str, CellLike]: ...
    @property
    def overlays(self) -> Mapping[str, Sequence[CellLike]]: ...
    def cells_at(self, level: int) -> Sequence[CellLike]: ...


@dataclass(frozen=True)
class PlainCell:
    """A cell as plain data (no geometry)."""

    code: str
    level: int
    parent: str | None = None
    name: str = ""
    owner_unit: str | None = None


@dataclass
class PlainGrid:
    """A grid as plain data: enough for routing and its proofs."""

    cell_list: Iterable[PlainCell]
    overlay_cells: Mapping[str, Sequence[PlainCell]] = field(default_factory=dict)
    levels: int = 3

    def __post_init__(self) -> None:
        self.cells: dict[str, PlainCell] = {c.code: c for c in self.cell_list}
        self.overlays: dict[str, list[PlainCell]] = {
            k: list(v) for k, v in self.overlay_cells.items()
        }

    def cells_at(self, level: int) -> list[PlainCell]:
        return [c for c in self.cells.values() if c.level == level]


def lineage(grid: GridLike, code: str) -> tuple[str, ...]:
    """Codes from level 1 down to ``code`` (its ancestors, then itself)."""
    chain = []
    cell: CellLike | None = grid.cells.get(code)
    while cell is not None:
        chain.append(cell.code)
        cell = grid.cells.get(cell.parent) if cell.parent else None
    return tuple(reversed(chain))


def codes_and_parents(grid: GridLike, level: int) -> list[tuple[str, str | None]]:
    """(code, parent) of every cell of ``level`` in code order — from a packed grid's columns
    when it has them (no cell objects made: 120 k of them take a fifth of a second)."""
    layer = getattr(grid, "layers", {}).get(level)
    columns = getattr(layer, "columns", None)
    if layer is None or columns is None:
        return [(c.code, c.parent) for c in sorted(grid.cells_at(level), key=lambda c: c.code)]
    parents = [p if has else None for p, has in zip(
        columns["parents"].tolist(), columns["has_parent"].tolist(), strict=True)]  # fmt: skip
    return list(zip(layer.codes.tolist(), parents, strict=True))


def lineages(grid: GridLike) -> dict[str, tuple[str, ...]]:
    """:func:`lineage` of every deepest-level cell at once: one pass over each level's cells
    instead of a lookup per ancestor per cell (at 120 k cells, seconds instead of tens)."""
    every = [codes_and_parents(grid, level) for level in range(1, grid.levels + 1)]
    parent: dict[str, str | None] = {}
    for cells in every:
        parent.update(cells)
    out: dict[str, tuple[str, ...]] = {}
    for code, up in every[-1]:
        chain = [code]
        while up is not None and up in parent:
            chain.append(up)
            up = parent[up]
        out[code] = tuple(reversed(chain))
    return out
