"""Rule evaluation: match the facts against the ordered rules, resolve the winner's targets to
units, and explain the result (three responsibility principles: 首问 first-contact, 指定
designated, 末位/属地兜底 last resort). Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gridops.errors import UserError
from gridops.org.categories import Category
from gridops.org.decision import RoutingDecision, RoutingFacts
from gridops.org.rules import Match, Rule, Target
from gridops.tickets.vocabulary import Kind

if TYPE_CHECKING:
    from gridops.org.config import OpsConfig


def category_of(config: OpsConfig, code: str) -> Category:
    """The category ``code``; an unknown code is the caller's mistake."""
    try:
        return config.taxonomy.categories[code]
    except KeyError:
        raise UserError(f"unknown category {code!r}; see config/categories.yaml") from None


def static_ok(match: Match, category: Category, cells: Iterable[str]) -> bool:
    """The conditions decided by category and cell alone."""
    if match.categories and category.code not in match.categories:
        return False
    if match.classes and category.class_code not in match.classes:
        return False
    if match.kind is not None and category.kind is not match.kind:
        return False
    return not match.cells or not match.cells.isdisjoint(cells)


def dynamic_ok(match: Match, facts: RoutingFacts, category: Category) -> bool:
    """The conditions that depend on the report: overlay, source, time of day, priority."""
    if match.overlays and not any(
        layer in match.overlays or f"{layer}/{code}" in match.overlays
        for layer, code in facts.overlays
    ):
        return False
    if match.sources and facts.source not in match.sources:
        return False
    if match.priorities and (facts.priority or category.priority) not in match.priorities:
        return False
    if match.hours is not None:
        now = facts.local_time
        if now is None:
            return False
        start, end = match.hours
        inside = start <= now < end if start < end else (now >= start or now < end)
        if not inside:
            return False
    return True


def first_match(config: OpsConfig, facts: RoutingFacts, category: Category) -> Rule:
    """The first rule whose conditions all hold (the default when none does)."""
    for rule in config.rules.rules:
        if static_ok(rule.match, category, facts.cells) and dynamic_ok(rule.match, facts, category):
            return rule
    return config.rules.default


def evaluate(config: OpsConfig, facts: RoutingFacts) -> RoutingDecision:
    """Route by evaluating every rule in order (the reference the compiled table must equal)."""
    category = category_of(config, facts.category)
    if len(known_prefix(config, facts.cells)) < config.grid.levels:
        return decide(config, config.rules.default, facts, category)
    return decide(config, first_match(config, facts, category), facts, category)


_ASSET_OWNER, _DEPARTMENT = Target("asset_owner"), Target("department")  # made once


def resolve(
    config: OpsConfig, target: Target, facts: RoutingFacts, category: Category
) -> list[str]:
    """The units a target names for these facts, in order (possibly none)."""
    org, cells, levels = config.org, facts.cells, config.grid.levels
    kind = target.kind
    if kind == "auto":
        owner = resolve(config, _ASSET_OWNER, facts, category)
        local = _local(config, facts, category)
        return owner + local if category.kind is Kind.COMPONENT else local + owner
    if kind == "asset_owner":
        owners = [org.overlay_owners.get(o) for o in facts.overlays]
        return [u for u in owners if u] + resolve(config, _DEPARTMENT, facts, category)
    if kind == "department":
        return [org.branches.get((d, cells[0]), d) for d in category.departments]
    if kind == "on_site":
        return [org.locality[cells[levels - 1]]] if category.on_site else []
    if kind == "locality":
        assert isinstance(target.arg, int)
        return [org.locality[cells[target.arg - 1]]]
    if kind == "branch":
        assert isinstance(target.arg, str)
        return [org.branches.get((target.arg, cells[0]), target.arg)]
    if kind == "overlay":
        found = (org.overlay_owners.get(o) for o in facts.overlays if o[0] == target.arg)
        return [u for u in found if u]
    if kind == "intake":
        intake = facts.intake_unit
        return [intake] if intake is not None and intake in org.units else []
    assert kind == "unit" and isinstance(target.arg, str)
    return [target.arg]


def designated_owner(
    config: OpsConfig, rule: Rule, facts: RoutingFacts, category: Category
) -> str | None:
    """The first unit ``rule``'s targets name for ``facts``; None means last resort."""
    for target in rule.targets:
        units = resolve(config, target, facts, category)
        if units:
            return units[0]
    return None


def shape(category: Category) -> tuple[object, ...]:
    """What :func:`resolve` reads of a category: categories of one shape have the same
    designated owner under the same rule and cells."""
    return (category.kind, category.on_site, tuple(category.departments))


@dataclass(frozen=True)
class PlainOwner:
    """The designated owner for plain facts as a function of the lineage: a department's
    branch in the level-1 cell, the locality unit of one level's cell, or a named unit.
    Equal values are one function (the totality proof decides each once)."""

    kind: str  # branch | locality | unit
    arg: str | int  # the department, the level, the unit

    @property
    def at(self) -> tuple[int, ...]:
        """The positions of the lineage (0: level 1) the owner depends on."""
        if self.kind == "unit":
            return ()
        return (int(self.arg) - 1,) if self.kind == "locality" else (0,)

    def of(self, config: OpsConfig, cells: tuple[str, ...]) -> str:
        """The owner for the lineage ``cells``."""
        if self.kind == "branch":
            return config.org.branches.get((str(self.arg), cells[0]), str(self.arg))
        if self.kind == "locality":
            return config.org.locality[cells[int(self.arg) - 1]]
        return str(self.arg)


