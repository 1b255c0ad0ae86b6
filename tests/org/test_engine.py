"""Rule evaluation: owner order by kind, responsibility principles, returns (退单), edge cells."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import UserError
from gridops.org import OpsConfig, RoutingFacts, evaluate, route
from gridops.org.engine import designated_owner, plain_owner, shape
from gridops.org.gridview import lineage
from gridops.tickets.vocabulary import ClockType, Source, TimeLimit

LJZ = ("310115005", "310115005001", "310115005001002")  # 陆家嘴 Lujiazui
ZJ = ("310115125", "310115125002", "310115125002003")  # 张江镇 Zhangjiang


def test_event_goes_to_the_locality_first(config: OpsConfig) -> None:
    d = route(config, RoutingFacts("E0102", ZJ))  # 暴露垃圾, fixable on site
    assert d.owner_unit == "gw-310115125002003"
    assert d.candidates == (
        "gw-310115125002003",
        "dept-greening@310115125",
        "sc-310115125",
        "district-centre",
    )
    assert d.time_limit == TimeLimit(4, ClockType.WORKING_HOURS)
    assert any("先属地后属主" in r for r in d.reasons)
    assert not d.manual


def test_component_goes_to_the_asset_owner_first(config: OpsConfig) -> None:
    d = route(config, RoutingFacts("C0101", ZJ))  # 上水井盖
    assert d.candidates[:2] == ("dept-water@310115125", "ws-310115125002")
    assert any("先属主后属地" in r for r in d.reasons)


def test_overlay_owner_is_the_asset_owner(config: OpsConfig) -> None:
    facts = RoutingFacts("C0209", ZJ, overlays=(("expressway", "outer-ring"),))
    d = route(config, facts)
    assert d.owner_unit == "roadco-outer-ring"
    assert d.rule_id == "expressway-assets"


def test_designated_rule_names_unit_and_joint_group(config: OpsConfig) -> None:
    d = route(config, RoutingFacts("E0101", LJZ))  # 违法搭建
    assert d.rule_id == "illegal-construction"
    assert d.owner_unit == "dept-law-enforcement@310115005"
    assert d.joint_group == "jeg-illegal-construction"
    assert d.time_limit == TimeLimit(20, ClockType.WORKING_DAYS)
    assert any("指定责任制" in r for r in d.reasons)


def test_cell_rule_applies_only_inside_its_cell(config: OpsConfig) -> None:
    assert route(config, RoutingFacts("E0504", LJZ)).rule_id == "lujiazui-street-order"
    assert route(config, RoutingFacts("E0504", ZJ)).rule_id == "street-order"


def test_time_of_day_rule(config: OpsConfig) -> None:
    night = route(config, RoutingFacts("E0301", ZJ, local_time=time(23, 30)))
    day = route(config, RoutingFacts("E0301", ZJ, local_time=time(10, 0)))
    assert night.rule_id == "night-construction-noise"
    assert night.time_limit == TimeLimit(2, ClockType.HOURS)
    assert day.rule_id == "construction"


def test_first_contact_grid_worker_keeps_the_ticket(config: OpsConfig) -> None:
    facts = RoutingFacts("E0201", LJZ, source=Source.GRID_WORKER, intake_unit="gw-310115005002001")
    d = route(config, facts)
    assert d.rule_id == "grid-worker-on-site"
    assert d.owner_unit == "gw-310115005002001"
    assert d.follow_up_unit == "gw-310115005002001"
    assert d.pool == "grid_worker"


def test_point_in_level_one_only_goes_to_its_sub_centre(config: OpsConfig) -> None:
    d = route(config, RoutingFacts("E0102", ("310115005",)))
    assert d.owner_unit == "sc-310115005"
    assert d.manual
    assert any("in no level-2 cell" in r for r in d.reasons)


def test_point_outside_every_cell_goes_to_the_district_centre(config: OpsConfig) -> None:
    d = route(config, RoutingFacts("E0102", ()))
    assert d.owner_unit == "district-centre"
    assert d.manual


def test_return_goes_to_the_next_candidate_never_back(config: OpsConfig) -> None:
    first = route(config, RoutingFacts("E0102", ZJ))
    second = route(config, RoutingFacts("E0102", ZJ, returned_by=frozenset({first.owner_unit})))
    assert second.owner_unit == first.candidates[1]
    assert first.owner_unit not in second.candidates


def test_too_many_returns_go_to_the_sub_centre_by_hand(config: OpsConfig) -> None:
    returned = frozenset({"gw-310115125002003", "dept-greening@310115125"})
    d = route(config, RoutingFacts("E0102", ZJ, returned_by=returned))
    assert config.rules.max_returns == 2
    assert d.owner_unit == "sc-310115125"
    assert d.manual
    assert not returned & set(d.candidates)


def test_unknown_category_is_a_user_error(config: OpsConfig) -> None:
    with pytest.raises(UserError, match="E9999"):
        route(config, RoutingFacts("E9999", ZJ))


@given(data=st.data())
def test_every_ticket_has_an_owner_never_one_that_returned_it(
    config: OpsConfig, facts: st.SearchStrategy[RoutingFacts], data: st.DataObject
) -> None:
    f = data.draw(facts)
    d = evaluate(config, f)
    assert d.owner_unit in config.org.units
    assert d.candidates[0] == d.owner_unit
    assert len(set(d.candidates)) == len(d.candidates)
    if d.owner_unit != "district-centre":
        assert d.owner_unit not in f.returned_by
    assert not f.returned_by & set(d.candidates[1:])
    assert d.reasons


@given(data=st.data())
def test_the_plain_owner_is_the_designated_owner_and_reads_only_what_it_names(
    config: OpsConfig, data: st.DataObject
) -> None:
    """engine.plain_owner: for plain facts it gives the designated owner, and lineages equal at
    the positions it names have that owner whatever the other positions hold (the totality
    proof decides once per such value)."""
    rules = [*config.rules.all, config.rules.default]
    rule = data.draw(st.sampled_from(rules))
    category = data.draw(st.sampled_from(sorted(config.taxonomy.categories.values(), key=str)))
    level3 = sorted(c.code for c in config.grid.cells_at(config.grid.levels))
    one, other = (lineage(config.grid, data.draw(st.sampled_from(level3))) for _ in range(2))
    owner = designated_owner(config, rule, RoutingFacts("", one), category)
    plain = plain_owner(config, rule, category)
    assert (plain.of(config, one) if plain else None) == owner
    at = plain.at if plain else ()
    mixed = tuple(one[i] if i in at else other[i] for i in range(config.grid.levels))
    assert designated_owner(config, rule, RoutingFacts("", mixed), category) == owner


@given(data=st.data())
def test_categories_of_one_shape_have_one_owner(config: OpsConfig, data: st.DataObject) -> None:
    """engine.shape: what resolve reads of a category; two of one shape, one owner."""
    rule = data.draw(st.sampled_from([*config.rules.all, config.rules.default]))
    cats = sorted(config.taxonomy.categories.values(), key=str)
    one = data.draw(st.sampled_from(cats))
    alike = [c for c in cats if shape(c) == shape(one)]
    other = data.draw(st.sampled_from(alike))
    level3 = sorted(c.code for c in config.grid.cells_at(config.grid.levels))
    facts = RoutingFacts("", lineage(config.grid, data.draw(st.sampled_from(level3))))
    assert designated_owner(config, rule, facts, one) == designated_owner(
        config, rule, facts, other
    )
