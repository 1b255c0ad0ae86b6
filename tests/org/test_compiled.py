"""The compiled table routes exactly as rule evaluation does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.org import OpsConfig, RoutingFacts, evaluate, load_ops_config, route
from gridops.org.compiled import CompiledTable
from gridops.settings import DEFAULT_CONFIG_DIR, DEFAULT_GRID

from .conftest import random_facts


@settings(max_examples=300)
@given(data=st.data())
def test_table_lookup_equals_rule_evaluation(
    config: OpsConfig, facts: st.SearchStrategy[RoutingFacts], data: st.DataObject
) -> None:
    f = data.draw(facts)
    assert route(config, f) == evaluate(config, f)
    assert route(config, f) == evaluate(config, f)  # the second answer may come from the cache


def test_every_cell_shares_entries_with_cells_under_the_same_cell_rules(
    config: OpsConfig,
) -> None:
    table = CompiledTable(config)
    n = table.compile_all()
    assert n == len(config.grid.cells_at(3)) * len(config.taxonomy.categories)
    # one rule names Lujiazui: two distinct entry maps in all
    assert len({id(r.entries) for r in table.rows().values()}) == 2


def test_residual_rules_are_kept_for_dynamic_conditions(config: OpsConfig) -> None:
    row = config.table.row("310115125001001")
    assert [r.id for r in row.entries["E0301"].residual] == ["night-construction-noise"]
    assert row.entries["E0301"].rule.id == "construction"
    assert row.entries["E0102"].residual[0].id == "devzone-appearance"


def test_cache_is_bounded(config: OpsConfig) -> None:
    table = CompiledTable(config, cache_size=3)
    for cell in config.grid.cells_at(3):
        parent = config.grid.cells[cell.parent or ""]
        table.route(RoutingFacts("C0118", (parent.parent or "", parent.code, cell.code)))
    assert 0 < len(table.cache) <= 3


SAMPLE = DEFAULT_GRID / "grid.yaml"


@pytest.fixture(scope="module")
def pudong() -> OpsConfig:
    if not SAMPLE.is_file():
        pytest.skip("sample grid not generated yet")
    from gridops.grids import load_grid

    return load_ops_config(DEFAULT_CONFIG_DIR, load_grid(DEFAULT_GRID))


@settings(max_examples=200)
@given(data=st.data())
def test_table_equals_evaluation_on_the_pudong_sample(
    pudong: OpsConfig, data: st.DataObject
) -> None:
    f = data.draw(random_facts(pudong))
    assert route(pudong, f) == evaluate(pudong, f)