def plain_owner(config: OpsConfig, rule: Rule, category: Category) -> PlainOwner | None:
    """:func:`designated_owner` for plain facts (no overlay, intake unit or return), as a
    function of the lineage; None: no target names a unit (the last resort). Lets the totality
    proof decide once per distinct value of what it reads, not per level-3 cell (a property
    test checks it against :func:`designated_owner`)."""
    for target in rule.targets:
        kind, arg = target.kind, target.arg
        if kind == "auto":  # 先属主后属地 for components, 先属地后属主 for events
            owned = category.kind is Kind.COMPONENT and category.departments
            kind, arg = (
                ("department", None) if owned else ("locality", _local_level(config, category))
            )
        elif kind == "on_site" and category.on_site:
            kind, arg = "locality", config.grid.levels
        if kind in ("department", "asset_owner") and category.departments:
            kind, arg = "branch", category.departments[0]  # plain facts: no overlay owner
        if kind in ("branch", "locality", "unit"):
            assert arg is not None
            return PlainOwner(kind, arg)
        # overlay, intake (plain facts have neither), on_site off site, no department: next
    return None


def _local_level(config: OpsConfig, category: Category) -> int:
    """The level of ``auto``'s locality: the grid-worker post's if the category may be fixed
    on site, else the level above it (the workstation)."""
    levels = config.grid.levels
    return levels if category.on_site else max(1, levels - 1)


def _local(config: OpsConfig, facts: RoutingFacts, category: Category) -> list[str]:
    """The locality part of ``auto``: the grid-worker post if it may be fixed on site, else the
    level above it (the workstation)."""
    return [config.org.locality[facts.cells[_local_level(config, category) - 1]]]


def known_prefix(config: OpsConfig, cells: tuple[str, ...]) -> tuple[str, ...]:
    """The cells from level 1 down to the first gap ("" or a code the grid lacks): a point in
    a level-3 cell that lies in no level-2 cell is routed as one in its level-1 cell alone."""
    out = []
    for code in cells:
        if code not in config.grid.cells:
            break
        out.append(code)
    return tuple(out)


def explain_rule(config: OpsConfig, rule: Rule, category: Category) -> tuple[str, ...]:
    """Why ``rule`` applies to ``category``: the reasons that depend on nothing else."""
    which = "default rule" if rule is config.rules.default else f"rule {rule.id!r}"
    reasons = [f"{which} matched: {rule.description or rule.match.describe()}"]
    if any(t.kind == "auto" for t in rule.targets):
        reasons.append(
            f"{category.code} {category.zh} is a component: asset owner first, then "
            "locality (先属主后属地)"
            if category.kind is Kind.COMPONENT
            else f"{category.code} {category.zh} is an event: locality first, then owner "
            "(先属地后属主)"
        )
    return tuple(reasons)


def decide(
    config: OpsConfig, rule: Rule, facts: RoutingFacts, category: Category
) -> RoutingDecision:
    """Build the decision for ``rule`` (already known to match) and ``facts``."""
    org, levels = config.org, config.grid.levels
    cells = known_prefix(config, facts.cells)
    reasons: list[str] = []
    last_resort: list[str] = []
    if cells:
        last_resort.append(org.locality[cells[0]])
    last_resort.append(org.centre)
    designated: list[str] = []
    if not cells:
        rule = config.rules.default
        reasons.append("the point is outside every level-1 cell: the district centre assigns it")
    elif len(cells) < levels:
        rule = config.rules.default
        reasons.append(
            f"the point is inside level-1 cell {cells[0]} but in no level-{len(cells) + 1} cell:"
            f" its sub-centre {last_resort[0]} assigns it (属地兜底)"
        )
    else:
        full = facts if cells == facts.cells else replace(facts, cells=cells)
        reasons.extend(config.explained(rule, category))
        for target in rule.targets:
            designated.extend(resolve(config, target, full, category))
    candidates = list(dict.fromkeys([*designated, *last_resort]))
    returned = facts.returned_by
    if returned:
        reasons.append(f"returned (退单) by {', '.join(sorted(returned))}: not sent back there")
        candidates = [u for u in candidates if u not in returned] or [org.centre]
    manual = False
    if len(returned) >= config.rules.max_returns:
        owner = next((u for u in last_resort if u not in returned), org.centre)
        reasons.append(
            f"{len(returned)} returns reach the limit of {config.rules.max_returns}: "
            f"{owner} assigns it by hand"
        )
        manual = True
    else:
        owner = candidates[0]
        if owner in last_resort and owner not in designated:
            manual = True
            if cells and len(cells) == levels:
                reasons.append(f"no designated unit: last resort {owner} (末位责任制)")
        else:
            reasons.append(f"designated owner (指定责任制): {org.units[owner].label}")
    candidates = [owner, *(u for u in candidates if u != owner)]
    follow_up = facts.intake_unit if facts.intake_unit in org.units else last_resort[0]
    reasons.append(f"follow-up (首问责任制): {follow_up}")
    joint_group = rule.joint_group or category.joint_group
    policy = rule.escalation or category.escalation or config.escalation.default
    return RoutingDecision(
        owner_unit=owner,
        candidates=tuple(candidates),
        time_limit=rule.time_limit or category.time_limit,
        joint_group=joint_group,
        escalation=config.snapshot(policy, owner, joint_group),
        rule_id=rule.id,
        reasons=tuple(reasons),
        manual=manual,
        category=category.code,
        pool=rule.pool,
        follow_up_unit=follow_up,
    )
