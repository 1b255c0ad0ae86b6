"""`gridops worker`, `gridops redis status|start|stop`, `gridops simulate`, `gridops demo`."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import typer

from gridops.errors import UserError
from gridops.queue.stages import DEFAULT_STAGES
from gridops.settings import load_settings


def worker(
    queues: str = typer.Option(
        "",
        "--queues",
        help="Comma-separated queues (routing, sweeper, notify, evaluation); default all",
    ),
    burst: bool = typer.Option(False, "--burst", help="Drain what is pending, then exit."),
    name: str = typer.Option("", "--name", help="Worker name (default host.pid.random)."),
    stages: str = typer.Option(
        DEFAULT_STAGES, "--stages", envvar="GRIDOPS_STAGES", help="StageSet as module:attribute."
    ),
    log_level: str = typer.Option("WARNING", "--log-level"),
    check: bool = typer.Option(
        False, "--check", help="Probe instead: database, migrations, Redis, this host's workers."
    ),
    expect: int = typer.Option(1, "--expect", min=0, help="With --check: workers needed here."),
) -> None:
    """Run one RQ worker (SimpleWorker) over the gridops stages; run as many as you like, on
    any number of machines sharing one Redis and one database (claims split the work).

    With --check, run nothing: say whether the database answers at the shipped migration,
    Redis answers and at least --expect workers of this host are registered and running;
    exit 0 if so, else 1 (a health probe for systemd, a load balancer or monitoring).

    Example: gridops worker · gridops worker --queues routing --name router-1 · gridops worker
    --burst (drain what is pending, then exit) · gridops worker --check --expect 2
    """
    import logging

    if check:
        from gridops.cli.probe import check_workers

        raise typer.Exit(check_workers(load_settings(), expect=expect, say=typer.echo))

    from gridops.cli.reach import check_reachable
    from workers.run import run_worker

    logging.basicConfig(level=log_level.upper())
    settings = load_settings()
    check_reachable(settings)
    if stages == DEFAULT_STAGES:  # a bad grid or config is one line now, not a failed job each
        from gridops.services.context import build_context

        build_context(settings).close()  # the grid and config stay cached for the jobs
    raise typer.Exit(
        run_worker(
            settings,
            stages_path=stages,
            queues=[q.strip() for q in queues.split(",") if q.strip()] or None,
            burst=burst,
            name=name or None,
            log_level=log_level.upper(),
        )
    )


redis_app = typer.Typer(
    rich_markup_mode="markdown", help="The embedded Redis under the data dir (内置 Redis)."
)


@redis_app.command("status")
def redis_status() -> None:
    """Say which Redis gridops uses (its URL with the password masked), whether it answers,
    and what its queues hold."""
    from gridops.queue.connect import client, embedded_for, mask_url
    from gridops.queue.status import snapshot

    settings = load_settings()
    if settings.redis_url:
        typer.echo(f"external Redis: {mask_url(settings.redis_url)}")
    else:
        info = embedded_for(settings).info()
        if info is None:
            typer.echo(f"embedded Redis: not running (data dir {settings.data_dir})")
            raise typer.Exit(1)
        typer.echo(f"embedded Redis: running, pid {info.pid}, {info.masked_url}")
    try:
        with client(settings, socket_connect_timeout=2) as conn:
            snap = snapshot(conn)
    except Exception as exc:  # noqa: BLE001 - reported in words
        typer.echo(f"  not answering: {exc}")
        raise typer.Exit(1) from None
    typer.echo(f"  workers: {snap.workers}")
    for q in snap.queues:
        typer.echo(f"  queue {q.name}: {q.queued} queued, {q.running} running, {q.failed} failed")
    if snap.retrying:
        typer.echo(f"  waiting for a retry: {', '.join(snap.retrying)}")


@redis_app.command("start")
def redis_start() -> None:
    """Start the embedded Redis (or reuse the running one) and leave it running; it listens
    on the same port at every start, with the password in <data dir>/redis/password."""
    from gridops.queue.connect import embedded_for, mask_url

    settings = load_settings()
    if settings.redis_url:
        typer.echo(f"GRIDOPS_REDIS_URL is set ({mask_url(settings.redis_url)}): nothing to start")
        return
    info, started = embedded_for(settings).start()
    typer.echo(f"embedded Redis: {'started' if started else 'already running'}, {info.masked_url}")


@redis_app.command("stop")
def redis_stop() -> None:
    """Stop the embedded Redis (its append-only file stays under the data dir)."""
    from gridops.queue.connect import embedded_for

    settings = load_settings()
    stopped = embedded_for(settings).stop()
    typer.echo("embedded Redis: stopped" if stopped else "embedded Redis: was not running")


def _console(*, stderr: bool) -> Any:
    """A rich Console; piped or logged (no terminal) it is 130 columns wide, not rich's 80,
    so the summary's ten columns keep their headers."""
    from rich.console import Console

    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=130)


