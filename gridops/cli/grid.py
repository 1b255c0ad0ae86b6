"""`gridops grid …`: Grids: check, stats, locate, generate, export, demo."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from gridops.errors import UserError
from gridops.settings import DEFAULT_GRID

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Grids (网格): check, stats, locate, generate, export, demo.",
    no_args_is_help=True,
)

GRID_ARG = typer.Argument(None, help="Grid spec (grid.yaml) or its directory [default: sample]")
GRID_OPT = typer.Option(None, "--grid", help="Grid spec or directory [default: sample grid]")


def _grid_path(path: Path | None) -> Path:
    p = path or DEFAULT_GRID
    if not (p.is_file() or (p / "grid.yaml").is_file()):
        raise UserError(f"{p}: grid spec not found (give a grid.yaml or its directory)")
    return p


@app.command()
def check(
    spec: Path | None = GRID_ARG,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Report every problem of a broken grid.yaml (keys written twice, missing keys, bad
    templates or values, unknown keys, levels out of order, repeated overlay names) — or, for
    a good spec, every unreadable layer file, unusable feature, duplicate code and unknown
    parent (errors), then straddling children, gaps, overlaps, cells without an owner
    (warnings).

    Exit 0 with only warnings, 1 on errors, 2 on usage errors. The table lists every error and
    the first 200 warnings; --json lists everything.

    Example: gridops grid check my_grid/  (no argument: the sample grid)
    """
    from gridops.grids.check import check_path

    report = check_path(_grid_path(spec))
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        _print_report(report)
    raise typer.Exit(report.exit_code)


WARNINGS_SHOWN = 200  # warnings in the table; errors are all listed (they all need fixing)


def _print_report(report: object) -> None:
    from gridops.grids.check import CheckReport

    assert isinstance(report, CheckReport)
    console = Console()
    shown = report.errors + report.warnings[:WARNINGS_SHOWN]
    if shown:
        table = Table(title=f"grid check: {report.grid}")
        for col in ("severity", "kind", "where", "message"):
            table.add_column(col)
        folder = Path(report.grid).parent
        for i in shown:
            file = _relative(i.file, folder)  # the folder is in the title: rows stay short
            where = f"{file} {i.place}" if i.place else file
            if i.feature is not None:
                where += f" #{i.feature}"
            if i.code:
                where += f" {i.code}"
            style = "red" if i.severity == "error" else "yellow"
            # escape: "[x, y]" in a message is text, not rich markup
            table.add_row(
                f"[{style}]{i.severity}[/]", i.kind, escape(where.strip()), escape(i.message)
            )
        console.print(table)
    hidden = len(report.warnings) - WARNINGS_SHOWN
    if hidden > 0:
        console.print(f"… {hidden} more warnings (use --json for all)")
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(report.counts().items()))
    console.print(
        f"{report.grid}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        + (f" — {counts}" if counts else "")
    )


def _relative(file: str, folder: Path) -> str:
    """``file`` relative to ``folder`` when it lies inside it, else as given."""
    try:
        return str(Path(file).relative_to(folder))
    except ValueError:
        return file


