"""The grid spec file (grid.yaml): levels and overlays, each a file plus code templates.

    name: my-city
    crs: GCJ-02                 # EPSG:4326 | CGCS2000 | GCJ-02 | BD-09 | any EPSG code
    levels:
      - {level: 1, file: districts.geojson, code: "{dist_id}", name: "{dist_name}",
         owner: "sc-{code}"}
      - {level: 2, file: communities.shp, code: "{cid}", parent: "{dist_id}",
         crs: EPSG:2263}        # this layer's own CRS (here US survey feet)
      - {level: 3, file: tracts.geojson, code: "{GEOID}", where: {county: Kings}}
    overlays:
      - {name: port-authority, file: port.geojson, code: "{id}", cell_name: "{label}"}

A layer's ``crs`` overrides the top-level one for that file. A GeoJSON ``crs`` member or a
Shapefile's ``.prj`` is honoured when the spec says nothing for the layer; when both say
something and disagree, the layer is an error naming both. ``where`` keeps only the features
whose properties equal every given value. ``sliver`` (default 0.01) is the share of a cell's
area that `grid check` treats as boundary noise. Paths are relative to the spec file. Unknown
keys are rejected so that a typo cannot pass.
Every independent problem (a key written twice in one mapping, a missing key, a bad template or
value, an unknown key, levels out of order, a repeated overlay name) is collected, so that one
run names them all; only a spec that cannot be read at all (missing, broken YAML, not a mapping)
stops at its one error. Of a key written twice, the rest of the spec is checked with the last
copy, as yaml.safe_load reads it (the repeat itself is an error whatever the copies hold).
"""

from __future__ import annotations

import difflib
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gridops.errors import ConfigError
from gridops.grids.crs import normalise_crs
from gridops.grids.issues import Issue
from gridops.yamlconfig import RepeatedKey, load_with_repeats

TOP_KEYS = {"name", "crs", "levels", "overlays", "description", "sliver"}
SLIVER_DEFAULT = 0.01  # share of a cell's area outside its parent (or shared) ignored as noise
LEVEL_KEYS = {"level", "file", "code", "name", "parent", "owner", "crs", "where"}
OVERLAY_KEYS = {"name", "file", "code", "cell_name", "owner", "crs", "where"}
LEVEL_OPTIONAL = ("name", "parent", "owner")
TOP = "top level"
SHOWN = 3  # problems named by SpecError's one-line message

# kinds of the spec's problems (Issue.kind)
UNKNOWN_KEY = "spec-unknown-key"
MISSING_KEY = "spec-missing-key"
BAD_TEMPLATE = "spec-bad-template"
BAD_VALUE = "spec-bad-value"
LEVEL_ORDER = "spec-level-order"
REPEATED_NAME = "spec-repeated-name"
REPEATED_KEY = "spec-repeated-key"

_HINTS = {
    "name": "the grid's name, e.g. name: my-city",
    "levels": "a list of levels 1..N, each with level, file and code",
    "level": "the level's number, 1..N in file order",
    "file": "the layer file (a path relative to grid.yaml)",
    "code": 'a template over feature properties, e.g. code: "{id}"',
}


@dataclass(frozen=True)
class LayerSpec:
    """One level or overlay layer: its file and its templates over feature properties."""

    layer: str  # "level 2" or the overlay's name
    level: int  # 0 for an overlay
    file: Path
    code: str
    name: str | None = None
    parent: str | None = None
    owner: str | None = None
    crs: str | None = None  # the layer's own CRS, when the spec gives one
    where: tuple[tuple[str, str], ...] = ()  # keep features whose property == value


@dataclass(frozen=True)
class GridSpec:
    """A parsed grid.yaml; ``crs_given`` says whether the top-level crs was written."""

    path: Path
    name: str
    crs: str
    levels: tuple[LayerSpec, ...]
    overlays: tuple[LayerSpec, ...]
    crs_given: bool = True
    sliver: float = SLIVER_DEFAULT


class SpecError(ConfigError):
    """A grid.yaml with problems: ``issues`` names each one (file, place, key, value, fix).

    The message is one line naming the first few, like :func:`gridops.grids.load_grid`'s.
    """

    def __init__(self, path: Path, issues: list[Issue]) -> None:
        text = " | ".join(i.line() for i in issues[:SHOWN])
        if len(issues) > SHOWN:
            text += f" … and {len(issues) - SHOWN} more: run gridops grid check {path}"
        super().__init__(text)
        self.issues = issues