def run_simulation(*, headless: bool, json_out: bool = False, **options: Any) -> int:
    """Run the simulation with a live display (or a line every few seconds); print the summary."""
    from rich.live import Live

    from gridops.cli.reach import check_reachable
    from gridops.services.demo import Progress, run

    check_reachable(load_settings())
    console = _console(stderr=json_out)
    if options.get("web"):
        port = options.get("port", 8311)
        console.print(
            f"console: http://127.0.0.1:{port}/console — sign in with a token from `gridops "
            "user add NAME --role dispatcher --unit all`; Ctrl-C stops the demo and what it "
            "started (the embedded Redis too, unless other processes use it)",
            soft_wrap=True,
        )
    options["say"] = console.print
    if headless:
        shown = {"at": -10.0}

        def line(p: Progress) -> None:
            if p.elapsed_s - shown["at"] >= 5:
                shown["at"] = p.elapsed_s
                console.print(_progress_line(p))

        rows, last = run(display=line, **options)
    else:
        with Live(console=console, refresh_per_second=4, transient=False) as live:
            rows, last = run(display=lambda p: live.update(_progress_table(p)), **options)
    if json_out:
        typer.echo(json.dumps({"elapsed_s": round(last.elapsed_s, 1),
                               "rows": [asdict(r) for r in rows]}, ensure_ascii=False))  # fmt: skip
    else:
        console.print(_summary_table(rows, f"gridops summary after {last.elapsed_s:.0f}s"))
    return 0


def run_simulated_days(
    *, days: float, start: str, per_hour: float, seed: int, slow_staff: float, staff: bool,
    json_out: bool,
) -> int:  # fmt: skip
    """Run ``days`` in simulated time (no Redis, no workers); a line per simulated day, then
    the summary (a table, or JSON) and the `gridops report` command that reads the same days."""

    from gridops.services.context import build_context
    from gridops.services.simulation_clock import (
        DayDone,
        SimulatedPeriod,
        default_start,
        simulate_days,
    )

    settings = load_settings()
    wall = datetime.now(UTC)
    zone = settings.timezone
    begin = _start(start, zone) if start else default_start(wall, days, zone)
    period = SimulatedPeriod(begin, days, per_hour=per_hour, seed=seed, slow_share=slow_staff)
    console = _console(stderr=json_out)

    def line(d: DayDone) -> None:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(d.by_status.items()))
        until = d.until.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M")
        console.print(f"[{d.wall_s:5.1f}s] day {d.day} to {until}: submitted {d.submitted}, "
                      f"people's actions {d.acted}: {statuses}", soft_wrap=True)  # fmt: skip

    ctx = build_context(settings)
    try:
        out = simulate_days(ctx, period, staff=staff, progress=line, wall_now=wall)
    finally:
        ctx.close()
    local = ZoneInfo(zone)
    first = out.start.astimezone(local).date()
    last = (out.end - timedelta(microseconds=1)).astimezone(local).date()
    report = f"gridops report --by l1 --period {first}..{last}"
    if json_out:
        typer.echo(json.dumps(out.to_dict() | {"report": report}, ensure_ascii=False))
        return 0
    began = out.start.astimezone(local).strftime("%Y-%m-%d %H:%M %z")
    title = f"gridops summary: {days:g} simulated days from {began}, seed {seed}"
    console.print(_summary_table(out.rows, title))
    console.print(f"the supervisor's report on these days: {report}", soft_wrap=True)
    return 0


