"""Load a grid from its spec: read each layer, apply the templates, link parents.

A parent comes from the level's ``parent`` template, or — when absent — is the cell of the level
above that holds most of the child's area. A layer file that cannot be read at all (missing, not
GeoJSON, a broken Shapefile) is one error Issue and the layer has no cells; the other layers are
still read, and a level below an unreadable one is not linked to parents (one warning says so).
Every feature that cannot become a cell (see :mod:`gridops.grids.features`; a template naming
a missing property or giving an empty code; coordinates that cannot be converted; a duplicate
code; a parent code that does not exist) is an error Issue naming the file, the feature and
what to do, and the feature is skipped: :func:`read_grid` returns them all so that `grid check`
reports them in one run, :func:`load_grid` refuses the grid naming the first few.
"""

from __future__ import annotations

import logging
import math
import string
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from gridops.errors import ConfigError
from gridops.grids.crs import BD09, GCJ02, WGS84, is_geographic, to_grid_crs_many
from gridops.grids.features import Feature, UnreadableFile, declared_crs, read_features
from gridops.grids.geodesy import areas_m2
from gridops.grids.issues import Issue
from gridops.grids.model import Cell, Grid
from gridops.grids.spec import GridSpec, LayerSpec, read_spec

log = logging.getLogger(__name__)

FIRST_ERRORS = 3  # errors named by load_grid's one-line refusal
UNREADABLE = "unreadable-file"  # kind of the Issue for a whole layer file that cannot be read


