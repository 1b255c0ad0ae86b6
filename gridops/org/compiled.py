"""The precompiled routing table: (level-3 cell × category) → decision template.

Category, class, kind and cell conditions are known per (cell, category), so for each pair
the table keeps the first rule *certain* to match, and the decision for plain facts is cached:
routing is then a dictionary lookup. Rules that also test overlay, source, time of day or
priority cannot be decided by cell × category alone: those that could match before the
certain rule are kept as a short *residual* list on the entry and evaluated at lookup (only
their dynamic conditions; the static ones are already known to hold). Facts with overlays, an
intake unit or returns (退单) change the targets, so they are decided from the entry's rule
rather than taken from the cache. Either way the result equals
:func:`gridops.org.engine.evaluate` (a property test checks it).

Rows are built per level-3 cell on first use, or all at once by :meth:`compile_all` (which
the totality proof runs, so ``load_ops_config`` returns a compiled table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gridops.org.decision import RoutingDecision, RoutingFacts
from gridops.org.engine import decide, dynamic_ok, evaluate, static_ok
from gridops.org.gridview import lineage, lineages
from gridops.org.rules import Rule

if TYPE_CHECKING:
    from gridops.org.config import OpsConfig


@dataclass(frozen=True)
class Entry:
    """One (cell, category) entry, shared by every cell with the same cell-bound rules."""

    residual: tuple[Rule, ...]  # rules with dynamic conditions that may win before ``rule``
    rule: Rule  # the first rule certain to match (possibly the default)
    outside_overlays: tuple[Rule, ...]  # the residual rules that can match outside overlays


@dataclass(frozen=True)
class Row:
    """The entries of one level-3 cell."""

    cells: tuple[str, ...]  # the cell's lineage, level 1 first
    entries: Mapping[str, Entry]  # category code → entry


class CompiledTable:
    """Level-3 cell × category → Entry, and a bounded cache of the decisions for plain facts.

    Entries depend on the cell only through the rules that name cells, so cells matching the
    same such rules share one entries mapping: the table stays small and compiles in well under
    a second for the Pudong sample. When no residual rule matches, plain facts (no overlay,
    intake unit or return) are answered from ``cache``, a plain dict keyed by (cell, category)
    and cleared when it reaches ``cache_size`` (0: no cache) — the decision of the entry's rule
    depends on nothing else. Other facts are decided from the entry's rule.
    """

    def __init__(self, config: OpsConfig, *, cache_size: int = 20_000) -> None:
        self.config = config
        self.cache_size = cache_size
        self.cache: dict[tuple[str, str], RoutingDecision] = {}
        self._rows: dict[str, Row] = {}
        self._shared: dict[tuple[int, ...], dict[str, Entry]] = {}
        self._orphans: list[str] | None = None
        self._cell_rules = [
            (i, r.match.cells) for i, r in enumerate(config.rules.rules) if r.match.cells
        ]

    def __len__(self) -> int:
        return sum(len(r.entries) for r in self._rows.values())

    def row(self, code: str, cells: tuple[str, ...] | None = None) -> Row:
        """The row of level-3 cell ``code`` (compiled now if needed; ``cells``: its lineage,
        when the caller has it)."""
        row = self._rows.get(code)
        if row is None:
            cells = cells or lineage(self.config.grid, code)
            key = tuple(i for i, named in self._cell_rules if not named.isdisjoint(cells))
            entries = self._shared.get(key)
            if entries is None:
                entries = self._shared[key] = self._compile(cells)
            row = self._rows[code] = Row(cells, entries)
        return row

    def routable(self, cells: tuple[str, ...]) -> bool:
        """Whether ``cells`` is a full lineage (one known cell per level, no gap)."""
        grid = self.config.grid
        return (
            len(cells) == grid.levels
            and cells[-1] in grid.cells
            and lineage(grid, cells[-1]) == cells
        )

    def orphans(self) -> list[str]:
        """The deepest-level cells whose lineage does not reach level 1 (no parent at some
        level): tickets in them go to the last resort of their level-1 cell."""
        if self._orphans is None:
            levels = self.config.grid.levels
            every = lineages(self.config.grid)
            self._orphans = [code for code, cells in every.items() if len(cells) < levels]
        return list(self._orphans)

    def rows(self) -> Mapping[str, Row]:
        return self._rows

    def compile_all(self) -> int:
        """Compile every level-3 cell; returns the number of (cell, category) entries."""
        levels = self.config.grid.levels
        every = lineages(self.config.grid)
        self._orphans = [code for code, cells in every.items() if len(cells) < levels]
        for code, cells in every.items():
            if len(cells) == levels:
                self.row(code, cells)
        return len(self)

    def _compile(self, cells: tuple[str, ...]) -> dict[str, Entry]:
        config = self.config
        entries: dict[str, Entry] = {}
        interned: dict[tuple[tuple[Rule, ...], Rule], Entry] = {}  # equal entries shared
        for category in config.taxonomy.categories.values():
            residual: list[Rule] = []
            certain = config.rules.default
            for rule in config.rules.rules:
                if static_ok(rule.match, category, cells):
                    if rule.match.static:
                        certain = rule
                        break
                    residual.append(rule)
            key = (tuple(residual), certain)
            outside = tuple(r for r in residual if not r.match.overlays)
            entries[category.code] = interned.setdefault(key, Entry(*key, outside))
        return entries

    def route(self, facts: RoutingFacts) -> RoutingDecision:
        """Route ``facts`` by lookup (equal to rule evaluation)."""
        cells = facts.cells
        row = self._rows.get(cells[-1]) if cells else None
        if row is None:
            config = self.config
            if not self.routable(cells):
                return evaluate(config, facts)
            row = self.row(cells[-1])
        entry = row.entries.get(facts.category)
        if entry is None or row.cells != cells:
            return evaluate(self.config, facts)
        category = self.config.taxonomy.categories[facts.category]
        if facts.overlays or facts.returned_by or facts.intake_unit:
            for rule in entry.residual:
                if dynamic_ok(rule.match, facts, category):
                    return decide(self.config, rule, facts, category)
            return decide(self.config, entry.rule, facts, category)
        for rule in entry.outside_overlays:
            if dynamic_ok(rule.match, facts, category):
                return decide(self.config, rule, facts, category)
        # plain facts: the decision depends on nothing else than (cell, category)
        key = (cells[-1], facts.category)
        decision = self.cache.get(key)
        if decision is None:
            decision = decide(self.config, entry.rule, facts, category)
            if self.cache_size:
                if len(self.cache) >= self.cache_size:
                    self.cache.clear()
                self.cache[key] = decision
        return decision
