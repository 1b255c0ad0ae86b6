"""`gridops report`, `gridops replay` and `gridops import tickets`: the supervisor's audit.

report: every indicator with n, stage times, composite score and grade, by unit, cell or
category over a period. replay: route the same incidents under a new grid or new rules and
compare workloads. import: historical cases in as closed tickets.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from gridops.errors import UserError

BY = ("unit", "l1", "l2", "l3", "category")
FORMATS = ("table", "csv", "json")
SHORT = {  # the table's columns (csv and json carry every indicator)
    "dispatch_accuracy": "准确派遣",
    "on_time_handling": "按期处置",
    "close_rate": "结案",
    "rework_rate": "返工",
    "onsite_resolution": "现场解决",
    "satisfaction": "满意",
}


def report(
    by: str = typer.Option("unit", "--by", help="Group by: unit, l1, l2, l3 or category"),
    period: str = typer.Option(..., "--period", help="2026-10, 2026-W43, 2026-10-05, 2026, a..b"),
    fmt: str = typer.Option("table", "--format", help="table, csv or json"),
    indicators: Path = typer.Option(
        None, "--indicators", help="indicators.yaml (default: the config dir's)"
    ),
    names: bool = typer.Option(True, "--names/--no-names", help="中文 + English names"),
    limit: int = typer.Option(0, "--limit", help="Only the N largest groups (table only)"),
    exact: bool = typer.Option(
        False,
        "--exact",
        help="Read the tickets, not the daily rollups (adds the stage times' median — the mean "
        "of the two middle values for an even count — and p90 by nearest rank)",
    ),
) -> None:
    """Indicators per unit, cell or category for a period, each rate with its n.

    By unit, l1, l2 and category the report reads the daily rollups (brought up to date
    first: only days whose tickets changed are recomputed); by l3, or with --exact, it
    aggregates the tickets themselves. By a level, tickets with no cell at that level (a gap
    in the layers) are their own row, "(none at this level)".

    Example: gridops report --by unit --period 2026-10 --format csv
    """
    from gridops.metrics import build_report, load_indicator_config, parse_period
    from gridops.services.reports import period_counts
    from gridops.settings import load_settings
    from gridops.store import open_store

    if by not in BY:
        raise UserError(f"--by {by!r}: use one of {', '.join(BY)}")
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    settings = load_settings()
    p = parse_period(period, settings.timezone)
    config = load_indicator_config(indicators or settings.config_dir / "indicators.yaml")
    store = open_store(settings.database_url, timezone=settings.timezone)
    try:
        groups, days = period_counts(store, config, by=by, period=p, now=datetime.now(UTC),
                                     tz=settings.timezone, exact=exact)  # fmt: skip
    finally:
        store.close()
    if days > 31:
        typer.echo(f"daily rollups: {days} days recomputed", err=True)
    labels = _names(settings, by, [g.key for g in groups]) if names and groups else {}
    rows = build_report(groups, config, labels)
    if fmt == "json":
        out = {"period": p.label, "by": by, "min_n": config.min_n}
        print(json.dumps(out | {"rows": [r.to_dict() for r in rows]}, ensure_ascii=False))
    elif fmt == "csv":
        sys.stdout.write(_csv(rows))
    else:
        _table(rows, by, p.label, config.min_n, limit)


def _names(settings: Any, by: str, keys: list[str]) -> dict[str, tuple[str, str]]:
    """中文 and English names of the groups, from the org chart, the grid or the taxonomy."""
    from gridops.grids import load_grid
    from gridops.metrics import split_name
    from gridops.org import load_ops_config

    grid = load_grid(settings.grid_path)
    if by in ("l1", "l2", "l3"):
        return {k: split_name(grid.cells[k].name) for k in keys if k in grid.cells}
    ops = load_ops_config(settings.config_dir, grid, verify=False)
    if by == "category":
        cats = ops.taxonomy.categories
        return {k: (cats[k].zh, cats[k].en) for k in keys if k in cats}
    units = ops.org.units
    return {k: (units[k].zh, units[k].en) for k in keys if k in units}


def _rate(r: Any) -> str:
    """A rate as the console's pages and exports show it (Rate.percent: half up, exact)."""
    shown = r.percent()
    return f"{'—' if shown is None else f'{shown}%'} ({r.n})"