FIRST_START = datetime(2000, 1, 1, tzinfo=UTC)  # the earliest --start of a simulation


def _start(text: str, timezone: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"simulate: --start {text!r} is not an ISO 8601 time; e.g. 2026-11-02T08:00+08:00"
        ) from None
    at = at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(timezone))
    try:
        ok = FIRST_START <= at.astimezone(UTC) < FIRST_START.replace(year=9000)
    except OverflowError:  # year 1 or 9999 shifted past the calendar by the offset
        ok = False
    if not ok:  # later than now is refused with the period (it must end before now)
        raise UserError(f"simulate: --start {text!r} lies before {FIRST_START:%Y-%m-%d} or "
                        "past the calendar; give a time from 2000 up to now")  # fmt: skip
    return at


def _progress_line(p: Any) -> str:
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(p.by_status.items()))
    return (f"[{p.elapsed_s:5.0f}s] submitted {p.submitted}, field actions {p.acted}, "
            f"workers {p.workers}: {statuses}")  # fmt: skip


def _progress_table(p: Any) -> Any:
    from rich.table import Table

    table = Table(title=f"gridops demo — {p.elapsed_s:.0f}s (Ctrl-C to stop)")
    table.add_column("what")
    table.add_column("count", justify="right")
    rate = p.submitted / p.elapsed_s if p.elapsed_s else 0.0
    table.add_row("reported by the simulator", f"{p.submitted} ({rate:.1f}/s)")
    table.add_row("field-staff actions", str(p.acted))
    table.add_row("workers alive", str(p.workers))
    table.add_row("web", p.web or "—")
    for status, n in sorted(p.by_status.items()):
        table.add_row(f"  {status}", str(n))
    return table


def _summary_table(rows: list[Any], title: str) -> Any:
    from rich.table import Table

    table = Table(title=f"{title} (by level-1 cell 街镇)")
    cols = ("reported", "dispatched", "on_site", "closed", "overdue", "supervised", "escalated",
            "duplicates")  # fmt: skip
    heads = ("reported", "dispatched", "on site", "closed", "overdue", "督办", "escalated", "dup")
    table.add_column("街镇", no_wrap=True)
    for head in (*heads, "on time"):
        table.add_column(head, justify="right")
    for r in rows:
        on_time = f"{100 * r.handled_on_time / r.due:.0f}%" if r.due else "—"
        table.add_row(r.name.split(" ")[0], *(str(getattr(r, c)) for c in cols), on_time)
    return table


