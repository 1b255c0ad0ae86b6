"""Routing rules (routing.yaml): ordered, first match wins, an explicit default catches the rest.

A rule matches on category or class, kind, cell (any level), overlay, source, time of day and
priority, and names its targets in order — the units tried first to last:

- ``auto``: 先属主后属地 for components (asset owner, then locality), 先属地后属主 for events;
- ``asset_owner``: the owner of the overlay the point is in, then ``department``;
- ``department``: the category's departments' branches covering the cell (else headquarters);
- ``locality: N``: the locality's unit at level N; ``on_site``: the grid-worker post when the
  category may be resolved on site; ``branch: dept-x``; ``overlay: layer``; ``unit: id``;
- ``intake``: the unit that received the report (首问责任制).

The last-resort units (the level-1 sub-centre, then the district centre) always follow.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from gridops.org.categories import PRIORITIES, Taxonomy, read_time_limit
from gridops.org.gridview import GridLike
from gridops.org.orgchart import DEPARTMENT, OrgChart
from gridops.tickets.vocabulary import Kind, Source, TimeLimit
from gridops.yamlconfig import Node, check_ref, read_yaml

WORD_TARGETS = ("auto", "asset_owner", "department", "on_site", "intake")
KEYED_TARGETS = ("locality", "branch", "overlay", "unit")
MATCH_KEYS = ("category", "class", "kind", "cells", "overlays", "sources", "hours", "priorities")


@dataclass(frozen=True)
class Target:
    """One target spec: ``kind`` is a word of WORD_TARGETS/KEYED_TARGETS, ``arg`` its value."""

    kind: str
    arg: str | int | None = None

    def __str__(self) -> str:
        return self.kind if self.arg is None else f"{self.kind}: {self.arg}"


@dataclass(frozen=True)
class Match:
    """Conditions of a rule; an empty condition matches anything."""

    categories: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    kind: Kind | None = None
    cells: frozenset[str] = frozenset()
    overlays: frozenset[str] = frozenset()  # "layer" or "layer/code"
    sources: frozenset[Source] = frozenset()
    hours: tuple[time, time] | None = None  # [start, end), may wrap past midnight
    priorities: frozenset[str] = frozenset()

    @property
    def static(self) -> bool:
        """True when only category/class/kind/cell decide (precompilable by cell × category)."""
        return not (self.overlays or self.sources or self.hours or self.priorities)

    def describe(self) -> str:
        parts = []
        for name in ("categories", "classes", "cells", "overlays", "sources", "priorities"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name} {'/'.join(sorted(str(v) for v in values))}")
        if self.kind:
            parts.append(f"kind {self.kind.value}")
        if self.hours:
            parts.append(f"hours {self.hours[0]:%H:%M}-{self.hours[1]:%H:%M}")
        return ", ".join(parts) or "anything"


@dataclass(frozen=True)
class Rule:
    """One routing rule."""

    id: str
    description: str
    match: Match
    targets: tuple[Target, ...]
    pool: str | None = None  # the assignee pool inside the owner unit (a role)
    joint_group: str | None = None
    escalation: str | None = None
    time_limit: TimeLimit | None = None
    position: int = 0  # index in the file; the default rule is last
    zh: str = ""  # what it does, for people: in Chinese and in English (optional)
    en: str = ""


@dataclass(frozen=True)
class RuleBook:
    """The ordered rules, the default, and how many returns (退单) before manual assignment."""

    rules: tuple[Rule, ...]
    default: Rule
    max_returns: int

    @property
    def all(self) -> tuple[Rule, ...]:
        return (*self.rules, self.default)


def load_rules(
    path: Path,
    *,
    taxonomy: Taxonomy,
    org: OrgChart,
    grid: GridLike,
    policies: Collection[str],
) -> RuleBook:
    """Read routing.yaml, resolving every reference against the taxonomy, org and grid."""
    root = Node(read_yaml(path), path).mapping(
        {"max_returns", "rules", "default"}, {"rules", "default"}
    )
    max_returns = int(root.number("max_returns", 2))
    rules: list[Rule] = []
    ids: set[str] = set()
    ctx = (taxonomy, org, grid, policies)
    for i, node in enumerate(root.child("rules").seq()):
        rule = _rule(node, i, *ctx)
        if rule.id in ids:
            raise node.error(f"duplicate rule id {rule.id!r}", "id")
        ids.add(rule.id)
        rules.append(rule)
    dnode = root.child("default")
    if dnode.has("match"):
        raise dnode.error("the default rule matches everything: remove its 'match'", "match")
    default = _rule(dnode, len(rules), *ctx)
    if default.id in ids:
        raise dnode.error(f"duplicate rule id {default.id!r}", "id")
    return RuleBook(tuple(rules), default, max_returns)


def _rule(
    node: Node,
    position: int,
    taxonomy: Taxonomy,
    org: OrgChart,
    grid: GridLike,
    policies: Collection[str],
) -> Rule:
    node.mapping(
        {"id", "description", "zh", "en", "match", "targets", "pool", "joint_group"}
        | {"escalation", "time_limit"},
        {"id", "targets"},
    )
    group = node.opt_text("joint_group")
    if group is not None:
        check_ref(node, "joint_group", group, org.units, "joint group")
    policy = node.opt_text("escalation")
    if policy is not None:
        check_ref(node, "escalation", policy, policies, "escalation policy")
    return Rule(
        id=node.text("id"),
        description=node.text("description", ""),
        match=_match(node.child("match"), taxonomy, grid) if node.has("match") else Match(),
        targets=tuple(_target(t, org, grid) for t in node.child("targets").seq()),
        pool=node.opt_text("pool"),
        joint_group=group,
        escalation=policy,
        time_limit=read_time_limit(node, "time_limit") if node.has("time_limit") else None,
        position=position,
        zh=node.text("zh", ""),
        en=node.text("en", ""),
    )


def _match(node: Node, taxonomy: Taxonomy, grid: GridLike) -> Match:
    node.mapping(MATCH_KEYS)
    for code in node.texts("category"):
        check_ref(node, "category", code, taxonomy.categories, "category")
    for code in node.texts("class"):
        check_ref(node, "class", code, taxonomy.classes, "category class")
    for code in node.texts("cells"):
        check_ref(node, "cells", code, grid.cells, "grid cell")
    for spec in node.texts("overlays"):
        layer, _, code = spec.partition("/")
        check_ref(node, "overlays", layer, grid.overlays, "overlay layer")
        if code:
            known = {c.code for c in grid.overlays[layer]}
            check_ref(node, "overlays", code, known, f"cell of overlay layer {layer!r}")
    for source in node.texts("sources"):
        check_ref(node, "sources", source, [s.value for s in Source], "source")
    for priority in node.texts("priorities"):
        check_ref(node, "priorities", priority, PRIORITIES, "priority")
    kind = node.choice("kind", [k.value for k in Kind]) if node.has("kind") else None
    return Match(
        categories=frozenset(node.texts("category")),
        classes=frozenset(node.texts("class")),
        kind=Kind(kind) if kind else None,
        cells=frozenset(node.texts("cells")),
        overlays=frozenset(node.texts("overlays")),
        sources=frozenset(Source(s) for s in node.texts("sources")),
        hours=_hours(node) if node.has("hours") else None,
        priorities=frozenset(node.texts("priorities")),
    )


def _hours(node: Node) -> tuple[time, time]:
    text = node.text("hours")
    try:
        start, end = (time.fromisoformat(p.strip()) for p in text.split("-"))
    except ValueError:
        raise node.error(f"expected 'HH:MM-HH:MM', got {text!r}", "hours") from None
    if start == end:
        raise node.error(f"empty time window {text!r}", "hours")
    return start, end


def _target(node: Node, org: OrgChart, grid: GridLike) -> Target:
    if isinstance(node.value, str):
        if node.value not in WORD_TARGETS:
            raise node.error(
                f"unknown target {node.value!r}; one of {', '.join(WORD_TARGETS)} "
                f"or a mapping with one of {', '.join(KEYED_TARGETS)}"
            )
        return Target(node.value)
    node.mapping(KEYED_TARGETS)
    if not isinstance(node.value, dict) or len(node.value) != 1:
        raise node.error(f"a target mapping has exactly one of: {', '.join(KEYED_TARGETS)}")
    kind = next(iter(node.value))
    if kind == "locality":
        level = int(node.number("locality"))
        if not 1 <= level <= grid.levels:
            raise node.error(f"no grid level {level} (1..{grid.levels})", "locality")
        return Target(kind, level)
    value = node.text(kind)
    if kind == "branch":
        depts = [u.id for u in org.of_kind(DEPARTMENT)]
        check_ref(node, "branch", value, depts, "department")
    elif kind == "overlay":
        check_ref(node, "overlay", value, grid.overlays, "overlay layer")
    else:
        check_ref(node, "unit", value, org.units, "unit")
    return Target(kind, value)
