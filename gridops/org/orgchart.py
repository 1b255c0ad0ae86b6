"""The organisation graph: the units that own tickets and how they hang together.

区城运中心 district centre → 街镇城运分中心 sub-centres (one per level-1 cell) → 居村工作站 /
联勤联动站 workstations (level 2) → 网格员 grid-worker posts (level 3, field staff); professional
departments (``dept-<slug>``) with branches covering level-1 cells (``dept-<slug>@<l1>``);
联合执法 joint-enforcement groups (``jeg-<slug>``: members and a lead); overlay owners
(``zone-<code>``, ``roadco-<code>``) bound to overlay cells. org.yaml lists templates, not
6,000 units: "a sub-centre per level-1 cell" is expanded against the grid at load.
"""

from __future__ import annotations

import fnmatch
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gridops.org.channels import Channel, parse_channels
from gridops.org.gridview import CellLike, GridLike, codes_and_parents
from gridops.org.names import name_parts
from gridops.org.posts import Localities, Posts, Units, clash
from gridops.org.unit import (  # noqa: F401  (the kinds are imported from here too)
    BRANCH,
    CENTRE,
    DEPARTMENT,
    JOINT_GROUP,
    LOCALITY,
    OVERLAY_OWNER,
    Unit,
)
from gridops.yamlconfig import Node, check_ref, read_yaml

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class OrgChart:
    """Units by id, the networkx graph (child → parent "up" edges, member → group edges; made
    when first asked for: at city scale it is 120 k nodes that routing never reads) and the
    lookups routing needs. ``units`` and ``locality`` make a city's 网格员 posts when asked
    for (gridops.org.posts)."""

    units: Units = field(default_factory=lambda: Units(_no_posts))
    locality: Localities = field(default_factory=Localities)  # cell code → unit id
    branches: dict[tuple[str, str], str] = field(default_factory=dict)  # (dept, l1) → branch
    overlay_owners: dict[tuple[str, str], str] = field(default_factory=dict)  # (layer, code)
    centre: str = "district-centre"
    children: dict[str, list[str]] = field(default_factory=dict)  # unit → units it is parent of
    #: unit id or glob (``dept-law-enforcement@*``) → its channels (通知渠道); first match wins
    channels: dict[str, tuple[Channel, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.units, Units):  # a plain mapping (tests): held as it is
            given, self.units = self.units, Units(_no_posts)
            self.units.held.update(given)
        if not isinstance(self.locality, Localities):
            given_cells, self.locality = self.locality, Localities()
            self.locality.held.update(given_cells)
        self.units.parent_of = self._post_parent

    def _post_parent(self, posts: Posts, code: str) -> str:
        """A post's parent: the locality unit of its cell's parent, else the centre."""
        up = posts.parents[code]
        return self.locality.get(up or "", self.centre) if posts.level > 1 else self.centre

    def add_posts(self, posts: Posts, node: Node) -> None:
        """A level's posts (gridops.org.posts); an id another unit has is refused."""
        shared = clash(posts, self.units.held, self.units.posts)
        if shared is not None:
            raise node.error(f"duplicate unit id {shared!r}")
        self.units.posts.append(posts)
        self.locality.posts.append(posts)

    def channels_of(self, unit_id: str) -> tuple[Channel, ...]:
        """The channels of ``unit_id``: its own entry, else the first glob that matches."""
        if unit_id in self.channels:
            return self.channels[unit_id]
        for pattern, found in self.channels.items():
            if fnmatch.fnmatchcase(unit_id, pattern):
                return found
        return ()

    def add(self, unit: Unit, node: Node) -> None:
        if unit.id in self.units:
            raise node.error(f"duplicate unit id {unit.id!r}")
        self.units[unit.id] = unit

    def link(self) -> None:
        """The children of the held units (a post's: :meth:`children_of`)."""
        for unit in self.units.held.values():
            if unit.parent:
                self.children.setdefault(unit.parent, []).append(unit.id)

    def children_of(self, unit_id: str) -> list[str]:
        """The units whose parent is ``unit_id``: held ones, then posts (none made)."""
        out = list(self.children.get(unit_id, ()))
        if not self.units.posts:
            return out
        held = self.units.held.get(unit_id)
        cell: str | None = None  # only a cell's own locality unit is the parent of its children's
        if held is not None and held.kind == LOCALITY and held.cell:
            cell = held.cell if self.locality.get(held.cell) == unit_id else None
        elif held is None and (post := self.units.post(unit_id)) is not None:
            cell = post[1]
        for posts in self.units.posts:
            if posts.level == 1:
                if unit_id == self.centre:
                    out += map(posts.id_of, posts.parents)
                continue
            if cell is not None:
                out += map(posts.id_of, posts.children(cell))
            if unit_id == self.centre:  # cells whose parent has no locality unit
                out += map(posts.id_of, posts.orphans(self.locality))
        return out

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The org as a networkx graph (child → parent "up" edges, member → group edges), for
        analysis and tests; routing never reads it (networkx is imported only here: ~15 MB
        per process)."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from((u.id, {"kind": u.kind}) for u in self.units.values())
        for unit in self.units.values():
            if unit.parent:
                graph.add_edge(unit.id, unit.parent, rel="up")
            for member in unit.members:
                graph.add_edge(member, unit.id, rel="member")
        return graph

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.units

    def of_kind(self, kind: str) -> Iterator[Unit]:
        """The units of ``kind`` (posts are made only for localities)."""
        yield from (u for u in self.units.held.values() if u.kind == kind)
        if kind == LOCALITY:
            for posts in self.units.posts:
                yield from (self.units[posts.id_of(code)] for code in posts.parents)

    def up_chain(self, unit_id: str) -> tuple[str, ...]:
        """The units above ``unit_id``, nearest first (stops at a cycle)."""
        chain: list[str] = []
        parent = self.units.parent(unit_id)
        while parent and parent not in chain and parent != unit_id:
            chain.append(parent)
            parent = self.units.parent(parent)
        return tuple(chain)

    def below(self, unit_ids: Iterable[str]) -> frozenset[str]:
        """``unit_ids`` and every unit that has one of them on its up_chain."""
        seen = set(unit_ids)
        todo = list(seen)
        while todo:
            for child in self.children_of(todo.pop()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return frozenset(seen)

    def up_cycles(self) -> list[list[str]]:
        """Cycles along the parent edges (each would make "hand up" loop forever). A unit has
        one parent at most, so each walk up either ends or closes one cycle: one pass over the
        units (at 120 k units, milliseconds where a general cycle search took a second)."""
        # posts are on no cycle (each one's parent is a locality unit of a level above, up to
        # the centre): the walks start at the held units and stop at a post
        parent = {u.id: u.parent for u in self.units.held.values() if u.parent}
        walked: dict[str, int] = {}  # unit → the walk that reached it first
        cycles: list[list[str]] = []
        for n, start in enumerate(parent):
            path: list[str] = []
            unit: str | None = start
            while unit is not None and unit not in walked:
                walked[unit] = n
                path.append(unit)
                unit = parent.get(unit)
            if unit is not None and walked[unit] == n:  # back on this walk: a new cycle
                cycles.append(path[path.index(unit) :])
        return cycles


def load_org(path: Path, grid: GridLike) -> OrgChart:
    """Read org.yaml and expand its templates against ``grid``."""
    root = Node(read_yaml(path), path).mapping(
        {"centre", "localities", "departments", "joint_groups", "overlay_owners", "channels"},
        {"centre", "localities"},
    )
    org = OrgChart()
    centre = root.child("centre").mapping({"id", "zh", "en"}, {"id", "zh"})
    org.centre = centre.text("id")
    org.add(Unit(org.centre, CENTRE, centre.text("zh"), centre.text("en", ""), None), centre)
    _expand_localities(org, root.child("localities"), grid)
    if root.has("departments"):
        _expand_departments(org, root.child("departments"), grid)
    if root.has("joint_groups"):
        _joint_groups(org, root.child("joint_groups"))
    if root.has("overlay_owners"):
        _overlay_owners(org, root.child("overlay_owners"), grid)
    org.link()
    if root.has("channels"):
        for key, node in root.child("channels").items():
            if "*" not in key and "?" not in key:
                check_ref(root.child("channels"), key, key, org.units, "unit")
            org.channels[key] = parse_channels(node)
    return org


def _no_posts(posts: Posts, code: str) -> str:
    raise AssertionError("an OrgChart sets its units' parent_of")


def _fill(template: str, node: Node, key: str, **values: object) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        names = ", ".join("{" + k + "}" for k in values)
        raise node.error(f"bad template {template!r} ({exc}); placeholders: {names}", key) from None


def _names(cell: CellLike) -> dict[str, str]:
    """Template values of a cell: code, name, and its Chinese and non-Chinese parts."""
    zh, en = name_parts(cell.name or cell.code)
    return {
        "code": cell.code,
        "name": cell.name or cell.code,
        "name_zh": zh or cell.code,
        "name_en": en or cell.code,
    }


def _placeholders(*templates: str) -> set[str]:
    """The names the templates use ({code}, {name_zh}, …); unparsable ones count as all."""
    try:
        return {
            field.split(".")[0].split("[")[0].split("!")[0]
            for template in templates
            for _, field, _, _ in string.Formatter().parse(template)
            if field is not None
        }
    except ValueError:
        return {"*"}


def _expand_localities(org: OrgChart, node: Node, grid: GridLike) -> None:
    seen: set[int] = set()
    for tpl in node.seq():
        tpl.mapping({"level", "id", "zh", "en", "field_staff"}, {"level", "id", "zh"})
        level = int(tpl.number("level"))
        if not 1 <= level <= grid.levels or level in seen:
            raise tpl.error(f"level {level} is not a new grid level 1..{grid.levels}", "level")
        seen.add(level)
        id_tpl, zh_tpl, en_tpl = tpl.text("id"), tpl.text("zh"), tpl.text("en", "")
        field_staff = tpl.flag("field_staff", False)
        # a city's level 3 is 120 k cells whose templates often name only {code}
        if _placeholders(id_tpl, zh_tpl, en_tpl) <= {"code"}:
            _expand_by_code(org, tpl, grid, level, (id_tpl, zh_tpl, en_tpl), field_staff)
            continue
        for cell in sorted(grid.cells_at(level), key=lambda c: c.code):
            parent = org.locality.get(cell.parent or "", org.centre) if level > 1 else org.centre
            names = _names(cell)
            unit = Unit(
                id=_fill(id_tpl, tpl, "id", **names),
                kind=LOCALITY,
                zh=_fill(zh_tpl, tpl, "zh", **names),
                en=_fill(en_tpl, tpl, "en", **names),
                parent=parent,
                cell=cell.code,
                level=level,
                field_staff=field_staff,
            )
            org.add(unit, tpl)
            org.locality[cell.code] = unit.id
    missing = set(range(1, grid.levels + 1)) - seen
    if missing:
        raise node.error(f"no locality template for grid level(s) {sorted(missing)}")


def _expand_by_code(
    org: OrgChart, tpl: Node, grid: GridLike, level: int, templates: tuple[str, str, str],
    field_staff: bool,
) -> None:  # fmt: skip
    """The locality units of ``level`` whose templates name only {code} (the fast path): as
    posts made when asked for where the id is ``prefix{code}suffix``, else each one now."""
    cells = codes_and_parents(grid, level)
    if cells:  # a template's mistake is reported once, as the general path would
        for key, template in zip(("id", "zh", "en"), templates, strict=True):
            _fill(template, tpl, key, code=cells[0][0])
    id_tpl, zh_tpl, en_tpl = templates
    split = Posts.split(id_tpl)
    if split is not None:
        org.add_posts(Posts(level, *split, zh_tpl, en_tpl, field_staff, dict(cells)), tpl)
        return
    locality, units, centre = org.locality, org.units, org.centre
    for code, up in cells:
        parent = locality.get(up or "", centre) if level > 1 else centre
        zh, en = zh_tpl.format(code=code), en_tpl.format(code=code)
        unit = Unit(id_tpl.format(code=code), LOCALITY, zh, en, parent, code, level,
                    field_staff=field_staff)  # fmt: skip
        if unit.id in units:
            org.add(unit, tpl)  # raises: a duplicate id
        units[unit.id] = unit
        locality[code] = unit.id


def _expand_departments(org: OrgChart, node: Node, grid: GridLike) -> None:
    level1 = {c.code: c for c in grid.cells_at(1)}
    for dnode in node.seq():
        dnode.mapping({"slug", "zh", "en", "branches", "covers"}, {"slug", "zh"})
        dept_id = f"dept-{dnode.text('slug')}"
        zh, en = dnode.text("zh"), dnode.text("en", "")
        org.add(Unit(dept_id, DEPARTMENT, zh, en, org.centre), dnode)
        if not dnode.has("branches"):
            continue
        bnode = dnode.child("branches").mapping({"zh", "en"}, {"zh"})
        en_tpl = bnode.text("en", "")  # none, or naming a department that has none: no name
        covers = dnode.texts("covers") or ("all",)
        cells: list[CellLike] = []
        if covers == ("all",):
            cells = list(level1.values())
        else:
            for code in covers:
                check_ref(dnode, "covers", code, level1, "level-1 cell")
                cells.append(level1[code])
        for cell in sorted(cells, key=lambda c: c.code):
            values = dict(_names(cell), dept_zh=zh, dept_en=en)
            unit = Unit(
                id=f"{dept_id}@{cell.code}",
                kind=BRANCH,
                zh=_fill(bnode.text("zh"), bnode, "zh", **values),
                en=_fill(en_tpl, bnode, "en", **values) if en or "{dept_en}" not in en_tpl else "",
                parent=dept_id,
                cell=cell.code,
                level=1,
                department=dept_id,
                field_staff=True,
            )
            org.add(unit, bnode)
            org.branches[(dept_id, cell.code)] = unit.id


def _joint_groups(org: OrgChart, node: Node) -> None:
    departments = {u.id for u in org.of_kind(DEPARTMENT)}
    for gnode in node.seq():
        gnode.mapping({"slug", "zh", "en", "lead", "members"}, {"slug", "zh", "lead"})
        members = gnode.texts("members")
        for member in members:
            check_ref(gnode, "members", member, departments, "department")
        lead = gnode.text("lead")
        check_ref(gnode, "lead", lead, members, "member (the lead must be one of the members)")
        if len(members) < 2:
            raise gnode.error("a joint-enforcement group needs at least two members", "members")
        unit = Unit(
            f"jeg-{gnode.text('slug')}",
            JOINT_GROUP,
            gnode.text("zh"),
            gnode.text("en", ""),
            org.centre,
            members=members,
            lead=lead,
        )
        org.add(unit, gnode)


def _overlay_owners(org: OrgChart, node: Node, grid: GridLike) -> None:
    for onode in node.seq():
        onode.mapping({"id", "zh", "en", "layer", "cells", "parent"}, {"id", "zh", "layer"})
        layer = onode.text("layer")
        check_ref(onode, "layer", layer, grid.overlays, "overlay layer")
        codes = {c.code for c in grid.overlays[layer]}
        cells = onode.texts("cells") or tuple(sorted(codes))
        for code in cells:
            check_ref(onode, "cells", code, codes, f"cell of overlay layer {layer!r}")
        parent = onode.text("parent", org.centre)
        check_ref(onode, "parent", parent, org.units, "unit")
        unit_id = onode.text("id")
        unit = Unit(
            unit_id,
            OVERLAY_OWNER,
            onode.text("zh"),
            onode.text("en", ""),
            parent,
            cell=cells[0],
            level=0,
        )
        org.add(unit, onode)
        for code in cells:
            if (layer, code) in org.overlay_owners:
                raise onode.error(f"overlay {layer}/{code} already owned", "cells")
            org.overlay_owners[(layer, code)] = unit_id