def simulate(
    rate: float | None = typer.Option(
        None, "--rate", help="Incidents per second (mean) in wall-clock mode; default 5."
    ),
    fast: bool = typer.Option(
        False,
        "--fast",
        help="With --days: simulated time (implied). Alone: no pacing, the "
        "wall clock and the workers, as fast as they take it.",
    ),
    days: float = typer.Option(
        0.0,
        "--days",
        help="Simulate N days in simulated time, as fast as the machine can: "
        "stages in-process, no Redis or workers, deadlines on the work calendar.",
    ),
    start: str = typer.Option(
        "",
        "--start",
        help="With --days: where simulated time starts, ISO 8601, e.g. "
        "2026-11-02T08:00+08:00 (no offset: local). Default: the latest Monday 08:00 from "
        "which the run ends before now.",
    ),
    per_hour: float = typer.Option(
        60.0,
        "--per-hour",
        help="With --days: incidents per simulated hour, the week's mean "
        "(the daily and weekly curves shape it).",
    ),
    slow_staff: float = typer.Option(
        0.15,
        "--slow-staff",
        help="With --days: share of field staff slow enough to miss deadlines (0–1).",
    ),
    duration: float = typer.Option(0.0, "--duration", help="Stop after S seconds (0: never)."),
    count: int = typer.Option(0, "--count", help="Stop after N incidents (0: no limit)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same stream)."),
    workers: int = typer.Option(0, "--workers", help="Also run N workers (default: none)."),
    staff: bool = typer.Option(True, "--staff/--no-staff", help="Simulate field staff."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Feed synthetic incidents (模拟上报) into the real pipeline; field staff act on them.

    With --days, in simulated time: N days of operations in minutes, a line per simulated day,
    then the summary (overdue, 督办, escalated, on time) and the `gridops report` command that
    reads the same days. Use an empty database: simulated time must not run back over tickets
    stored already.

    Example: gridops simulate --fast --days 7 --seed 1

    Without --days, in wall-clock time into the workers (Redis started if needed).

    Example: gridops simulate --rate 20 --duration 30 --workers 2
    """

    if days:
        _check_days_options(days, rate, duration, count, workers, per_hour, slow_staff)
        raise typer.Exit(
            run_simulated_days(days=days, start=start, per_hour=per_hour, seed=seed,
                               slow_staff=slow_staff, staff=staff, json_out=json_out)
        )  # fmt: skip
    if start:
        raise UserError("simulate: --start sets simulated time; give --days N with it")
    if duration <= 0 and count <= 0:
        raise UserError("simulate: give --duration S or --count N so that it ends (or --days N)")
    raise typer.Exit(
        run_simulation(
            rate=5.0 if rate is None else rate, fast=fast, duration=duration, count=count,
            seed=seed, workers=workers, staff=staff, headless=True, web=False, json_out=json_out,
        )
    )  # fmt: skip


def _check_days_options(
    days: float, rate: float | None, duration: float, count: int, workers: int, per_hour: float,
    slow_staff: float,
) -> None:  # fmt: skip
    if days < 0:
        raise UserError(f"simulate: --days must be > 0, got {days:g}")
    if rate is not None:
        raise UserError("simulate: --rate is per wall-clock second; with --days use --per-hour")
    if duration or count:
        raise UserError("simulate: --days ends by itself; drop --duration / --count")
    if workers:
        raise UserError("simulate: --days runs every stage in-process; drop --workers")
    if not per_hour > 0:
        raise UserError(f"simulate: --per-hour must be > 0, got {per_hour:g}")
    if not 0 <= slow_staff <= 1:
        raise UserError(f"simulate: --slow-staff must be within 0..1, got {slow_staff:g}")


def demo(
    headless: bool = typer.Option(False, "--headless", help="No live display (for scripts)."),
    duration: float = typer.Option(0.0, "--duration", help="Stop after S seconds (0: Ctrl-C)."),
    rate: float = typer.Option(5.0, "--rate", help="Incidents per second (mean)."),
    seed: int = typer.Option(0, "--seed"),
    web: bool = typer.Option(True, "--web/--no-web", help="Also run `gridops serve`."),
    port: int = typer.Option(8311, "--port", help="Port of the web server."),
) -> None:
    """The whole system on the Pudong sample: embedded Redis and SQLite under the data dir,
    2 workers, the web server, the simulator and simulated field staff; a live display and a
    summary table at the end (Ctrl-C or --duration).

    Example: gridops demo --duration 60
    """

    raise typer.Exit(
        run_simulation(
            rate=rate, fast=False, duration=duration, count=0, seed=seed, workers=2,
            staff=True, headless=headless, web=web, port=port,
        )
    )  # fmt: skip


def register(root: typer.Typer) -> None:
    """Mount the runtime commands."""
    root.command("worker")(worker)
    root.add_typer(redis_app, name="redis")
    root.command("simulate")(simulate)
    root.command("demo")(demo)
