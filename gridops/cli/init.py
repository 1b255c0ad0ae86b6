"""`gridops init`: a starting configuration for any grid, proved by `config check` at once."""

from __future__ import annotations

import shutil
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from gridops.errors import UserError
from gridops.settings import DEFAULT_CONFIG_DIR

COPIED = ("categories.yaml", "escalation.yaml", "indicators.yaml")


def init(
    grid: Path = typer.Option(..., "--grid", help="Your grid spec (grid.yaml) or its folder"),
    out: Path = typer.Option(..., "--out", help="Folder to write the configuration to (new)"),
    timezone: str = typer.Option(
        ..., "--timezone", help="The city's IANA time zone, e.g. America/New_York"
    ),
    city: str | None = typer.Option(None, "--city", help="The city's name [default: grid name]"),
) -> None:
    """Write a starting configuration for any grid — categories (the national taxonomy), an
    org that follows the grid's levels, routing with an explicit default, escalation, a roster
    skeleton and a calendar in your one time zone — then run `config check` on it. Each file's
    comments say what to edit next. The shipped Pudong config stays the worked example.

    Example: gridops init --grid city/ --out city-config --timezone America/New_York
    """
    from gridops.cli.config import _print, run_check
    from gridops.grids import load_grid
    from gridops.org.starter import calendar_yaml, org_yaml, roster_yaml, routing_yaml

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"--timezone {timezone!r} is not an IANA time zone name; use one such as "
            "Asia/Shanghai or America/New_York"
        ) from None
    if out.exists() and any(out.iterdir()):
        raise UserError(f"--out {out}: the folder is not empty; give a new folder")
    g = load_grid(grid)
    overlays = {name: [c.code for c in cells] for name, cells in g.overlays.items()}
    texts = {
        "org.yaml": org_yaml(city or g.name, g.levels, overlays),
        "routing.yaml": routing_yaml(g.levels),
        "calendar.yaml": calendar_yaml(timezone),
        "roster.yaml": roster_yaml(g.levels),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copyfile(DEFAULT_CONFIG_DIR / name, out / name)
    for name, text in texts.items():
        (out / name).write_text(text, encoding="utf-8")
    typer.echo(f"{out}: {', '.join(sorted([*COPIED, *texts]))}")
    report, seconds = run_check(out, grid)
    _print(report, seconds, out, grid)
    typer.echo(
        f"next: edit {out}/org.yaml (names, departments, overlay owners), routing.yaml (your "
        f"rules), roster.yaml (your people); then gridops config check --config-dir {out} "
        f"--grid {grid}; run with GRIDOPS_CONFIG_DIR={out} GRIDOPS_GRID={grid}"
    )
    raise typer.Exit(0 if report.ok else 1)


def register(root: typer.Typer) -> None:
    root.command("init")(init)
