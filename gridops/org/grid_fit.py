"""Where a configuration names things a grid lacks — all of them at once.

The loaders stop at the first problem; moving a config to another grid (or the shipped Pudong
example to your city) hits many such references together: overlay layers and their cells,
locality levels, cells and layers in routing rules, named staff of units that do not exist.
:func:`grid_fit` scans the raw YAML for every one so that `config check` lists them in one run.
Pure: parsed YAML and a grid in, (file, place, message) out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gridops.org.gridview import GridLike

Problem = tuple[str, str, str]  # file, place, message


def grid_fit(
    grid: GridLike, org: Any, routing: Any, roster: Any, *, grid_name: str = "the grid"
) -> list[Problem]:
    """Every reference of org.yaml, routing.yaml and roster.yaml to a level, cell or overlay
    layer that ``grid`` does not have."""
    out: list[Problem] = []
    org = org if isinstance(org, Mapping) else {}
    layers = ", ".join(sorted(grid.overlays)) or "none"
    for i, tpl in enumerate(_items(org.get("localities"))):
        level = tpl.get("level")
        if isinstance(level, int) and not 1 <= level <= grid.levels:
            out.append(("org.yaml", f"localities[{i}]", f"level {level}: {grid_name} has "
                        f"levels 1..{grid.levels}; remove this template"))  # fmt: skip
    for i, owner in enumerate(_items(org.get("overlay_owners"))):
        layer = str(owner.get("layer"))
        place = f"overlay_owners[{i}] ({owner.get('id')})"
        if layer not in grid.overlays:
            out.append(("org.yaml", place, f"overlay layer {layer!r} is not in {grid_name} "
                        f"(its layers: {layers}); remove the owner or add the layer"))  # fmt: skip
            continue
        known = {c.code for c in grid.overlays[layer]}
        missing = [str(c) for c in owner.get("cells") or () if str(c) not in known]
        if missing:
            out.append(("org.yaml", place, f"cells {missing} are not in overlay layer {layer!r}"))
    routing = routing if isinstance(routing, Mapping) else {}
    for i, rule in enumerate(_items(routing.get("rules"))):
        out += _rule(grid, rule, f"rules[{i}] ({rule.get('id')})", layers, grid_name)
    out += _staff(grid, org, roster, grid_name)
    return out


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _rule(
    grid: GridLike, rule: Mapping[str, Any], place: str, layers: str, grid_name: str
) -> list[Problem]:
    out: list[Problem] = []
    match = rule.get("match") if isinstance(rule.get("match"), Mapping) else {}
    assert isinstance(match, Mapping)
    for code in _texts(match.get("cells")):
        if code not in grid.cells:
            out.append(("routing.yaml", place, f"cell {code!r} is not a cell of {grid_name}; "
                        "name your own cells or remove the rule"))  # fmt: skip
    named = _texts(match.get("overlays"))
    named += [
        str(t["overlay"]) for t in rule.get("targets") or () if isinstance(t, Mapping)
        and "overlay" in t
    ]  # fmt: skip
    for layer in dict.fromkeys(spec.split("/", 1)[0] for spec in named):
        if layer not in grid.overlays:
            out.append(("routing.yaml", place, f"overlay layer {layer!r} is not in {grid_name} "
                        f"(its layers: {layers}); remove the rule or the condition"))  # fmt: skip
    for t in rule.get("targets") or ():
        level = t.get("locality") if isinstance(t, Mapping) else None
        if isinstance(level, int) and not 1 <= level <= grid.levels:
            out.append(("routing.yaml", place, f"target locality {level}: {grid_name} has "
                        f"levels 1..{grid.levels}"))  # fmt: skip
    return out


def _staff(grid: GridLike, org: Mapping[str, Any], roster: Any, grid_name: str) -> list[Problem]:
    """Named staff of locality units or branches whose cell is not in the grid."""
    patterns = []
    for tpl in _items(org.get("localities")):
        level, ident = tpl.get("level"), str(tpl.get("id", ""))
        if isinstance(level, int) and ident.count("{code}") == 1:
            head, tail = ident.split("{code}")
            patterns.append((level, re.compile(f"^{re.escape(head)}(.+){re.escape(tail)}$")))
    by_level = {lv: {c.code for c in grid.cells_at(lv)} for lv in range(1, grid.levels + 1)}
    out: list[Problem] = []
    staff = roster.get("staff") if isinstance(roster, Mapping) else None
    for i, person in enumerate(_items(staff)):
        unit = str(person.get("unit", ""))
        cell, level = None, None
        if "@" in unit:
            cell, level = unit.rsplit("@", 1)[1], 1
        for lv, rx in patterns:
            m = rx.match(unit)
            if m:
                cell, level = m.group(1), lv
                break
        if cell is not None and level is not None and cell not in by_level.get(level, ()):
            out.append(("roster.yaml", f"staff[{i}] ({person.get('id')})", f"unit {unit!r}: "
                        f"{cell!r} is not a level-{level} cell of {grid_name}; give your own "
                        "people (or staff: [])"))  # fmt: skip
    return out