def spec_path(path: str | Path) -> Path:
    """The spec file for ``path``: the file itself, or ``grid.yaml`` inside a directory."""
    p = Path(path)
    if p.is_dir():
        p = p / "grid.yaml"
    if not p.is_file():
        raise ConfigError(f"{p}: grid spec not found (give a grid.yaml or its directory)")
    return p


def read_spec(path: str | Path) -> GridSpec:
    """Parse and validate a grid spec.

    Raises ConfigError when the file is missing or not a YAML mapping, and SpecError (a
    ConfigError) naming every problem of a readable spec, keys written twice first.
    """
    p = spec_path(path)
    try:
        doc, repeats = load_with_repeats(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: broken YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{p}: expected a mapping with name, crs, levels")
    r = _Reader(p)
    for repeat in repeats:
        r.repeated(repeat)
    r.unknown(TOP, doc, TOP_KEYS)
    name = doc.get("name")
    if name is None:
        r.missing(TOP, "name")
    elif isinstance(name, (list, dict)):
        r.problem(BAD_VALUE, TOP, f"key 'name' is {_show(name)}: give the grid's name as text")
    crs = r.crs(TOP, doc.get("crs", "EPSG:4326"))
    levels = r.levels(doc.get("levels"))
    overlays = r.overlays(doc.get("overlays"))
    sliver = r.sliver(doc.get("sliver", SLIVER_DEFAULT))
    if r.problems:
        raise SpecError(p, r.problems)
    return GridSpec(p, str(name), crs, levels, overlays, "crs" in doc, sliver)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _value_text(value: Any) -> str:
    """A ``where`` value as the text a property must equal (1.0 and 1 are both "1")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Reader:
    """Collects the problems of one spec; each check returns None where its part is bad."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Issue] = []

    def problem(self, kind: str, place: str, message: str) -> None:
        self.problems.append(Issue("error", kind, message, str(self.path), place=place))

    def repeated(self, repeat: RepeatedKey) -> None:
        key = repeat.key if isinstance(repeat.key, str) else repr(repeat.key)
        lines = f"lines {repeat.first_line} and {repeat.line}"
        if repeat.first_line == repeat.line:
            lines = f"line {repeat.line}, columns {repeat.first_column} and {repeat.column}"
        self.problem(
            REPEATED_KEY,
            repeat.place or TOP,
            f"key {repeat.key!r} is written twice: remove one of the two `{key}:` keys ({lines})",
        )

    def missing(self, place: str, key: str) -> None:
        hint = _HINTS.get(key, "it")
        if place.startswith("overlays") and key == "name":
            hint = "the overlay layer's name, e.g. name: port-authority"
        self.problem(MISSING_KEY, place, f"missing key {key!r}: add {hint}")

    def unknown(self, place: str, entry: dict[Any, Any], allowed: set[str]) -> None:
        for key in sorted(set(map(str, entry)) - allowed):
            close = difflib.get_close_matches(key, allowed, n=1)
            fix = f"did you mean {close[0]!r}?" if close else "remove it"
            self.problem(
                UNKNOWN_KEY,
                place,
                f"unknown key {key!r}: {fix} (allowed: {', '.join(sorted(allowed))})",
            )

    def crs(self, place: str, value: Any) -> str:
        try:
            return normalise_crs(str(value))
        except ConfigError as exc:
            self.problem(BAD_VALUE, place, f"key 'crs': {exc}")
            return ""

    def sliver(self, value: Any) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1:
            return float(value)
        self.problem(
            BAD_VALUE,
            TOP,
            f"key 'sliver' is {_show(value)}: give the share of a cell's area ignored as "
            f"boundary noise, 0 ≤ sliver < 1 (default {SLIVER_DEFAULT})",
        )
        return SLIVER_DEFAULT

    def layer_crs(self, place: str, entry: dict[Any, Any]) -> str | None:
        return None if entry.get("crs") is None else self.crs(place, entry["crs"])

    def where(self, place: str, entry: dict[Any, Any]) -> tuple[tuple[str, str], ...]:
        raw = entry.get("where")
        if raw is None:
            return ()
        if (
            not isinstance(raw, dict)
            or not raw
            or any(isinstance(v, (list, dict)) for v in raw.values())
        ):
            self.problem(
                BAD_VALUE,
                place,
                f"key 'where' is {_show(raw)}: write a mapping of property: value, "
                "e.g. where: {district: 浦东新区}",
            )
            return ()
        return tuple((str(k), _value_text(v)) for k, v in raw.items())

    def template(self, place: str, entry: dict[Any, Any], key: str, required: bool) -> str | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.missing(place, key)
            return None
        if isinstance(value, (list, dict)) or (required and not str(value).strip()):
            self.problem(
                BAD_VALUE,
                place,
                f'key {key!r} is {_show(value)}: write a text template such as "{{id}}"',
            )
            return None
        text = str(value)
        try:
            list(string.Formatter().parse(text))
        except ValueError as exc:
            self.problem(
                BAD_TEMPLATE,
                place,
                f"key {key!r}: bad template {text!r} ({exc}): name properties as {{property}}"
                " and write a literal brace as {{ or }}",
            )
            return None
        return text

    def levels(self, raw: Any) -> tuple[LayerSpec, ...]:
        if raw is None:
            self.missing(TOP, "levels")
            return ()
        if not isinstance(raw, list) or not raw:
            self.problem(
                BAD_VALUE,
                TOP,
                f"key 'levels' must be a non-empty list, got {_show(raw)}: add {_HINTS['levels']}",
            )
            return ()
        levels = [self.level(i, entry) for i, entry in enumerate(raw)]
        numbers = [entry.get("level") if isinstance(entry, dict) else None for entry in raw]
        if any(_is_int(n) and n != i + 1 for i, n in enumerate(numbers)):
            self.problem(
                LEVEL_ORDER,
                "levels",
                f"levels must be 1..N in order, got {numbers}: number them "
                f"{list(range(1, len(raw) + 1))} in file order",
            )
        return tuple(lv for lv in levels if lv is not None)

    def overlays(self, raw: Any) -> tuple[LayerSpec, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem(
                BAD_VALUE,
                TOP,
                f"key 'overlays' must be a list, got {_show(raw)}: write one "
                "{name, file, code} mapping per overlay layer, or remove the key",
            )
            return ()
        overlays = [self.overlay(i, entry) for i, entry in enumerate(raw)]
        first: dict[str, int] = {}
        for i, entry in enumerate(raw):
            name = entry.get("name") if isinstance(entry, dict) else None
            if name is None or isinstance(name, (list, dict)):
                continue
            if str(name) in first:
                self.problem(
                    REPEATED_NAME,
                    f"overlays[{i}]",
                    f"overlay name {str(name)!r} repeats overlays[{first[str(name)]}]: "
                    "give each overlay its own name",
                )
            else:
                first[str(name)] = i
        return tuple(o for o in overlays if o is not None)

    def _mapping(self, place: str, entry: Any, keys: str) -> bool:
        if isinstance(entry, dict):
            return True
        self.problem(BAD_VALUE, place, f"expected a mapping with {keys}, got {_show(entry)}")
        return False

    def level(self, i: int, entry: Any) -> LayerSpec | None:
        where = f"levels[{i}]"
        if not self._mapping(where, entry, "level, file, code"):
            return None
        before = len(self.problems)
        self.unknown(where, entry, LEVEL_KEYS)
        number = entry.get("level")
        if number is None:
            self.missing(where, "level")
        elif not _is_int(number):
            self.problem(
                BAD_VALUE,
                where,
                f"key 'level' is {_show(number)}: write an integer, 1..N in file order",
            )
        file = self.template(where, entry, "file", True)
        code = self.template(where, entry, "code", True)
        name, parent, owner = (self.template(where, entry, k, False) for k in LEVEL_OPTIONAL)
        crs, keep = self.layer_crs(where, entry), self.where(where, entry)
        if len(self.problems) > before or file is None or code is None:
            return None
        return LayerSpec(
            f"level {number}", number, self.path.parent / file, code, name, parent, owner,
            crs, keep,
        )  # fmt: skip

    def overlay(self, i: int, entry: Any) -> LayerSpec | None:
        where = f"overlays[{i}]"
        if not self._mapping(where, entry, "name, file, code"):
            return None
        before = len(self.problems)
        self.unknown(where, entry, OVERLAY_KEYS)
        name, file, code = (self.template(where, entry, k, True) for k in ("name", "file", "code"))
        cell_name = self.template(where, entry, "cell_name", False)
        owner = self.template(where, entry, "owner", False)
        crs, keep = self.layer_crs(where, entry), self.where(where, entry)
        if len(self.problems) > before or name is None or file is None or code is None:
            return None
        return LayerSpec(
            name, 0, self.path.parent / file, code, cell_name, owner=owner, crs=crs, where=keep
        )