class _Unfilled(Exception):
    """A template that cannot be filled for one feature: a kind, and why and what to do."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def load_grid(path: str | Path) -> Grid:
    """Load a grid from a spec file or a directory holding ``grid.yaml``.

    Raises ConfigError (one line) on bad input or when the grid has errors, unreadable files
    first; warnings are logged.
    """
    grid, issues = read_grid(path)
    errors = [i for i in issues if i.severity == "error"]
    errors.sort(key=lambda i: i.kind != UNREADABLE)  # stable: files in spec order, then features
    if errors:
        raise ConfigError(refusal(errors, path))
    for issue in issues:
        log.warning("%s", issue.line())
    return grid


def refusal(errors: list[Issue], path: str | Path, shown: int = FIRST_ERRORS) -> str:
    """One line naming the first few errors and how many more there are."""
    text = " | ".join(e.line() for e in errors[:shown])
    if len(errors) > shown:
        files = sum(e.kind == UNREADABLE for e in errors[shown:])
        of_them = f" ({files} of them unreadable files)" if files else ""
        text += f" … and {len(errors) - shown} more{of_them}: run gridops grid check {path}"
    return text


def read_grid(path: str | Path) -> tuple[Grid, list[Issue]]:
    """The grid and every issue found while reading it (duplicates are dropped, keeping the
    first)."""
    spec = read_spec(path)
    issues: list[Issue] = []
    grid_crs = spec.crs if spec.crs in (WGS84, GCJ02, BD09) else WGS84  # any EPSG → lon/lat
    layer_crs = _LayerCrs(spec, grid_crs, issues)
    cells: dict[str, Cell] = {}
    prev: list[Cell] = []
    above_unreadable: Path | None = None  # the file of the level above, if it cannot be read
    for layer in spec.levels:
        unreadable = None
        try:
            level_cells, where = _layer_cells(layer, layer_crs, issues, taken=cells)
        except UnreadableFile as exc:
            issues.append(_unreadable(layer, exc))
            level_cells, where, unreadable = [], {}, layer.file
        if above_unreadable is not None and level_cells:
            level_cells = [_with_parent(c, None) for c in level_cells]
            issues.append(_parents_unchecked(layer, above_unreadable))
        else:
            _link_parents(layer, level_cells, where, prev, issues)
        cells.update({c.code: c for c in level_cells})
        prev, above_unreadable = level_cells, unreadable
    overlays = {}
    for layer in spec.overlays:
        try:
            overlays[layer.layer] = _layer_cells(layer, layer_crs, issues, taken={})[0]
        except UnreadableFile as exc:
            issues.append(_unreadable(layer, exc))
    return Grid(spec.name, grid_crs, len(spec.levels), cells, overlays), issues


def _unreadable(layer: LayerSpec, exc: UnreadableFile) -> Issue:
    message = f"{exc.reason}; {exc.fix} (spec layer: {layer.layer})"
    return Issue("error", UNREADABLE, message, str(layer.file))


def _parents_unchecked(layer: LayerSpec, parent_file: Path) -> Issue:
    return Issue(
        "warning",
        "parents-unchecked",
        f"level {layer.level}: parents not linked or checked because the level-"
        f"{layer.level - 1} file {parent_file.name} is unreadable; fix it and check again",
        str(layer.file),
    )


class _LayerCrs:
    """Decides each layer's CRS from the spec and the file's own declaration."""

    def __init__(self, spec: GridSpec, grid_crs: str, issues: list[Issue]) -> None:
        self.spec, self.grid_crs, self.issues = spec, grid_crs, issues

    def __call__(self, layer: LayerSpec) -> str:
        """The CRS of ``layer``'s coordinates; raises UnreadableFile when the file's own
        declaration disagrees with the spec."""
        said = layer.crs or (self.spec.crs if self.spec.crs_given else None)
        where = f"the spec's {layer.layer} crs" if layer.crs else "the spec's crs"
        declared = declared_crs(layer.file)
        if declared is None or said is None or declared == said:
            return said or declared or WGS84
        if declared == WGS84 and said in (GCJ02, BD09):
            # Chinese web-map exports label GCJ-02/BD-09 coordinates as WGS84 all the time
            self.issues.append(
                Issue(
                    "warning",
                    "crs-label",
                    f"the file declares {declared} but {where} is {said}: read as {said}",
                    str(layer.file),
                )
            )
            return said
        raise UnreadableFile(
            layer.file,
            f"the file declares {declared} but {where} is {said}",
            f"set the layer's crs to {declared} in the spec if the file is right, or fix the file",
        )


def _layer_cells(
    layer: LayerSpec,
    layer_crs: _LayerCrs,
    issues: list[Issue],
    taken: Mapping[str, Cell],
) -> tuple[list[Cell], dict[str, int]]:
    """The layer's cells and the feature index of each code; bad features become Issues."""
    source_crs = layer_crs(layer)
    feats = read_features(layer.file, geographic=is_geographic(source_crs), issues=issues)
    if layer.where:
        feats = [f for f in feats if _kept(f, layer.where)]
        if not feats:
            raise UnreadableFile(
                layer.file,
                f"no feature matches where {dict(layer.where)}",
                "check the property names and values of the spec's where",
            )
    if source_crs != layer_crs.grid_crs:
        feats = _convert(layer, feats, source_crs, layer_crs.grid_crs, issues)
    areas = areas_m2([f.geometry for f in feats])
    seen: dict[str, int] = {}
    out: list[Cell] = []
    for feat, area in zip(feats, areas, strict=True):
        code = ""
        try:
            code = _fill("code", layer.code, feat, {})
            if not code:
                raise _Unfilled(
                    "empty-code",
                    f"code template {layer.code!r} gives ''; fill the feature's code property",
                )
            if code in seen or code in taken:
                first = f"feature {seen[code]}" if code in seen else "another level"
                issues.append(
                    Issue(
                        "error",
                        "duplicate-code",
                        f"duplicate code {code!r} (already used by {first}); "
                        "give it its own code or delete one of the two",
                        str(layer.file),
                        feat.index,
                        code,
                    )
                )
                continue
            extra = {"code": code}
            name = _fill("name", layer.name, feat, extra) if layer.name else code
            owner = _fill("owner", layer.owner, feat, extra) if layer.owner else ""
            parent = _fill("parent", layer.parent, feat, extra) if layer.parent else None
        except _Unfilled as exc:
            issues.append(Issue("error", exc.kind, str(exc), str(layer.file), feat.index, code))
            continue
        seen[code] = feat.index
        out.append(Cell(code, layer.level, parent, name, owner, feat.geometry, float(area)))
    return out, seen


def _kept(feat: Feature, where: tuple[tuple[str, str], ...]) -> bool:
    return all(_text(feat.properties.get(k)) == v for k, v in where)


