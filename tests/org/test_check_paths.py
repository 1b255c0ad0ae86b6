"""The paths part of the totality proof: every rule that can match, not only the certain one,
leads to existing units, a deadline, an escalation ending at real units, and returns (退单)
that end at the last resort."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.org import (
    OpsConfig,
    PlainGrid,
    RoutingFacts,
    Target,
    check_config,
    load_ops_config,
    route,
)
from gridops.org.check_paths import reachable
from gridops.org.escalation import Escalation, Policy
from gridops.org.orgchart import DEPARTMENT, JOINT_GROUP
from gridops.settings import DEFAULT_CONFIG_DIR

from .conftest import random_facts

L1 = "310115005"
GW = "gw-310115005001001"


def fresh(grid: PlainGrid) -> OpsConfig:
    """A private copy of the shipped config (unverified), safe to break in place."""
    return load_ops_config(DEFAULT_CONFIG_DIR, grid, verify=False)


def rebuilt(config: OpsConfig, **parts: object) -> OpsConfig:
    """The same config with some of its parts replaced (and a new routing table)."""
    fields = {
        "grid": config.grid,
        "taxonomy": config.taxonomy,
        "org": config.org,
        "rules": config.rules,
        "escalation": config.escalation,
    }
    fields.update(parts)
    return OpsConfig(**fields)  # type: ignore[arg-type]


def with_rule(config: OpsConfig, rule_id: str, **changes: object) -> OpsConfig:
    rules = tuple(replace(r, **changes) if r.id == rule_id else r for r in config.rules.rules)
    return rebuilt(config, rules=replace(config.rules, rules=rules))


def errors(config: OpsConfig, check: str) -> list[tuple[str, str]]:
    return [(f.subject, f.message) for f in check_config(config).errors if f.check == check]


def test_shipped_config_passes_every_path(config: OpsConfig) -> None:
    report = check_config(config)
    assert report.ok, report.errors
    # intake (首问) lets any unit own a grid worker's report: every unit is an escalation start
    assert report.stats["escalation_owners"] == len(config.org.units)


def test_a_dynamic_rule_naming_a_missing_unit_is_an_error(grid: PlainGrid) -> None:
    # the night rule is never the rule certain to match (it tests the hour): the owner-only
    # proof could not see it
    config = with_rule(fresh(grid), "night-construction-noise", targets=(Target("unit", "ghost"),))
    [(subject, message)] = errors(config, "target-unit")
    assert subject == "night-construction-noise"
    assert "'ghost'" in message and "E0301" in message and "fix the rule's targets" in message


def test_a_decision_with_no_deadline_names_rule_and_category(grid: PlainGrid) -> None:
    config = fresh(grid)
    categories = dict(config.taxonomy.categories)
    categories["E0301"] = replace(categories["E0301"], time_limit=None)  # type: ignore[arg-type]
    config = rebuilt(config, taxonomy=replace(config.taxonomy, categories=categories))
    found = errors(config, "deadline")
    # the night rule sets its own limit; the class rule 'construction' does not, nor the
    # default (a point in a level-1 cell only)
    assert sorted(s for s, _ in found) == ["construction", "default"]
    assert all("E0301" in m and "set time_limit" in m for _, m in found)


def test_a_missing_escalation_policy_is_an_error(grid: PlainGrid) -> None:
    config = with_rule(fresh(grid), "night-construction-noise", escalation="ghost-policy")
    [(subject, message)] = errors(config, "escalation")
    assert subject == "ghost-policy"
    assert "night-construction-noise" in message and "E0301" in message


def test_a_then_naming_no_policy_is_an_error(grid: PlainGrid) -> None:
    config = fresh(grid)
    policies = dict(config.escalation.policies)
    steps = (*policies["urgent"].steps[:-1], {"action": "then", "policy": "nowhere"})
    policies["urgent"] = Policy("urgent", "紧急升级", steps)
    config = rebuilt(config, escalation=Escalation(policies, config.escalation.default))
    assert [s for s, _ in errors(config, "escalation")] == ["urgent"]


def test_hand_up_to_a_parent_that_is_no_unit_is_an_error(grid: PlainGrid) -> None:
    config = fresh(grid)
    ws = config.org.units[GW].parent
    assert ws is not None
    config.org.units[ws] = replace(config.org.units[ws], parent="sc-ghost")
    found = errors(config, "hand-up")
    assert [s for s, _ in found] == ["standard"]  # urgent (E04) goes to departments, sub-centres
    assert all("'sc-ghost'" in m and "fix the parent" in m for _, m in found)


def test_rule_joint_group_that_is_no_group_fails_the_load(
    grid: PlainGrid, config_copy: Callable[..., Path]
) -> None:
    # the loader accepts any unit as a rule's joint_group; escalation would find no members
    path = config_copy(
        "routing.yaml", "joint_group: jeg-illegal-construction", "joint_group: dept-housing"
    )
    report = check_config(load_ops_config(path, grid, verify=False))
    [finding] = [f for f in report.errors if f.check == "joint-group"]
    assert finding.subject == "dept-housing"
    assert "not a joint-enforcement group" in finding.message
    assert "illegal-construction" in finding.message
    with pytest.raises(ConfigError, match="joint-group: dept-housing"):
        load_ops_config(path, grid)


def test_joint_group_without_a_lead_department_is_an_error(grid: PlainGrid) -> None:
    config = fresh(grid)
    group = config.org.units["jeg-construction-site"]
    config.org.units[group.id] = replace(group, lead=None)
    found = errors(config, "joint-group")
    assert [s for s, _ in found] == ["jeg-construction-site"]
    assert "no lead department" in found[0][1] and "E0302" in found[0][1]


@pytest.mark.parametrize("value", ["0.5", "0.9"])
def test_max_returns_below_one_fails_the_load(
    grid: PlainGrid, config_copy: Callable[..., Path], value: str
) -> None:
    # read as a positive number, then truncated: 0 would send every ticket to the sub-centre
    path = config_copy("routing.yaml", "max_returns: 2", f"max_returns: {value}")
    assert [s for s, _ in errors(load_ops_config(path, grid, verify=False), "returns")] == [
        "routing.yaml max_returns"
    ]
    with pytest.raises(ConfigError, match="returns: routing.yaml max_returns: is 0"):
        load_ops_config(path, grid)


def test_level1_cell_whose_unit_is_gone_names_the_returns(grid: PlainGrid) -> None:
    config = fresh(grid)
    del config.org.units[f"sc-{L1}"]
    found = [f for f in check_config(config).errors if f.check == "totality"]
    assert [f.subject for f in found] == ["level-1 cells"]
    assert L1 in found[0].message and "returns" in found[0].message


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_routed_ticket_stays_on_the_proved_paths(
    config: OpsConfig, data: st.DataObject
) -> None:
    """What routing does is inside what the proof walked: the owner is a start of the
    decision's policy, the deadline exists, the up-chain and joint group are real."""
    facts: RoutingFacts = data.draw(random_facts(config))
    decision = route(config, facts)
    snapshot = decision.escalation
    starts = reachable(config).starts(config, snapshot["policy"])
    if len(facts.cells) == config.grid.levels:
        assert decision.owner_unit in starts
    assert decision.time_limit is not None
    assert all(unit in config.org.units for unit in snapshot["up_chain"])
    if decision.joint_group:
        group = config.org.units[decision.joint_group]
        assert group.kind == JOINT_GROUP
        assert config.org.units[group.lead or ""].kind == DEPARTMENT
