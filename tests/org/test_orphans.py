"""Cells in no cell of the level above (real layers have them): config check reports them,
routing sends their tickets to the level-1 sub-centre, nothing crashes."""

from __future__ import annotations

from dataclasses import replace

from gridops.org import PlainCell, PlainGrid, RoutingFacts, check_config, load_ops_config
from gridops.settings import DEFAULT_CONFIG_DIR

from .conftest import L1, small_grid


def _with_orphan() -> PlainGrid:
    base = small_grid()
    cells = [*base.cells.values(), PlainCell("tract-9", 3, None, "tract 9", "gw-tract-9")]
    return PlainGrid(cells, base.overlays)


def test_config_check_reports_orphan_cells_instead_of_crashing() -> None:
    config = load_ops_config(DEFAULT_CONFIG_DIR, _with_orphan())
    report = check_config(config)
    found = [f for f in report.findings if f.check == "orphan-cells"]
    assert len(found) == 1 and "tract-9" in found[0].message
    assert report.stats["orphan_cells"] == 1
    assert "tract-9" not in config.table.rows()


def test_a_ticket_in_an_orphan_cell_goes_to_its_sub_centre() -> None:
    config = load_ops_config(DEFAULT_CONFIG_DIR, _with_orphan())
    facts = RoutingFacts("C0101", (L1[0], "", "tract-9"))
    decision = config.table.route(facts)
    assert decision.owner_unit == config.org.locality[L1[0]]
    assert decision.manual
    assert any("no level-2 cell" in r for r in decision.reasons)
    assert config.table.route(replace(facts, cells=(L1[0],))).owner_unit == decision.owner_unit
