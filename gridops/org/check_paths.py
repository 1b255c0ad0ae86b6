"""The paths part of the totality proof: every rule that *can* match a level-3 cell × category
(the residual rules with time-of-day, source, priority or overlay conditions as well as the
rule certain to match) leads to units that exist, has a deadline, an escalation that ends at
real units (hand up along existing units, a joint group with a lead department) and returns
(退单) that end at the last resort.

Most of this the loaders already refuse in YAML (unknown units, policies, groups, a missing
time limit); the walk restates it for any OpsConfig and adds what they let through: a rule's
joint group that is a unit but no joint-enforcement group, and a ``max_returns`` below 1.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gridops.org.categories import Category
from gridops.org.gridview import codes_and_parents
from gridops.org.orgchart import DEPARTMENT, JOINT_GROUP
from gridops.org.rules import Rule, Target

if TYPE_CHECKING:
    from gridops.org.compiled import Entry
    from gridops.org.config import OpsConfig

Problem = tuple[str, str, str]  # check, subject, message


@dataclass
class Paths:
    """What the walk found: the units each policy may start from, and the problems, each with
    the places (categories, rule × category) where it shows."""

    owners: dict[str, set[str]] = field(default_factory=dict)  # policy → possible owners
    problems: dict[Problem, set[str]] = field(default_factory=dict)
    levels: dict[str, set[int]] = field(default_factory=dict)  # policy → owners' locality levels
    anyone: set[str] = field(default_factory=set)  # policies any unit may start (intake)

    def starts(self, config: OpsConfig, policy: str) -> set[str]:
        """Every unit that may own a ticket escalating under ``policy``."""
        if policy in self.anyone:
            return set(config.org.units)
        org, grid = config.org, config.grid
        found = set(self.owners.get(policy, ()))
        for level in self.levels.get(policy, ()):
            found.update(
                org.locality[code]
                for code, _ in codes_and_parents(grid, level)
                if code in org.locality
            )
        return found


def examples(items: Collection[str], n: int = 3) -> str:
    """The first ``n`` names, sorted, and how many more."""
    items = sorted(items)
    more = f" … (+{len(items) - n})" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def reachable(config: OpsConfig) -> Paths:
    """Walk every (rule, category) pair that can match somewhere, with the level-1 cells where
    it can (the compiled table must be compiled: ``compile_all``)."""
    paths = Paths()
    org = config.org
    groups: dict[int, tuple[Mapping[str, Entry], set[str]]] = {}
    for row in config.table.rows().values():
        groups.setdefault(id(row.entries), (row.entries, set()))[1].add(row.cells[0])
    all_l1 = {c.code for c in config.grid.cells_at(1)}
    every_unit = set(org.units)
    seen: set[tuple[str, str, frozenset[str]]] = set()
    for entries, l1s in groups.values():
        key_l1 = frozenset(l1s)
        for cat, entry in entries.items():
            for rule in (*entry.residual, entry.rule):
                if (rule.id, cat, key_l1) not in seen:
                    seen.add((rule.id, cat, key_l1))
                    _pair(config, paths, rule, config.taxonomy.categories[cat], l1s, every_unit)
    # a point in a level-1 cell only (or in none) takes the default rule and the last resort
    last = _last_resort(config, all_l1)
    for category in config.taxonomy.categories.values():
        _decision(config, paths, config.rules.default, category, last, set(), False)
    return paths


def _last_resort(config: OpsConfig, l1s: Iterable[str]) -> set[str]:
    org = config.org
    return {org.locality[c] for c in l1s if c in org.locality} | {org.centre}


def _pair(
    config: OpsConfig,
    paths: Paths,
    rule: Rule,
    category: Category,
    l1s: set[str],
    every_unit: set[str],
) -> None:
    named: set[str] = set()
    levels: set[int] = set()  # locality levels (their units are the totality check's)
    anyone = False
    for target in rule.targets:
        if target.kind == "intake":  # any unit can receive a report
            anyone = True
        else:
            _units(config, rule, target, category, l1s, named, levels)
    for unit in named - every_unit:
        message = (
            f"a target names unit {unit!r}, which org.yaml does not define; fix the rule's "
            "targets or add the unit"
        )
        _problem(paths, ("target-unit", rule.id, message), category.code)
    owners = (named & every_unit) | _last_resort(config, l1s)
    _decision(config, paths, rule, category, owners, levels, anyone)


def _units(
    config: OpsConfig,
    rule: Rule,
    target: Target,
    category: Category,
    l1s: set[str],
    named: set[str],
    levels: set[int],
) -> None:
    """Add every unit ``target`` can name in these level-1 cells to ``named``, or the level of
    the locality units it can name to ``levels``."""
    org, kind, top = config.org, target.kind, config.grid.levels
    if kind in ("auto", "asset_owner"):
        named |= _overlay_owners(config, rule, None)
        _units(config, rule, Target("department"), category, l1s, named, levels)
        if kind == "auto":
            levels.add(top if category.on_site else max(1, top - 1))
    elif kind == "department":
        named.update(org.branches.get((d, c), d) for d in category.departments for c in l1s)
    elif kind == "on_site":
        if category.on_site:
            levels.add(top)
    elif kind == "locality":
        levels.add(int(target.arg or 1))
    elif kind == "branch":
        named.update(org.branches.get((str(target.arg), c), str(target.arg)) for c in l1s)
    elif kind == "overlay":
        named |= _overlay_owners(config, rule, str(target.arg))
    else:  # unit
        named.add(str(target.arg))


def _overlay_owners(config: OpsConfig, rule: Rule, layer: str | None) -> set[str]:
    """Owners of the overlay cells the rule can see (its overlay condition, ``layer``)."""
    wanted = rule.match.overlays
    return {
        unit
        for (lay, code), unit in config.org.overlay_owners.items()
        if (layer is None or lay == layer)
        and (not wanted or lay in wanted or f"{lay}/{code}" in wanted)
    }


def _decision(
    config: OpsConfig,
    paths: Paths,
    rule: Rule,
    category: Category,
    owners: set[str],
    levels: set[int],
    anyone: bool,
) -> None:
    """Deadline, escalation policy and joint group of ``rule`` for ``category``."""
    where = f"rule {rule.id!r} × category {category.code}"
    if (rule.time_limit or category.time_limit) is None:
        message = (
            f"no time limit for {category.code}: set time_limit on the rule, or on the "
            "category (its class or the defaults of categories.yaml)"
        )
        _problem(paths, ("deadline", rule.id, message), category.code)
    policy = rule.escalation or category.escalation or config.escalation.default
    if policy not in config.escalation.policies:
        message = "is not in escalation.yaml: add the policy or name an existing one"
        _problem(paths, ("escalation", policy, message), where)
    else:
        paths.owners.setdefault(policy, set()).update(owners)
        paths.levels.setdefault(policy, set()).update(levels)
        if anyone:
            paths.anyone.add(policy)
    group = rule.joint_group or category.joint_group
    if group is not None:
        why = _joint_problem(config, group)
        if why:
            _problem(paths, ("joint-group", group, why), where)


def _joint_problem(config: OpsConfig, group: str) -> str:
    """Why escalation to ``group`` (联合执法) would stall; empty when it would not."""
    org = config.org
    unit = org.units.get(group)
    if unit is None:
        return "is not a unit; name a joint_groups entry of org.yaml (jeg-<slug>)"
    if unit.kind != JOINT_GROUP:
        return (
            f"is a {unit.kind} unit, not a joint-enforcement group: escalation to it finds no "
            "member departments; name a joint_groups entry of org.yaml (jeg-<slug>)"
        )
    lead = org.units.get(unit.lead or "")
    if lead is None or lead.kind != DEPARTMENT or unit.lead not in unit.members:
        return (
            f"has no lead department among its members (lead {unit.lead!r}): no completion "
            "would close its tickets; set lead to one of its member departments"
        )
    return ""


def _problem(paths: Paths, problem: Problem, where: str) -> None:
    paths.problems.setdefault(problem, set()).add(where)


def _flatten(config: OpsConfig, name: str, seen: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Policy steps with ``then`` expanded; a missing or looping ``then`` is a ``missing`` step."""
    policy = config.escalation.policies.get(name)
    if policy is None or name in seen:
        return [{"action": "missing", "policy": name}]
    out: list[dict[str, Any]] = []
    for step in policy.steps:
        if step["action"] == "then":
            out.extend(_flatten(config, step["policy"], (*seen, name)))
        else:
            out.append(dict(step))
    return out


