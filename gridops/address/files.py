"""Reading an address file (CSV or GeoJSON) into rows with their line numbers.

CSV columns (UTF-8, a header row): ``address`` (or ``text``), ``lon`` and ``lat`` (or ``x``/
``y``, ``lng``), optional ``id``, ``cell`` and ``aliases`` (several joined by ``|``). GeoJSON:
Point features whose properties hold the same keys (``aliases`` a list or a ``|`` string); a
feature's "line" is its number in the file (1 = the first). A row's problems are kept with its
line, never raised one by one: the caller lists them all.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridops.address.parse import compact
from gridops.errors import UserError

TEXT_KEYS = ("address", "text", "地址")
LON_KEYS = ("lon", "lng", "x", "经度")
LAT_KEYS = ("lat", "y", "纬度")


@dataclass(frozen=True)
class AddressRow:
    """One address as read from its file (point in the file's CRS)."""

    line: int
    id: str
    text: str
    lon: float
    lat: float
    cell: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class RowProblem:
    """Why the row on ``line`` cannot be imported."""

    line: int
    message: str


def default_id(text: str) -> str:
    """An id from the address text itself (stable across re-imports of the same text)."""
    return "A" + hashlib.sha1(compact(text).encode()).hexdigest()[:15]


def read_address_file(path: Path) -> tuple[list[AddressRow], list[RowProblem]]:
    """The rows of a CSV or GeoJSON address file and the problems of the rows that are not."""
    if not path.is_file():
        raise UserError(f"{path}: no such file (give a .csv or .geojson address file)")
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return _read_geojson(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    raise UserError(f"{path}: unknown kind {suffix!r}; give a .csv or .geojson address file")


def _pick(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in row and row[key] not in (None, ""):
            return row[key]
    return None


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _row(line: int, props: dict[str, Any], lon: Any, lat: Any) -> AddressRow | RowProblem:
    text = str(_pick(props, TEXT_KEYS) or "").strip()
    if not text:
        return RowProblem(line, "the address text is empty (column address)")
    if len(text) > 300:
        return RowProblem(line, f"the address {text[:20]!r}… is longer than 300 characters")
    x, y = _number(lon), _number(lat)
    if x is None or y is None:
        return RowProblem(line, f"{text}: the point ({lon}, {lat}) is not two numbers (lon, lat)")
    raw = props.get("aliases") or ()
    aliases = raw.split("|") if isinstance(raw, str) else [str(a) for a in raw]
    return AddressRow(
        line,
        str(props.get("id") or "").strip() or default_id(text),
        text,
        x,
        y,
        str(props.get("cell") or "").strip(),
        tuple(a.strip().replace("|", " ") for a in aliases if a.strip()),
    )


def _read_csv(path: Path) -> tuple[list[AddressRow], list[RowProblem]]:
    rows: list[AddressRow] = []
    problems: list[RowProblem] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or ()]
            reader.fieldnames = header
            for need, keys in (("address", TEXT_KEYS), ("lon", LON_KEYS), ("lat", LAT_KEYS)):
                if not set(keys) & set(header):
                    raise UserError(
                        f"{path}: no {need} column; the header has {', '.join(header) or '—'} "
                        "(needed: address, lon, lat; optional: id, cell, aliases)"
                    )
            for line, row in enumerate(reader, start=2):
                got = _row(line, row, _pick(row, LON_KEYS), _pick(row, LAT_KEYS))
                (problems if isinstance(got, RowProblem) else rows).append(got)  # type: ignore[arg-type]
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    return rows, problems


def _read_geojson(path: Path) -> tuple[list[AddressRow], list[RowProblem]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not a GeoJSON file ({exc})") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise UserError(f"{path}: no features list; give a GeoJSON FeatureCollection of Points")
    rows: list[AddressRow] = []
    problems: list[RowProblem] = []
    for n, feat in enumerate(features, start=1):
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if not isinstance(geom, dict) or geom.get("type") != "Point" or not coords:
            problems.append(RowProblem(n, "the geometry is not a Point"))
            continue
        props = feat.get("properties") or {}
        got = _row(n, props, coords[0], coords[1] if len(coords) > 1 else None)
        (problems if isinstance(got, RowProblem) else rows).append(got)  # type: ignore[arg-type]
    return rows, problems