def _table(rows: list[Any], by: str, period: str, min_n: int, limit: int) -> None:
    table = Table(
        title=f"report by {by}, {period}: rate (n); no grade below n={min_n}",
        caption="every indicator: --format csv or json",
    )
    for col in ("key", "name", "n", *SHORT.values(), "score", "grade"):
        table.add_column(col, justify="left" if col in ("key", "name") else "right")
    for r in rows[: limit or None]:
        cells = [_rate(r.rates[k]) for k in SHORT]
        score = "—" if r.score.value is None else f"{r.score.value:.1f}"
        key = r.key or (NONE if by in ("l1", "l2", "l3") else "(none)")
        table.add_row(key, r.zh or r.en, str(r.n), *cells, score, r.score.grade or "—")
    Console(width=max(Console().width, 150)).print(table)


NONE = "(none at this level)"  # the row of tickets with no cell at the level grouped by


def _csv(rows: list[Any]) -> str:
    """The rows as CSV; stage times in hours, the median the mean of the two middle values for
    an even count, p90 by nearest rank (its column says so)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = list(rows[0].rates) if rows else []
    stages = ("report_to_dispatch", "dispatch_to_handled", "handled_to_closed")
    head = ["key", "name_zh", "name_en", "n"]
    for k in names:
        head += [k, f"{k}_n"]
    for s in stages:
        head += [f"{s}_mean_h", f"{s}_median_h", f"{s}_p90_nearest_rank_h"]
    w.writerow([*head, "count_score", "score", "grade"])
    for r in rows:
        d = r.to_dict()
        line = [r.key, r.zh, r.en, r.n]
        for k in names:
            line += [d["indicators"][k]["value"], d["indicators"][k]["n"]]
        for s in stages:
            st = d["stage_times_h"].get(s, {})
            line += [st.get("mean"), st.get("median"), st.get("p90")]
        w.writerow([*line, r.score.count_score, r.score.value, r.score.grade])
    return buf.getvalue()


# -- replay ----------------------------------------------------------------------------------
def replay(
    tickets_csv: Path = typer.Option(
        None, "--tickets", help="CSV of incidents: id, category, lon, lat[, crs]"
    ),
    period: str = typer.Option(None, "--period", help="Or: the stored tickets of a period"),
    grid: Path = typer.Option(None, "--grid", help="The new grid (default: the current one)"),
    config: Path = typer.Option(
        None, "--config", help="The new config dir (default: the current one)"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
    out: Path = typer.Option(None, "--out", help="Write the tickets whose owner changes (CSV)"),
    limit: int = typer.Option(30, "--limit", help="Rows of the workload table"),
) -> None:
    """Route the same incidents under a new grid and/or new rules: each unit's workload
    before and after, and the tickets whose owner changes.

    Example: gridops replay --period 2026-10 --config config-next/
    """
    from gridops.grids import load_grid
    from gridops.metrics.replay import compare, owners
    from gridops.org import load_ops_config
    from gridops.settings import load_settings

    if (tickets_csv is None) == (period is None):
        raise UserError("replay: give exactly one of --tickets FILE or --period P")
    if grid is None and config is None:
        raise UserError("replay: give --grid NEW_GRID and/or --config NEW_CONFIG to compare")
    settings = load_settings()
    incidents = _csv_incidents(tickets_csv) if tickets_csv else _stored(settings, period)
    old_grid = load_grid(settings.grid_path)
    old = load_ops_config(settings.config_dir, old_grid)
    new_grid = load_grid(grid) if grid else old_grid
    new = load_ops_config(config or settings.config_dir, new_grid)
    result = compare(incidents, owners(incidents, old_grid, old), owners(incidents, new_grid, new))
    if out:
        with out.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "owner_before", "owner_after"])
            w.writerows(result.moved)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    table = Table(title=f"replay: {result.total} incidents, {len(result.moved)} change owner")
    for col in ("unit", "name", "before", "after", "change"):
        table.add_column(col, justify="left" if col in ("unit", "name") else "right")
    for u, b, a in result.workload[:limit]:
        unit = old.org.units.get(u) or new.org.units.get(u)
        name = unit.zh if unit is not None else ""
        table.add_row(u, name, str(b), str(a), f"{a - b:+d}")
    Console().print(table)


def _csv_incidents(path: Path) -> list[Any]:
    from gridops.metrics.replay import Incident

    if not path.is_file():
        raise UserError(f"{path}: file not found")
    found = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"id", "category", "lon", "lat"} - set(reader.fieldnames or ())
        if missing:
            raise UserError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
            except ValueError:
                lon = lat = math.nan
            if not (math.isfinite(lon) and math.isfinite(lat)):
                raise UserError(
                    f"{path}: line {reader.line_num}: lon/lat {row['lon']!r}, {row['lat']!r} "
                    "are not numbers"
                )
            crs = row.get("crs") or "EPSG:4326"
            found.append(Incident(row["id"], row["category"], lon, lat, crs))
    return found


def _stored(settings: Any, period: str) -> list[Any]:
    """The incidents of the tickets reported in ``period`` (only the fields routing reads)."""
    from gridops.metrics import parse_period
    from gridops.metrics.replay import Incident
    from gridops.store import open_store
    from gridops.store.queries import routing_inputs

    p = parse_period(period, settings.timezone)
    store = open_store(settings.database_url, timezone=settings.timezone)
    try:
        found = routing_inputs(store, start=p.start, end=p.end)
    finally:
        store.close()
    return [Incident(d["number"], d["category"], d["lon"], d["lat"], d["crs"], d["source"])
            for d in found]  # fmt: skip


# -- import ----------------------------------------------------------------------------------
import_app = typer.Typer(
    rich_markup_mode="markdown", help="Bring historical data in.", no_args_is_help=True
)


@import_app.command("tickets")
def import_tickets(
    file: Path = typer.Argument(..., help="CSV of historical cases"),
    mapping: Path = typer.Option(..., "--mapping", help="Column mapping YAML"),
    batch: int = typer.Option(1000, "--batch", help="Rows written per transaction"),
    bad_rows: Path | None = typer.Option(
        None, "--bad-rows", help="CSV to write every bad row to [default: FILE.bad.csv if > 50]"
    ),
) -> None:
    """Historical cases in as closed tickets with their own timestamps (events at the
    historical times, hash chains valid), deadlines on calendar.yaml's work calendar and time
    zone, or the row's own `due_at` when the mapping maps it. Idempotent by the mapping's row
    id. Bad rows (an unknown category or owner unit, an open case with no `closed_at`, a time
    out of range, a point outside the grid) are skipped and every one is reported: on screen
    up to 50, all of them in the --bad-rows CSV. Exit 1 when no row could be imported.

    Mapping `source` values: inspector, grid_worker, hotline, public, camera, import
    (map your own under `sources:`). Example: gridops import tickets cases.csv --mapping m.yaml
    """
    from rich.progress import Progress

    from gridops.metrics.mapping import load_mapping
    from gridops.services.importing import count_rows, import_history
    from gridops.settings import load_settings

    m = load_mapping(mapping)
    if not file.is_file():
        raise UserError(f"{file}: file not found")
    settings = load_settings()
    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("importing", total=count_rows(file))
        result = import_history(settings, file, m, batch=batch, now=datetime.now(UTC),
                                progress=lambda n: bar.advance(task, n))  # fmt: skip
    typer.echo(f"imported {result.imported}, already there {result.known}, "
               f"bad rows {len(result.bad)}")  # fmt: skip
    for line, message in result.bad[:SHOWN_BAD]:
        typer.echo(f"  {file}:{line}: {message}", err=True)
    if bad_rows is None and len(result.bad) > SHOWN_BAD:
        bad_rows = file.with_suffix(".bad.csv")
    if bad_rows is not None and result.bad:
        with bad_rows.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["line", "problem"])
            w.writerows(result.bad)
        more = len(result.bad) - SHOWN_BAD
        lead = f"… and {more} more bad rows; all" if more > 0 else "all bad rows"
        typer.echo(f"  {lead} {len(result.bad)} in {bad_rows}", err=True)
    if result.open:
        typer.echo(
            f"  {result.open} of the bad rows are cases still open in the source system; "
            "gridops does not take over live work from a file: close them there and run this "
            "same import again once they have closed (rows already imported are skipped by "
            "their id), or report them anew through intake (Open311, the hotline desk)",
            err=True,
        )
    for lon, lat, n in result.stacked():
        typer.echo(
            f"  warning: {n} rows stand at exactly ({lon}, {lat}): a default location (a city "
            "hall used when the caller gave none?) — their cells are that point's, not the "
            "incident's",
            err=True,
        )
    if not (result.imported or result.known):
        typer.echo(f"error: {file}: no row could be imported; fix the bad rows above", err=True)
        raise typer.Exit(1)


SHOWN_BAD = 50  # bad rows printed; all of them go to the --bad-rows CSV


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("replay")(replay)
    app.add_typer(import_app, name="import")
