"""`gridops worker`, `gridops redis status|start|stop`, `gridops simulate`, `gridops demo`."""

from __future__ import annotations

from typing import Any

import typer

from gridops.errors import UserError
from gridops.queue.stages import DEFAULT_STAGES
from gridops.settings import load_settings


def worker(
    queues: str = typer.Option(
        "", "--queues", help="Comma-separated queues (routing,notify,evaluation,sweeper); all"
    ),
    burst: bool = typer.Option(False, "--burst", help="Drain what is pending, then exit."),
    name: str = typer.Option("", "--name", help="Worker name (default host.pid.random)."),
    stages: str = typer.Option(
        DEFAULT_STAGES, "--stages", envvar="GRIDOPS_STAGES", help="StageSet as module:attribute."
    ),
    log_level: str = typer.Option("WARNING", "--log-level"),
) -> None:
    """Run one RQ worker (SimpleWorker) over the gridops stages; run as many as you like."""
    import logging

    from workers.run import run_worker

    logging.basicConfig(level=log_level.upper())
    raise typer.Exit(
        run_worker(
            load_settings(),
            stages_path=stages,
            queues=[q.strip() for q in queues.split(",") if q.strip()] or None,
            burst=burst,
            name=name or None,
            log_level=log_level.upper(),
        )
    )


redis_app = typer.Typer(help="The embedded Redis under the data dir (内置 Redis).")


@redis_app.command("status")
def redis_status() -> None:
    """Say which Redis gridops uses, whether it answers, and what its queues hold."""
    from redis import Redis

    from gridops.queue.embedded import embedded_for
    from gridops.queue.status import snapshot

    settings = load_settings()
    if settings.redis_url:
        url = settings.redis_url
        typer.echo(f"external Redis: {url}")
    else:
        info = embedded_for(settings).info()
        if info is None:
            typer.echo(f"embedded Redis: not running (data dir {settings.data_dir})")
            raise typer.Exit(1)
        url = info.url
        typer.echo(f"embedded Redis: running, pid {info.pid}, {url}")
    try:
        with Redis.from_url(url, socket_connect_timeout=2) as conn:
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
    """Start the embedded Redis (or reuse the running one) and leave it running."""
    from gridops.queue.embedded import embedded_for

    settings = load_settings()
    if settings.redis_url:
        typer.echo(f"GRIDOPS_REDIS_URL is set ({settings.redis_url}): nothing to start")
        return
    info, started = embedded_for(settings).start()
    typer.echo(f"embedded Redis: {'started' if started else 'already running'}, {info.url}")


@redis_app.command("stop")
def redis_stop() -> None:
    """Stop the embedded Redis (its append-only file stays under the data dir)."""
    from gridops.queue.embedded import embedded_for

    settings = load_settings()
    stopped = embedded_for(settings).stop()
    typer.echo("embedded Redis: stopped" if stopped else "embedded Redis: was not running")


def run_simulation(*, headless: bool, **options: Any) -> int:
    """Run the simulation with a live display (or a line every few seconds); print the summary."""
    from rich.console import Console
    from rich.live import Live

    from gridops.services.demo import Progress, run

    console = Console()
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
    console.print(_summary_table(rows, last))
    return 0


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


def _summary_table(rows: list[Any], last: Any) -> Any:
    from rich.table import Table

    table = Table(title=f"gridops summary after {last.elapsed_s:.0f}s (by level-1 cell 街镇)")
    cols = ("reported", "dispatched", "on_site", "closed", "overdue", "escalated", "duplicates")
    heads = ("reported", "dispatched", "on site", "closed", "overdue", "escalated", "dup")
    table.add_column("街镇", no_wrap=True)
    for head in heads:
        table.add_column(head, justify="right")
    for r in rows:
        name = r.name.split(" ")[0] if r.code else r.name.split(" ")[0]
        table.add_row(name, *(str(getattr(r, c)) for c in cols))
    return table


def simulate(
    rate: float = typer.Option(5.0, "--rate", help="Incidents per second (mean)."),
    fast: bool = typer.Option(False, "--fast", help="No pacing: submit as fast as possible."),
    duration: float = typer.Option(0.0, "--duration", help="Stop after S seconds (0: never)."),
    count: int = typer.Option(0, "--count", help="Stop after N incidents (0: no limit)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same stream)."),
    workers: int = typer.Option(0, "--workers", help="Also run N workers (default: none)."),
    staff: bool = typer.Option(True, "--staff/--no-staff", help="Simulate field staff."),
) -> None:
    """Feed synthetic incidents (模拟上报) into the real pipeline; field staff act on them.

    Example: gridops simulate --rate 20 --duration 30 --workers 2
    """

    if duration <= 0 and count <= 0:
        raise UserError("simulate: give --duration S or --count N so that it ends")
    raise typer.Exit(
        run_simulation(
            rate=rate, fast=fast, duration=duration, count=count, seed=seed, workers=workers,
            staff=staff, headless=True, web=False,
        )
    )  # fmt: skip


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
