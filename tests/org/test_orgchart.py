"""The org graph: templates expanded against the grid, parents, groups, overlay owners."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.org import OpsConfig, load_ops_config
from gridops.org.gridview import PlainGrid
from gridops.org.orgchart import BRANCH, DEPARTMENT, LOCALITY


def test_one_unit_per_cell_with_the_grid_owner_ids(config: OpsConfig, grid: PlainGrid) -> None:
    org = config.org
    for cell in grid.cells.values():
        assert org.locality[cell.code] == cell.owner_unit
        assert org.units[cell.owner_unit or ""].cell == cell.code
    assert org.units["sc-310115005"].zh == "陆家嘴街道城运分中心"
    assert org.units["gw-310115005001001"].field_staff


def test_hand_up_chain_climbs_the_grid_then_the_centre(config: OpsConfig) -> None:
    org = config.org
    assert org.up_chain("gw-310115005001001") == (
        "ws-310115005001",
        "sc-310115005",
        "district-centre",
    )
    assert org.up_chain("dept-water@310115125") == ("dept-water", "district-centre")
    assert org.up_chain("district-centre") == ()
    assert nx.is_directed_acyclic_graph(org.graph)


def test_departments_have_branches_per_level_one_cell(config: OpsConfig) -> None:
    org = config.org
    depts = {u.id for u in org.of_kind(DEPARTMENT)}
    eight = {"law-enforcement", "greening", "housing", "transport", "water", "public-security",
             "market", "ecology"}  # fmt: skip
    assert {f"dept-{s}" for s in eight} <= depts
    assert org.branches[("dept-water", "310115125")] == "dept-water@310115125"
    assert sum(1 for _ in org.of_kind(BRANCH)) == 12 * 2  # 12 departments with branches
    assert sum(1 for _ in org.of_kind(LOCALITY)) == 2 + 4 + 12


def test_joint_groups_have_members_and_a_lead(config: OpsConfig) -> None:
    group = config.org.units["jeg-illegal-construction"]
    assert group.lead == "dept-law-enforcement"
    assert group.lead in group.members and len(group.members) >= 2
    assert config.org.graph.has_edge("dept-planning-land", "jeg-illegal-construction")


def test_overlay_owners_are_bound_to_overlay_cells(config: OpsConfig) -> None:
    assert config.org.overlay_owners == {
        ("devzone", "zhangjiang"): "zone-zhangjiang",
        ("devzone", "lingang"): "zone-lingang",
        ("expressway", "outer-ring"): "roadco-outer-ring",
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "lead: dept-law-enforcement\n    members: [dept-law-enforcement, dept-planning-land",
            "lead: dept-market\n    members: [dept-law-enforcement, dept-planning-land",
            "unknown member (the lead must be one of the members) 'dept-market'",
        ),
        ("layer: expressway", "layer: railway", "unknown overlay layer 'railway'"),
        ("cells: [lingang]", "cells: [lingan]", "did you mean 'lingang'"),
        ("  - slug: ecology\n", "  - slug: water\n", "duplicate unit id 'dept-water'"),
        ('zh: "{name_zh}城运分中心"', 'zh: "{nam}城运分中心"', "bad template"),
        ("  - level: 3\n", "  - level: 4\n", "level 4 is not a new grid level"),
        ("    field_staff: true\n", "    field_staf: true\n", "did you mean 'field_staff'"),
    ],
)
def test_bad_org_names_file_key_and_value(
    grid: PlainGrid, config_copy: Callable[..., Path], old: str, new: str, message: str
) -> None:
    path = config_copy("org.yaml", old, new)
    with pytest.raises(ConfigError, match="org.yaml") as err:
        load_ops_config(path, grid)
    assert message in str(err.value)


def test_below_is_every_unit_whose_up_chain_meets_the_given_ones(config: OpsConfig) -> None:
    """Brute force over the whole chart: below(us) = us + units with one of us above them."""
    org = config.org
    for picked in (["district-centre"], sorted(org.units)[:3], sorted(org.units)[-5:], []):
        want = {u for u in org.units if u in picked or set(org.up_chain(u)) & set(picked)}
        assert org.below(picked) == want


@given(parents=st.dictionaries(st.sampled_from("abcdefghij"), st.sampled_from("abcdefghijk")))
def test_up_cycles_are_the_cycles_of_the_parent_graph(parents: dict[str, str]) -> None:
    """OrgChart.up_cycles (one walk per unit) finds what a general cycle search finds."""
    from gridops.org.orgchart import OrgChart, Unit

    org = OrgChart(units={u: Unit(u, LOCALITY, u, u, p) for u, p in parents.items()})
    expected = {frozenset(c) for c in nx.simple_cycles(nx.DiGraph(list(parents.items())))}
    found = org.up_cycles()
    assert {frozenset(c) for c in found} == expected and len(found) == len(expected)
    for cycle in found:  # each in its order up
        assert all(parents[a] == b for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True))