@app.command()
def stats(
    spec: Path | None = GRID_ARG,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Cell counts and areas per level and overlay layer.

    Example: gridops grid stats my_grid/grid.yaml  (no argument: the sample grid)
    """
    from gridops.grids import load_grid
    from gridops.grids.stats import grid_stats

    grid = load_grid(_grid_path(spec))
    rows = grid_stats(grid)
    if as_json:
        doc = {"grid": grid.name, "crs": grid.crs, "layers": [r.to_dict() for r in rows]}
        print(json.dumps(doc, ensure_ascii=False))
        return
    table = Table(title=f"{grid.name} ({grid.crs})")
    for col in ("layer", "cells", "area km²", "min m²", "median m²", "max m²", "owned"):
        table.add_column(col, justify="left" if col == "layer" else "right")
    for r in rows:
        table.add_row(
            r.layer,
            f"{r.cells:,}",
            f"{r.area_km2:,.1f}",
            f"{r.min_m2:,.0f}",
            f"{r.median_m2:,.0f}",
            f"{r.max_m2:,.0f}",
            f"{r.with_owner:,}",
        )
    Console().print(table)


@app.command()
def locate(
    grid_path: Path | None = GRID_OPT,
    lon: float | None = typer.Option(None, "--lon", help="Longitude of one point"),
    lat: float | None = typer.Option(None, "--lat", help="Latitude of one point"),
    in_path: Path | None = typer.Option(None, "--in", help="CSV of points"),
    lon_col: str = typer.Option("lon", "--lon-col", help="Longitude column of --in"),
    lat_col: str = typer.Option("lat", "--lat-col", help="Latitude column of --in"),
    out_path: Path | None = typer.Option(None, "--out", help="Where to write the located CSV"),
    crs: str | None = typer.Option(
        None, "--crs", help="CRS of the input (WGS84, CGCS2000, GCJ-02, BD-09, EPSG:n)"
    ),
    as_json: bool = typer.Option(False, "--json", help="One point: print JSON"),
) -> None:
    """Place one point (--lon/--lat) or a CSV of points (--in/--out) in the grid.

    Examples: gridops grid locate --lon 121.508 --lat 31.235;
    gridops grid locate --in points.csv --lon-col x --lat-col y --out located.csv
    """
    from gridops.grids import load_grid
    from gridops.grids.crs import normalise_crs

    if crs is not None:
        crs = normalise_crs(crs)
    if in_path is not None:
        if out_path is None:
            raise UserError("--in needs --out (where to write the located CSV)")
        grid = load_grid(_grid_path(grid_path))
        _locate_file(grid, in_path, out_path, lon_col, lat_col, crs)
        return
    if lon is None or lat is None:
        raise UserError("give --lon and --lat, or --in FILE --out FILE")
    grid = load_grid(_grid_path(grid_path))
    loc = grid.locate(lon, lat, crs=crs)
    levels = range(1, grid.levels + 1)
    if loc is None:
        doc: dict[str, object] = {"status": "outside", "lon": lon, "lat": lat}
    else:
        doc = {
            "status": "ok",
            "lon": lon,
            "lat": lat,
            **{f"l{lv}_code": code for lv, code in zip(levels, loc.codes, strict=True)},
            "owners": [grid.cells[c].owner_unit for c in loc.codes if c],
            "overlays": [list(o) for o in loc.overlays],
        }
    if as_json:
        print(json.dumps(doc, ensure_ascii=False))
        return
    if loc is None:
        print(f"outside: ({lon}, {lat}) is in no level-1 cell of {grid.name}")
        return
    for lv, code in zip(levels, loc.codes, strict=True):
        cell = grid.cells.get(code)
        label = f"{code}  {cell.name}  owner {cell.owner_unit}" if cell else "(none)"
        print(f"level {lv}: {label}")
    for layer, code in loc.overlays:
        print(f"overlay {layer}: {code}")


def _locate_file(
    grid: object, in_path: Path, out_path: Path, lon_col: str, lat_col: str, crs: str | None
) -> None:
    from gridops.grids.model import Grid
    from gridops.grids.points import locate_csv

    assert isinstance(grid, Grid)
    size = in_path.stat().st_size if in_path.is_file() else 0
    t0 = time.perf_counter()
    if size > 5_000_000 and sys.stderr.isatty():
        columns = (TextColumn("locating"), BarColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task("locate", total=size)
            counts = locate_csv(
                grid,
                in_path,
                out_path,
                lon_col,
                lat_col,
                crs,
                progress=lambda done: bar.update(task, completed=done),
            )
    else:
        counts = locate_csv(grid, in_path, out_path, lon_col, lat_col, crs)
    total = sum(counts.values())
    dt = time.perf_counter() - t0
    print(
        f"{out_path}: {total:,} rows — ok {counts['ok']:,}, outside {counts['outside']:,}, "
        f"invalid {counts['invalid']:,} ({dt:.1f} s)"
    )


@app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="Folder to write (never the packaged sample)"),
    size: str = typer.Option("sample", "--size", help="sample (~5,000 cells) or bench (~120k)"),
    seed: int = typer.Option(20240601, "--seed", help="Random seed (fixed: deterministic)"),
    outline: Path = typer.Option(
        DEFAULT_GRID / "pudong_outline.geojson",
        "--outline",
        help="Outline GeoJSON (GCJ-02)",
    ),
) -> None:
    """Generate the synthetic Pudong grid (spec + GeoJSON), byte-for-byte reproducible.

    Examples: gridops grid generate --out my-pudong;
    gridops grid generate --size bench --out .gridops/grids/pudong-bench
    (the packaged sample is only rewritten when --out names its folder explicitly)
    """
    from gridops.grids.generate import generate_grid_dir

    t0 = time.perf_counter()
    counts = generate_grid_dir(outline, out, size=size, seed=seed)
    listing = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    print(f"{out}: {listing} ({time.perf_counter() - t0:.1f} s)")


@app.command()
def subdivide(
    spec: Path = typer.Argument(..., help="Grid spec whose level 1 holds the real boundaries"),
    out: Path = typer.Option(..., "--out", help="Folder to write the 3-level grid to"),
    cells: str | None = typer.Option(
        None, "--cells", help="Regular: cells per level-1 cell, then per level-2 cell, e.g. 8,20"
    ),
    km2: str | None = typer.Option(
        None, "--km2", help="Area-balanced: cell size of level 2, then level 3, e.g. 2,0.25"
    ),
    seed: int = typer.Option(1, "--seed", help="Random seed (fixed: the same cells every run)"),
) -> None:
    """Cut real level-1 boundaries (any CRS the spec can read) into level-2 and level-3 cells
    that nest exactly; writes level1/2/3.geojson and a grid.yaml to --out.

    Examples: gridops grid subdivide boroughs/grid.yaml --out city --km2 2,0.25;
    gridops grid subdivide boroughs/ --out city --cells 8,20
    """
    from gridops.grids import load_grid
    from gridops.grids.cut import cut_grid
    from gridops.grids.cut_out import write_cut_grid

    if out.resolve() == DEFAULT_GRID.resolve():
        raise UserError(f"--out {out}: that is the packaged sample grid; give another folder")
    per_cell = _pair(cells, int, "--cells") if cells else None
    sizes = _pair(km2, float, "--km2") if km2 else None
    if (per_cell is None) == (sizes is None):
        raise UserError("give --cells N2,N3 (regular) or --km2 S2,S3 (area-balanced)")
    t0 = time.perf_counter()
    grid = load_grid(_grid_path(spec))
    l1 = [({"code": c.code, "name": c.name}, c.geometry) for c in grid.cells_at(1)]
    areas = [c.area_m2 for c in grid.cells_at(1)]
    levels = cut_grid(l1, areas, per_cell=per_cell, km2=sizes, seed=seed)
    counts = write_cut_grid(out, levels, name=f"{grid.name}-cells", crs=grid.crs)
    listing = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    print(f"{out}: {listing} ({time.perf_counter() - t0:.1f} s)")


def _pair(text: str, kind: type, option: str) -> tuple[Any, Any]:
    try:
        a, b = (kind(x) for x in text.split(","))
    except ValueError:
        raise UserError(
            f"{option} {text!r}: give two numbers, level 2 then level 3, e.g. 8,20"
        ) from None
    return a, b


@app.command()
def export(
    level: int = typer.Option(..., "--level", help="Level to export (1..N), or 0 with --overlay"),
    grid_path: Path | None = GRID_OPT,
    overlay: str | None = typer.Option(None, "--overlay", help="Overlay layer name"),
    out: Path | None = typer.Option(None, "--out", help="GeoJSON file [default: stdout]"),
    to_crs: str | None = typer.Option(None, "--to-crs", help="Convert coordinates, e.g. WGS84"),
) -> None:
    """Write one level (or overlay layer) as GeoJSON with code, parent, name, owner, area.

    Example: gridops grid export --level 1 --to-crs WGS84 --out level1-wgs84.geojson
    """
    from gridops.grids import load_grid
    from gridops.grids.geojson_out import cell_features, feature_json, write_features

    grid = load_grid(_grid_path(grid_path))
    if overlay is not None:
        if overlay not in grid.overlays:
            raise UserError(f"--overlay {overlay!r}: layers are {', '.join(grid.overlays)}")
        cells = grid.overlays[overlay]
    elif 1 <= level <= grid.levels:
        cells = grid.cells_at(level)
    else:
        raise UserError(f"--level {level}: {grid.name} has levels 1..{grid.levels}")
    feats = cell_features(cells, grid.crs, to_crs)
    if out is not None:
        n = write_features(out, feats, name=overlay or f"level{level}")
        print(f"{out}: {n:,} cells")
        return
    sys.stdout.write('{"type":"FeatureCollection","features":[\n')
    sys.stdout.write(",\n".join(feature_json(p, g) for p, g in feats))
    sys.stdout.write("\n]}\n")


@app.command()
def demo(
    grid_path: Path | None = GRID_OPT,
    points: int = typer.Option(100_000, "--points", help="Random points to locate"),
    seed: int = typer.Option(7, "--seed", help="Seed for the random points"),
) -> None:
    """Load the sample grid, check it, locate random points, print a summary (a few seconds)."""
    from gridops.grids import read_grid
    from gridops.grids.check import check_grid

    console = Console()
    t0 = time.perf_counter()
    grid, issues = read_grid(_grid_path(grid_path))
    t_load = time.perf_counter() - t0
    report = check_grid(grid, issues)
    t_check = time.perf_counter() - t0 - t_load
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = _bounds(grid)
    lons, lats = rng.uniform(x0, x1, points), rng.uniform(y0, y1, points)
    t1 = time.perf_counter()
    codes = grid.locate_many(lons, lats)
    t_locate = time.perf_counter() - t1
    inside = int((codes[0] != "").sum())
    table = Table(title=f"grid demo: {grid.name} ({grid.crs})")
    table.add_column("step")
    table.add_column("result")
    table.add_column("time", justify="right")
    counts = ", ".join(f"L{lv} {len(grid.cells_at(lv)):,}" for lv in range(1, grid.levels + 1))
    table.add_row("load", f"{counts}; overlays {', '.join(grid.overlays)}", f"{t_load:.2f} s")
    table.add_row(
        "check", f"{len(report.errors)} errors, {len(report.warnings)} warnings", f"{t_check:.2f} s"
    )
    table.add_row(
        "locate",
        f"{points:,} random points in the bounding box: {inside:,} inside "
        f"({points / t_locate:,.0f} points/s)",
        f"{t_locate:.2f} s",
    )
    for k in np.flatnonzero(codes[0] != "")[:3]:
        loc = grid.locate(float(lons[k]), float(lats[k]))
        assert loc is not None
        owner = grid.cells[[c for c in loc.codes if c][-1]].owner_unit
        extra = f" overlays {loc.overlays}" if loc.overlays else ""
        table.add_row(
            "example",
            f"({lons[k]:.5f}, {lats[k]:.5f}) → {' / '.join(loc.codes)} → {owner}{extra}",
            "",
        )
    console.print(table)
    if report.errors:
        raise typer.Exit(1)


def _bounds(grid: object) -> tuple[float, float, float, float]:
    import shapely

    from gridops.grids.model import Grid

    assert isinstance(grid, Grid)
    x0, y0, x1, y1 = shapely.total_bounds([c.geometry for c in grid.cells_at(1)])
    return float(x0), float(y0), float(x1), float(y1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="grid")