def _convert(
    layer: LayerSpec, feats: list[Feature], source_crs: str, grid_crs: str, issues: list[Issue]
) -> list[Feature]:
    """Features converted from the layer's CRS to the grid's lon/lat; unconvertible ones are
    error Issues."""

    def convert(xy: np.ndarray) -> np.ndarray:
        x, y = to_grid_crs_many(xy[:, 0], xy[:, 1], source_crs, grid_crs)
        return np.column_stack([x, y])

    out = []
    for f in feats:
        geom = shapely.transform(f.geometry, convert)
        xy = shapely.get_coordinates(geom)
        if not np.isfinite(xy).all():
            issues.append(
                Issue(
                    "error",
                    "bad-coordinates",
                    f"coordinates cannot be converted from {source_crs} to {grid_crs}; "
                    "is the layer's crs right?",
                    str(layer.file),
                    f.index,
                )
            )
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        out.append(Feature(f.index, f.properties, geom))
    return out


def _fill(key: str, template: str | None, feat: Feature, extra: dict[str, str]) -> str:
    assert template is not None
    values: dict[str, Any] = {
        **{str(k): _Prop(_text(v)) for k, v in feat.properties.items()},
        **extra,
    }
    for root in _fields(template):
        if root not in values:
            have = ", ".join(sorted(values)) or "none"
            raise _Unfilled(
                "missing-property",
                f"{key} template {template!r} names property {root!r}, which the feature "
                f"lacks (it has: {have}); add the property or fix the template in the spec",
            )
    try:
        return template.format_map(values).strip()
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        raise _Unfilled(
            "bad-template",
            f"{key} template {template!r} failed: {exc}; fix the template in the spec",
        ) from None


@lru_cache(maxsize=256)
def _fields(template: str) -> tuple[str, ...]:
    """The property names a template uses."""
    return tuple(
        field.split(".")[0].split("[")[0]
        for _, field, _, _ in string.Formatter().parse(template)
        if field is not None
    )


class _Prop(str):
    """A property's text that also takes a numeric format when it looks like a number, so that
    ``{WARD:02d}`` gives "07" whether the file stores 7, 7.0 or "7"."""

    def __format__(self, spec: str) -> str:
        if spec and spec[-1] in "bcdoxXneEfFgG%":
            try:
                number: float = int(self) if self.strip().lstrip("+-").isdigit() else float(self)
            except ValueError:
                pass
            else:
                return format(number, spec)
        return str.__format__(self, spec)


def _text(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _link_parents(
    layer: LayerSpec,
    cells: list[Cell],
    where: Mapping[str, int],
    parents: list[Cell],
    issues: list[Issue],
) -> None:
    """Check template parents exist; infer missing ones by largest shared area (in place)."""
    if layer.level == 1:
        for k, c in enumerate(cells):
            if c.parent is not None:
                cells[k] = _with_parent(c, None)
        return
    codes = {p.code for p in parents}
    if layer.parent is not None:
        for c in cells:
            if c.parent not in codes:
                issues.append(
                    Issue(
                        "error",
                        "missing-parent",
                        f"parent {c.parent!r} is not a level-{layer.level - 1} code; fix the "
                        "feature's parent property (or the parent's feature, if it is reported "
                        "as unusable)",
                        str(layer.file),
                        where.get(c.code),
                        c.code,
                    )
                )
        return
    geoms = np.array([p.geometry for p in parents], dtype=object)
    tree = shapely.STRtree(geoms)
    for k, c in enumerate(cells):
        cands = tree.query(c.geometry, predicate="intersects")
        best = None
        if cands.size:
            shared = shapely.area(shapely.intersection(geoms[cands], c.geometry))
            if shared.max() > 0:
                best = parents[int(cands[int(np.argmax(shared))])].code
        if best is None:
            issues.append(
                Issue(
                    "warning",
                    "orphan",
                    f"lies outside every level-{layer.level - 1} cell; no parent",
                    str(layer.file),
                    where.get(c.code),
                    c.code,
                )
            )
        cells[k] = _with_parent(c, best)


def _with_parent(c: Cell, parent: str | None) -> Cell:
    return Cell(c.code, c.level, parent, c.name, c.owner_unit, c.geometry, c.area_m2)


__all__ = ["GridSpec", "load_grid", "read_grid", "refusal"]
