"""`gridops config …`: Configuration: check that routing is total before deploying."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from gridops.datadir import secure_data_dir
from gridops.errors import ConfigError, UserError
from gridops.org.check import ERROR, CheckReport, check_config
from gridops.org.check_notify import check_notify
from gridops.org.config import OpsConfig, load_ops_config
from gridops.org.roster import Roster, load_roster
from gridops.settings import load_settings

log = logging.getLogger(__name__)

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Configuration: check that routing is total before deploying.",
    no_args_is_help=True,
)


def staffed_units(config: OpsConfig) -> set[str] | None:
    """Units with at least one person on the roster (config_dir/roster.yaml); None without one.

    The hook of the units-with-no-staff report: check_config(staffed_units=…).
    """
    if config.config_dir is None or not (config.config_dir / "roster.yaml").is_file():
        return None
    roster = load_roster(
        config.config_dir / "roster.yaml", config.org.units, city_timezone=_city(config)
    )
    return {unit for unit in config.org.units if roster.has_staff(unit)}


def _city(config: OpsConfig) -> str | None:
    """calendar.yaml's time zone, the roster's too; None when it is not a zone (the
    calendar's own check reports that)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from gridops.settings import calendar_timezone

    assert config.config_dir is not None
    city = calendar_timezone(config.config_dir)
    try:
        ZoneInfo(city or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return city


def _roster(config: OpsConfig) -> Roster | None:
    if config.config_dir is None or not (config.config_dir / "roster.yaml").is_file():
        return None
    return load_roster(
        config.config_dir / "roster.yaml", config.org.units, city_timezone=_city(config)
    )


def run_check(
    config_dir: Path,
    grid_spec: Path,
    secrets: Collection[str] = (),
    data_dir: Path | None = None,
) -> tuple[CheckReport, float]:
    """Load the grid and the configuration and run the proof; load failures become errors.
    ``secrets``: the names of the secrets set (GRIDOPS_SECRET_<NAME>), for the channels;
    ``data_dir``: where the grid's pack is (made there if missing; none: read its files)."""
    t0 = time.perf_counter()
    report = CheckReport()
    try:
        grid = _grid(grid_spec, data_dir)
    except ConfigError as exc:
        report.add(ERROR, "grid", str(grid_spec), str(exc))
        return report, time.perf_counter() - t0
    try:
        config = load_ops_config(config_dir, grid, verify=False)
        report = check_config(config, staffed_units=staffed_units(config))
        check_notify(report, config_dir, _roster(config), config.org, secrets)
    except ConfigError as exc:
        misfits = _grid_fit(config_dir, grid)
        for file, place, message in misfits:
            report.add(ERROR, "grid-fit", f"{config_dir / file}: {place}", message)
        if not misfits:  # the loader's one error is then the news
            report.add(ERROR, "load", str(config_dir), str(exc))
        else:
            report.add(
                ERROR,
                "grid-fit",
                f"{len(misfits)} references",
                f"{config_dir} names levels, cells or layers that grid {grid.name} lacks; fix "
                f"them, or write a starting config for this grid: gridops init --grid "
                f"{grid_spec} --out NEW_DIR --timezone ZONE",
            )
    _check_calendar(report, config_dir / "calendar.yaml")
    return report, time.perf_counter() - t0


def _grid(grid_spec: Path, data_dir: Path | None) -> Any:
    """The grid, from its pack under ``data_dir`` when it can be (gridops.services.grid_cache)."""
    from gridops.grids import load_grid

    if data_dir is not None:
        from gridops.services.grid_cache import load_grid_cached

        try:
            return load_grid_cached(grid_spec, data_dir)
        except OSError as exc:  # a data dir that cannot be written: read the files
            log.warning("grid pack unavailable (%s): reading the grid's files", exc)
    return load_grid(grid_spec)


def _grid_fit(config_dir: Path, grid: Any) -> list[tuple[str, str, str]]:
    """Every reference of the config to a level, cell or layer the grid lacks."""
    import yaml

    from gridops.org.grid_fit import grid_fit

    def raw(name: str) -> Any:
        try:
            return yaml.safe_load((config_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError):
            return None

    return grid_fit(
        grid, raw("org.yaml"), raw("routing.yaml"), raw("roster.yaml"), grid_name=grid.name
    )


def _check_calendar(report: CheckReport, path: Path) -> None:
    """The work calendar the services load at start: its time zone, working periods and
    dates are errors here, not when a worker starts."""
    from gridops.tickets.calendar_config import load_calendar

    try:
        load_calendar(path)
    except ConfigError as exc:
        report.add(ERROR, "calendar", str(path), str(exc))


def _print(report: CheckReport, seconds: float, config_dir: Path, grid_spec: Path) -> None:
    console = Console()
    stats: dict[str, Any] = report.stats
    if stats:
        console.print(
            f"[bold]{config_dir}[/] on grid [bold]{grid_spec}[/]: "
            f"{stats.get('level3_cells', 0):,} level-3 cells × {stats.get('categories', 0)} "
            f"categories = {stats.get('entries', 0):,} pairs, {stats.get('units', 0):,} units, "
            f"{stats.get('rules', 0)} rules; owners by kind {stats.get('owners_by_kind', {})}"
        )
        if not stats.get("staff_checked"):
            console.print("staff: not checked (no roster.yaml in the config directory)")
    if report.findings:
        table = Table(title="gridops config check")
        for col in ("severity", "check", "subject", "finding"):
            table.add_column(col, overflow="fold")
        for f in report.findings:
            colour = "red" if f.severity == ERROR else "yellow"
            table.add_row(f"[{colour}]{f.severity}[/]", f.check, f.subject, f.message)
        console.print(table)
    verdict = (
        "[green]total: every level-3 cell × category has an owner[/]"
        if report.ok
        else "[red]FAILED[/]"
    )
    console.print(
        f"{verdict} — {len(report.errors)} errors, {len(report.warnings)} warnings "
        f"({seconds:.2f} s)"
    )


@app.command("check")
def check(
    config_dir: Path | None = typer.Option(
        None, "--config-dir", help="Directory of categories/org/routing/escalation.yaml"
    ),
    grid: Path | None = typer.Option(None, "--grid", help="Grid spec YAML or its directory"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object"),
    fresh: bool = typer.Option(
        False, "--fresh", help="Run the whole proof even if this content was checked before"
    ),
) -> None:
    """Prove routing is total: every level-3 cell × category has an owner; report units with no
    staff, departments with no coverage, rules that never match, escalation cycles and overlays
    with no owner. Exit 0 when there are only warnings, 1 on errors, 2 on usage errors.

    The report is kept in the data dir per content (grid, configuration, secrets' names, code):
    the same content checked again answers from it at once; --fresh proves it again.

    Example: gridops config check --json
    """
    settings = load_settings()
    config_dir = config_dir or settings.config_dir
    grid_spec = grid or settings.grid_path
    if not config_dir.is_dir():
        raise UserError(f"--config-dir {config_dir}: no such directory")
    if not grid_spec.exists():
        raise UserError(f"--grid {grid_spec}: no such file or directory")
    secure_data_dir(settings.data_dir)
    report, seconds, made = _checked(
        config_dir, grid_spec, set(settings.secrets), settings.data_dir, fresh
    )
    if as_json:
        out = report.to_dict() | {"config_dir": str(config_dir), "grid": str(grid_spec),
                                  "checked_before": made}  # fmt: skip
        print(json.dumps(out, ensure_ascii=False))
    else:
        _print(report, seconds, config_dir, grid_spec)
        if made:
            Console().print(f"(the report of {made}: same grid, configuration and code; "
                            "--fresh proves it again)")  # fmt: skip
    raise typer.Exit(0 if report.ok else 1)


def _checked(
    config_dir: Path, grid_spec: Path, secrets: set[str], data_dir: Path, fresh: bool
) -> tuple[CheckReport, float, str | None]:
    """The report kept for this content (and when it was made), or :func:`run_check`'s, kept
    when the proof ran and nothing changed meanwhile."""
    from gridops.services.check_cache import check_key, keep_report, kept_report

    t0 = time.perf_counter()
    key = check_key(grid_spec, config_dir, secrets)
    kept = None if fresh else kept_report(data_dir, key)
    if kept is not None:
        return kept[0], time.perf_counter() - t0, kept[1]
    report, seconds = run_check(config_dir, grid_spec, secrets, data_dir)
    if report.stats and check_key(grid_spec, config_dir, secrets) == key:
        keep_report(data_dir, key, report)
    return report, seconds, None


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="config")
