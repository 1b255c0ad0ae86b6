"""gridops.org: responsibility routing — categories, the organisation graph, routing rules,
escalation policies, the pure routing engine and the totality proof (pure after load)."""

from gridops.org.categories import PRIORITIES, Category, CategoryClass, Taxonomy
from gridops.org.check import CheckReport, Finding, check_config
from gridops.org.config import OpsConfig, load_ops_config, route
from gridops.org.decision import RoutingDecision, RoutingFacts
from gridops.org.engine import evaluate
from gridops.org.escalation import (
    Escalation,
    EscalationState,
    EscalationStep,
    Policy,
    next_escalation_step,
)
from gridops.org.gridview import CellLike, GridLike, PlainCell, PlainGrid
from gridops.org.orgchart import OrgChart, Unit
from gridops.org.rules import Match, Rule, RuleBook, Target

__all__ = [
    "PRIORITIES",
    "CellLike",
    "Category",
    "CategoryClass",
    "CheckReport",
    "Escalation",
    "EscalationState",
    "EscalationStep",
    "Finding",
    "GridLike",
    "Match",
    "OpsConfig",
    "OrgChart",
    "PlainCell",
    "PlainGrid",
    "Policy",
    "RoutingDecision",
    "RoutingFacts",
    "Rule",
    "RuleBook",
    "Target",
    "Taxonomy",
    "Unit",
    "check_config",
    "evaluate",
    "load_ops_config",
    "next_escalation_step",
    "route",
]
