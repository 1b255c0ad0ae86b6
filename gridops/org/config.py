"""OpsConfig: categories, org graph, routing rules and escalation policies loaded together and
proved total (every level-3 cell × category has an owner) before anything may use them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridops.errors import ConfigError
from gridops.org.categories import Category, Taxonomy, load_categories
from gridops.org.compiled import CompiledTable
from gridops.org.decision import RoutingDecision, RoutingFacts
from gridops.org.engine import explain_rule
from gridops.org.escalation import Escalation, load_escalation
from gridops.org.gridview import GridLike
from gridops.org.orgchart import DEPARTMENT, JOINT_GROUP, OrgChart, load_org
from gridops.org.rules import Rule, RuleBook, load_rules

FILES = ("categories.yaml", "org.yaml", "routing.yaml", "escalation.yaml")


@dataclass
class OpsConfig:
    """Everything routing needs, read-only after load."""

    grid: GridLike
    taxonomy: Taxonomy
    org: OrgChart
    rules: RuleBook
    escalation: Escalation
    config_dir: Path | None = None
    table: CompiledTable = field(init=False, repr=False)
    _snapshots: dict[tuple[str, str, str | None], dict[str, Any]] = field(
        init=False, repr=False, default_factory=dict
    )
    _explained: dict[tuple[str, str], tuple[str, ...]] = field(
        init=False, repr=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self.table = CompiledTable(self)

    def explained(self, rule: Rule, category: Category) -> tuple[str, ...]:
        """:func:`~gridops.org.engine.explain_rule`, remembered per (rule, category): the same
        few sentences open every decision of that pair (a routing miss built them each time)."""
        key = (rule.id, category.code)
        found = self._explained.get(key)
        if found is None:
            found = self._explained[key] = explain_rule(self, rule, category)
        return found

    def snapshot(self, policy: str, owner: str, joint_group: str | None) -> dict[str, Any]:
        """The escalation snapshot for ``owner`` (shared between decisions: do not mutate)."""
        key = (policy, owner, joint_group)
        snap = self._snapshots.get(key)
        if snap is None:
            up = self.org.up_chain(owner)
            snap = self._snapshots[key] = self.escalation.snapshot(
                policy, up_chain=up, joint_group=joint_group
            )
        return snap


def load_ops_config(config_dir: Path | str, grid: GridLike, *, verify: bool = True) -> OpsConfig:
    """Load and cross-check the four configuration files against ``grid``.

    With ``verify`` (the default) the totality proof of ``gridops config check`` runs too and
    its errors raise ConfigError, so a service cannot start on a config that fails it; the
    routing table is compiled as a side effect.
    """
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        raise ConfigError(f"{config_dir}: configuration directory not found")
    escalation = load_escalation(config_dir / "escalation.yaml")
    org = load_org(config_dir / "org.yaml", grid)
    taxonomy = load_categories(
        config_dir / "categories.yaml",
        departments=[u.id for u in org.of_kind(DEPARTMENT)],
        joint_groups=[u.id for u in org.of_kind(JOINT_GROUP)],
        policies=escalation.policies,
    )
    rules = load_rules(
        config_dir / "routing.yaml",
        taxonomy=taxonomy,
        org=org,
        grid=grid,
        policies=escalation.policies,
    )
    config = OpsConfig(grid, taxonomy, org, rules, escalation, config_dir)
    if verify:
        from gridops.org.check import check_config

        report = check_config(config)
        if report.errors:
            first = report.errors[0]
            more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
            raise ConfigError(
                f"{config_dir}: {first.check}: {first.subject}: {first.message}{more}; "
                "run 'gridops config check' for the full report"
            )
    return config


def route(config: OpsConfig, facts: RoutingFacts) -> RoutingDecision:
    """Route a ticket: the owner unit, candidates, deadline rule, joint group, escalation
    snapshot, matched rule and reasons. A dictionary lookup in the compiled table."""
    return config.table.route(facts)
