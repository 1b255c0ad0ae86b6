"""`gridops worker`, `gridops redis status|start|stop` (and, later, `simulate`, `demo`)."""

from __future__ import annotations

import typer

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


def register(root: typer.Typer) -> None:
    """Mount the runtime commands."""
    root.command("worker")(worker)
    root.add_typer(redis_app, name="redis")
