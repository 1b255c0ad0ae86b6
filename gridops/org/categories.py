"""The category taxonomy (部件 components / 事件 events): classes (大类) and categories (小类).

Codes carry the kind letter so component and event codes never collide: ``C0101`` 上水井盖,
``E0102`` 暴露垃圾; classes are ``C01``, ``E01``. A category inherits any field it does not set
from its class, and the class from the file's ``defaults``; ``verify_limit`` (the deadline of a
verification task, 核实时限) falls back to :data:`DEFAULT_VERIFY_LIMIT` when none of them sets it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from gridops.tickets.vocabulary import ClockType, Kind, TimeLimit
from gridops.yamlconfig import Node, check_ref, read_yaml

PRIORITIES = ("low", "normal", "high", "urgent")
"""Ticket priorities, lowest first."""
DEFAULT_VERIFY_LIMIT = TimeLimit(1, ClockType.WORKING_DAYS)
"""A verification task's deadline when categories.yaml sets none: the reference's "verify task
24 h", counted on the work calendar so that a report on a Friday evening is not overdue before
the grid workers' next shift."""

_INHERITED = (
    "departments",
    "time_limit",
    "on_site",
    "verify_public",
    "verify_limit",
    "joint_group",
    "priority",
    "duplicate_radius_m",
    "duplicate_window_h",
    "escalation",
    "presence_radius_m",
    "photos_before_after",
)


@dataclass(frozen=True)
class Category:
    """One 小类: what it is, who owns it by default and how fast it must be handled."""

    code: str
    kind: Kind
    class_code: str
    zh: str
    en: str
    departments: tuple[str, ...]  # default owning departments, ``dept-<slug>``
    time_limit: TimeLimit
    on_site: bool  # a grid worker may resolve it on the spot
    verify_public: bool  # public reports are verified (核实) before registration
    joint_group: str | None  # ``jeg-<slug>`` when it needs joint enforcement (联合执法)
    priority: str
    duplicate_radius_m: float
    duplicate_window_h: float
    escalation: str | None  # escalation policy name; None → the routing default
    verify_limit: TimeLimit = DEFAULT_VERIFY_LIMIT  # the verification task's deadline (核实时限)
    presence_radius_m: float = 200.0  # a field move farther than this from the point is "far"
    photos_before_after: bool = False  # done needs photos before (处置前) and after (处置后)

    @property
    def label(self) -> str:
        return f"{self.code} {self.zh} ({self.en})"


@dataclass(frozen=True)
class CategoryClass:
    """One 大类."""

    code: str
    kind: Kind
    zh: str
    en: str


@dataclass(frozen=True)
class Taxonomy:
    """All classes and categories by code."""

    classes: Mapping[str, CategoryClass]
    categories: Mapping[str, Category]

    def __getitem__(self, code: str) -> Category:
        return self.categories[code]


def escalation_group(category: Category | None, decided: str | None = None) -> str | None:
    """The joint-enforcement group (联合执法) to suggest when a ticket of ``category`` is
    escalated by hand: the one its routing decision named (a rule may name its own), else the
    category's (or its class's); None when neither names one — then nothing is preselected."""
    return decided or (category.joint_group if category is not None else None)


def load_categories(
    path: Path,
    *,
    departments: Collection[str],
    joint_groups: Collection[str],
    policies: Collection[str],
) -> Taxonomy:
    """Read categories.yaml, checking references to departments, groups and policies."""
    root = Node(read_yaml(path), path).mapping({"defaults", "classes"}, {"classes"})
    defaults = root.child("defaults")
    if defaults.value is None:
        defaults = Node({}, path, "defaults")
    defaults.mapping(_INHERITED)
    classes: dict[str, CategoryClass] = {}
    categories: dict[str, Category] = {}
    for cnode in root.child("classes").seq():
        cnode.mapping({"code", "kind", "zh", "en", "categories", *_INHERITED}, {"code", "kind"})
        kind = Kind(cnode.choice("kind", [k.value for k in Kind]))
        ccode = cnode.text("code")
        if not (ccode.startswith(kind.letter) and len(ccode) == 3 and ccode[1:].isdigit()):
            raise cnode.error(f"class code {ccode!r} must be {kind.letter} + 2 digits", "code")
        if ccode in classes:
            raise cnode.error(f"duplicate class code {ccode!r}", "code")
        classes[ccode] = CategoryClass(ccode, kind, cnode.text("zh"), cnode.text("en"))
        for node in cnode.child("categories").seq():
            node.mapping({"code", "zh", "en", *_INHERITED}, {"code", "zh", "en"})
            code = node.text("code")
            if not (code.startswith(ccode) and len(code) in (5, 6) and code[1:].isdigit()):
                raise node.error(f"category code {code!r} must be {ccode} + 2 or 3 digits", "code")
            if code in categories:
                raise node.error(f"duplicate category code {code!r}", "code")
            categories[code] = _category(
                node, cnode, defaults, code, kind, ccode, departments, joint_groups, policies
            )
    if not categories:
        raise root.error("no categories defined", "classes")
    return Taxonomy(classes, categories)


def _category(
    node: Node,
    cls: Node,
    defaults: Node,
    code: str,
    kind: Kind,
    class_code: str,
    departments: Collection[str],
    joint_groups: Collection[str],
    policies: Collection[str],
) -> Category:
    def source(key: str) -> Node:
        for n in (node, cls, defaults):
            if n.has(key):
                return n
        return node

    depts = source("departments").texts("departments")
    for dept in depts:
        check_ref(source("departments"), "departments", dept, departments, "department")
    if not depts:
        raise node.error("no owning department (set departments here or on the class)")
    group = source("joint_group").opt_text("joint_group")
    if group is not None:
        check_ref(source("joint_group"), "joint_group", group, joint_groups, "joint group")
    policy = source("escalation").opt_text("escalation")
    if policy is not None:
        check_ref(source("escalation"), "escalation", policy, policies, "escalation policy")
    return Category(
        code=code,
        kind=kind,
        class_code=class_code,
        zh=node.text("zh"),
        en=node.text("en"),
        departments=depts,
        time_limit=read_time_limit(source("time_limit"), "time_limit"),
        on_site=source("on_site").flag("on_site", False),
        verify_public=source("verify_public").flag("verify_public", False),
        verify_limit=(
            read_time_limit(source("verify_limit"), "verify_limit")
            if source("verify_limit").has("verify_limit")
            else DEFAULT_VERIFY_LIMIT
        ),
        joint_group=group,
        priority=source("priority").choice("priority", PRIORITIES, "normal"),
        duplicate_radius_m=source("duplicate_radius_m").number("duplicate_radius_m", 50),
        duplicate_window_h=source("duplicate_window_h").number("duplicate_window_h", 24),
        escalation=policy,
        presence_radius_m=source("presence_radius_m").number("presence_radius_m", 200),
        photos_before_after=source("photos_before_after").flag("photos_before_after", False),
    )


def read_time_limit(parent: Node, key: str) -> TimeLimit:
    """``{amount: 4, clock: working_hours}`` → TimeLimit."""
    node = parent.child(key)
    if node.value is None:
        raise parent.error("missing time limit (set it here, on the class or in defaults)", key)
    node.mapping({"amount", "clock"}, {"amount", "clock"})
    clock = node.choice("clock", [c.value for c in ClockType])
    return TimeLimit(node.number("amount"), ClockType(clock))