def path_problems(config: OpsConfig) -> tuple[Paths, list[Problem]]:
    """The walk and its errors: (check, subject, message) each."""
    paths = reachable(config)
    found = [
        (check, subject, f"{message} (for {examples(where)})")
        for (check, subject, message), where in sorted(paths.problems.items())
    ]
    found += _hand_up(config, paths)
    found += _returns(config)
    return paths, found


def _hand_up(config: OpsConfig, paths: Paths) -> list[Problem]:
    """Each policy's ``hand_up`` steps climb existing units from every owner it can start at."""
    org = config.org
    found: list[Problem] = []
    for policy in sorted(paths.owners):
        steps = _flatten(config, policy)
        for step in steps:
            if step["action"] == "missing":
                found.append(
                    (
                        "escalation",
                        policy,
                        f"'then: {step['policy']}' names no policy of escalation.yaml (or loops); "
                        "fix the step",
                    )
                )
        if not any(s["action"] == "hand_up" for s in steps):
            continue
        broken: dict[str, set[str]] = {}
        for owner in paths.starts(config, policy):
            for unit in org.up_chain(owner):
                if unit not in org.units:
                    broken.setdefault(unit, set()).add(owner)
        for unit, below in sorted(broken.items()):
            found.append(
                (
                    "hand-up",
                    policy,
                    f"'hand up' from {examples(below)} reaches {unit!r}, which org.yaml does not "
                    "define; fix the parent of the unit below it",
                )
            )
    return found


def _returns(config: OpsConfig) -> list[Problem]:
    """After ``max_returns`` returns (退单) the level-1 last resort, else the centre, assigns by
    hand (that every level-1 cell has its unit is the totality check's)."""
    found: list[Problem] = []
    limit = config.rules.max_returns
    if limit < 1:
        found.append(
            (
                "returns",
                "routing.yaml max_returns",
                f"is {limit}: every ticket would go to its sub-centre by hand before any "
                "designated unit sees it; set a whole number, 1 or more",
            )
        )
    if config.org.centre not in config.org.units:
        found.append(
            (
                "returns",
                config.org.centre,
                "the district centre, the last stop of returns, is not a unit; fix org.yaml centre",
            )
        )
    return found
