"""`gridops report`, `gridops replay` and `gridops import tickets`: the supervisor's audit.

report: every indicator with n, stage times, composite score and grade, by unit, cell or
category over a period. replay: route the same incidents under a new grid or new rules and
compare workloads. import: historical cases in as closed tickets.
"""

from __future__ import annotations

import csv
import io
import json
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
SHORT = {
    "registration_rate": "立案",
    "dispatch_accuracy": "准确派遣",
    "on_time_dispatch": "按时派遣",
    "handling_rate": "处置",
    "on_time_handling": "按期处置",
    "close_rate": "结案",
    "on_time_close": "按期结案",
    "rework_rate": "返工",
    "onsite_resolution": "现场解决",
    "escalation_rate": "升级",
    "supervision_rate": "督办",
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
        False, "--exact", help="Read the tickets, not the daily rollups (adds median and p90)"
    ),
) -> None:
    """Indicators per unit, cell or category for a period, each rate with its n.

    By unit, l1, l2 and category the report reads the daily rollups (brought up to date
    first: only days whose tickets changed are recomputed); by l3, or with --exact, it
    aggregates the tickets themselves.

    Example: gridops report --by unit --period 2026-10 --format csv
    """
    from gridops.metrics import build_report, load_indicator_config, parse_period
    from gridops.settings import load_settings
    from gridops.store import open_store
    from gridops.store.rollups import (
        DIMS,
        RollupParams,
        indicator_counts,
        refresh_rollups,
        rollup_counts,
    )

    if by not in BY:
        raise UserError(f"--by {by!r}: use one of {', '.join(BY)}")
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    settings = load_settings()
    p = parse_period(period, settings.timezone)
    config = load_indicator_config(indicators or settings.config_dir / "indicators.yaml")
    params = RollupParams(config.dispatch_limit_minutes * 60, config.satisfied_min)
    now = datetime.now(UTC)
    store = open_store(settings.database_url, timezone=settings.timezone)
    try:
        if exact or by not in DIMS:
            groups = indicator_counts(
                store.engine,
                by=by,
                start=p.start,
                end=p.end,
                as_of=now,
                dispatch_limit_s=params.dispatch_limit_s,
                satisfied_min=params.satisfied_min,
            )
        else:
            refresh_rollups(store.engine, now=now, params=params, tz=settings.timezone)
            first, after = p.days(settings.timezone)
            groups = rollup_counts(store.engine, by=by, first=first, after=after)
    finally:
        store.close()
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


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _table(rows: list[Any], by: str, period: str, min_n: int, limit: int) -> None:
    table = Table(title=f"report by {by}, {period} (rate/n; no grade below n={min_n})")
    for col in ("key", "name", "n", *SHORT.values(), "score", "grade"):
        table.add_column(col, justify="left" if col in ("key", "name") else "right")
    for r in rows[: limit or None]:
        cells = [f"{_pct(r.rates[k].value)}/{r.rates[k].n}" for k in SHORT]
        score = "—" if r.score.value is None else f"{r.score.value:.1f}"
        name = " ".join(x for x in (r.zh, r.en) if x)
        table.add_row(r.key or "(none)", name, str(r.n), *cells, score, r.score.grade or "—")
    Console().print(table)


def _csv(rows: list[Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = list(rows[0].rates) if rows else []
    stages = ("report_to_dispatch", "dispatch_to_handled", "handled_to_closed")
    head = ["key", "name_zh", "name_en", "n"]
    for k in names:
        head += [k, f"{k}_n"]
    for s in stages:
        head += [f"{s}_mean_h", f"{s}_median_h", f"{s}_p90_h"]
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


def register(app: typer.Typer) -> None:
    app.command("report")(report)
