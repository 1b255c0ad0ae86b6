"""The grid spec file (grid.yaml): levels and overlays, each a file plus code templates.

    name: my-city
    crs: GCJ-02                 # EPSG:4326 | CGCS2000 | GCJ-02 | BD-09 | any EPSG code
    levels:
      - {level: 1, file: districts.geojson, code: "{dist_id}", name: "{dist_name}",
         owner: "sc-{code}"}
      - {level: 2, file: communities.shp, code: "{cid}", parent: "{dist_id}"}
    overlays:
      - {name: port-authority, file: port.geojson, code: "{id}", cell_name: "{label}"}

Paths are relative to the spec file. Unknown keys are rejected so that a typo cannot pass.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gridops.errors import ConfigError
from gridops.grids.crs import normalise_crs

TOP_KEYS = {"name", "crs", "levels", "overlays", "description"}
LEVEL_KEYS = {"level", "file", "code", "name", "parent", "owner"}
OVERLAY_KEYS = {"name", "file", "code", "cell_name", "owner"}


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


@dataclass(frozen=True)
class GridSpec:
    """A parsed grid.yaml."""

    path: Path
    name: str
    crs: str
    levels: tuple[LayerSpec, ...]
    overlays: tuple[LayerSpec, ...]


def spec_path(path: str | Path) -> Path:
    """The spec file for ``path``: the file itself, or ``grid.yaml`` inside a directory."""
    p = Path(path)
    if p.is_dir():
        p = p / "grid.yaml"
    if not p.is_file():
        raise ConfigError(f"{p}: grid spec not found (give a grid.yaml or its directory)")
    return p


def read_spec(path: str | Path) -> GridSpec:
    """Parse and validate a grid spec; every mistake names the file and the key."""
    p = spec_path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: broken YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{p}: expected a mapping with name, crs, levels")
    _unknown(p, "top level", doc, TOP_KEYS)
    for key in ("name", "levels"):
        if key not in doc:
            raise ConfigError(f"{p}: missing key {key!r}")
    try:
        crs = normalise_crs(str(doc.get("crs", "EPSG:4326")))
    except ConfigError as exc:
        raise ConfigError(f"{p}: key 'crs': {exc}") from None
    levels_raw = doc["levels"]
    if not isinstance(levels_raw, list) or not levels_raw:
        raise ConfigError(f"{p}: key 'levels' must be a non-empty list")
    levels = tuple(_level(p, i, entry) for i, entry in enumerate(levels_raw))
    numbers = [lv.level for lv in levels]
    if numbers != list(range(1, len(levels) + 1)):
        raise ConfigError(f"{p}: levels must be 1..N in order, got {numbers}")
    overlays_raw = doc.get("overlays") or []
    if not isinstance(overlays_raw, list):
        raise ConfigError(f"{p}: key 'overlays' must be a list")
    overlays = tuple(_overlay(p, i, entry) for i, entry in enumerate(overlays_raw))
    names = [o.layer for o in overlays]
    if len(set(names)) != len(names):
        raise ConfigError(f"{p}: overlay names repeat: {names}")
    return GridSpec(p, str(doc["name"]), crs, levels, overlays)


def _unknown(p: Path, where: str, entry: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(map(str, entry)) - allowed)
    if extra:
        raise ConfigError(
            f"{p}: {where}: unknown key {extra[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _template(p: Path, where: str, entry: dict[str, Any], key: str, required: bool) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{p}: {where}: missing key {key!r}")
        return None
    text = str(value)
    try:
        list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConfigError(f"{p}: {where}: key {key!r}: bad template {text!r} ({exc})") from None
    return text


def _level(p: Path, i: int, entry: Any) -> LayerSpec:
    where = f"levels[{i}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{p}: {where}: expected a mapping")
    _unknown(p, where, entry, LEVEL_KEYS)
    if not isinstance(entry.get("level"), int):
        raise ConfigError(f"{p}: {where}: key 'level' must be an integer")
    file = _template(p, where, entry, "file", True)
    assert file is not None
    return LayerSpec(
        layer=f"level {entry['level']}",
        level=entry["level"],
        file=(p.parent / file),
        code=_template(p, where, entry, "code", True) or "",
        name=_template(p, where, entry, "name", False),
        parent=_template(p, where, entry, "parent", False),
        owner=_template(p, where, entry, "owner", False),
    )


def _overlay(p: Path, i: int, entry: Any) -> LayerSpec:
    where = f"overlays[{i}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{p}: {where}: expected a mapping")
    _unknown(p, where, entry, OVERLAY_KEYS)
    name = _template(p, where, entry, "name", True)
    file = _template(p, where, entry, "file", True)
    assert name is not None and file is not None
    return LayerSpec(
        layer=name,
        level=0,
        file=p.parent / file,
        code=_template(p, where, entry, "code", True) or "",
        name=_template(p, where, entry, "cell_name", False),
        owner=_template(p, where, entry, "owner", False),
    )
