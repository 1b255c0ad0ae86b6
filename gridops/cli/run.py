"""`gridops run`: this host's web server and workers under one supervisor (一机一命令).

Before anything starts it checks what the children would trip on — the settings, the database
and Redis answering, the grid and configuration loading, the web port free — and exits 1 with
one line if one fails; it migrates the database as every start does. Then
:class:`gridops.runner.supervisor.Supervisor` runs ``gridops serve`` and N ``gridops worker``
and writes their output, one line each, as text or JSON lines on stdout.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from typing import TYPE_CHECKING

import typer

from gridops.errors import UserError
from gridops.settings import Settings, load_settings

if TYPE_CHECKING:
    from gridops.runner.supervisor import ChildSpec

CLI = [sys.executable, "-c", "from gridops.cli import main; main()"]


def _port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise UserError(
                f"run: cannot listen on {host}:{port} ({exc.strerror}); stop what uses it, or "
                "give --port / --host"
            ) from None


def preflight(web: bool) -> None:
    """Reach the database and Redis, load the grid and configuration (the proof of totality
    runs), migrate the database and make the console's key — what every child would trip on.
    Run in a child of its own (:func:`_preflight`), so that the supervisor never holds the
    grid's memory nor the database driver's."""
    from gridops.cli import main_guarded
    from gridops.services.context import build_context
    from gridops.web.install_secret import install_key

    def check() -> None:
        from gridops.cli.reach import check_reachable

        settings = load_settings()
        check_reachable(settings)
        build_context(settings).close()
        if web:
            install_key(settings.data_dir)  # made once here, not raced by two children

    main_guarded(check)


def _preflight(*, web: bool) -> None:
    code = f"from gridops.cli.run import preflight; preflight({web!r})"
    done = subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        said = lines[-1].removeprefix("error: ") if lines else f"status {done.returncode}"
        failed = UserError(f"run: cannot start: {said}")
        failed.exit_code = done.returncode  # 1 unreachable, 2 a mistake in settings or files
        raise failed


def shipped_unit(name: str) -> str:
    """The text of a systemd unit shipped in gridops/defaults/systemd/."""
    from gridops.settings import DEFAULTS_DIR

    units = sorted(p.name for p in (DEFAULTS_DIR / "systemd").iterdir())
    if name not in units:
        raise UserError(f"run: --systemd-unit {name!r}: gridops ships {', '.join(units)}")
    return (DEFAULTS_DIR / "systemd" / name).read_text(encoding="utf-8")


def child_specs(
    settings: Settings, *, web: bool, workers: int, host: str, port: int, log_level: str
) -> list[ChildSpec]:
    """The children of one host: ``web`` (gridops serve) and ``worker-1`` … ``worker-N``."""
    from gridops.runner.supervisor import ChildSpec

    env = dict(os.environ, PYTHONUNBUFFERED="1", GRIDOPS_DATA_DIR=str(settings.data_dir))
    specs = []
    if web:
        argv = [*CLI, "serve", "--host", host, "--port", str(port), "--log-level", log_level]
        specs.append(ChildSpec("web", argv, env))
    for n in range(1, workers + 1):
        argv = [*CLI, "worker", "--log-level", log_level.upper()]
        specs.append(ChildSpec(f"worker-{n}", argv, env))
    return specs


def run(
    web_only: bool = typer.Option(False, "--web", help="Run only the web server on this host."),
    workers_only: bool = typer.Option(False, "--workers", help="Run only the workers."),
    count: int = typer.Option(
        2, "--worker-count", "-n", min=0, help="How many workers (one per core is a good start)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address the web server listens on."),
    port: int = typer.Option(8311, "--port", help="TCP port of the web server."),
    log_format: str = typer.Option("text", "--log-format", help="text or json (JSON lines)."),
    log_level: str = typer.Option("warning", "--log-level", help="Of the children: info…"),
    grace: float = typer.Option(
        30.0, "--grace", min=0, help="Seconds the children get to finish on stop."
    ),
    systemd_unit: str = typer.Option(
        "",
        "--systemd-unit",
        help="Print a shipped systemd unit instead of running: gridops.service, "
        "gridops-check.service or gridops-check.timer.",
    ),
) -> None:
    """Run this host's part of gridops under one supervisor: the web server and N workers
    (or only one kind), restarted with a growing pause if one dies, stopped gracefully on
    SIGTERM or Ctrl-C (workers finish the batch they hold). Logs go to stdout.

    Exits at once, before any child starts, with 1 if the database or Redis does not answer
    and 2 if the settings, the grid or the configuration are wrong or the port is taken; and
    with 1 if a child keeps dying right after its start.

    Example: gridops run · gridops run --workers -n 4 --log-format json · gridops run --web
    --host 0.0.0.0 · gridops run --systemd-unit gridops.service
    """
    from gridops.queue.connect import embedded_for, release_embedded
    from gridops.runner.logs import FORMATS, LogSink
    from gridops.runner.supervisor import Supervisor

    if systemd_unit:
        typer.echo(shipped_unit(systemd_unit), nl=False)
        return
    if log_format not in FORMATS:
        raise UserError(f"run: --log-format {log_format!r}: use text or json")
    if web_only and workers_only:
        raise UserError("run: --web and --workers each run one kind only; give neither for both")
    web = not workers_only
    workers = 0 if web_only else count
    if not web and workers == 0:
        raise UserError("run: --workers with --worker-count 0 runs nothing; give -n 1 or more")
    sink = LogSink(log_format)
    settings = load_settings()
    # until the supervisor takes over its signals, SIGTERM ends run as Ctrl-C does: through
    # the finally below (the embedded Redis it started is stopped), exit status 130
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if web:
        _port_free(host, port)
    started = False
    if settings.embedded_redis:
        info, started = embedded_for(settings).start()
        sink.event(f"embedded Redis {'started' if started else 'in use'}: {info.masked_url}")
    try:
        _preflight(web=web)
        specs = child_specs(settings, web=web, workers=workers, host=host, port=port,
                            log_level=log_level.lower())  # fmt: skip
        shown = "0.0.0.0" if host in ("0.0.0.0", "::") else host
        if web:
            sink.event(f"console at http://{shown}:{port}/console, ready at /readyz")
        sink.event(f"supervisor pid {os.getpid()}: stop with Ctrl-C or kill -TERM {os.getpid()}")
        status = Supervisor(specs, sink, grace=grace).run()
    except KeyboardInterrupt:
        sink.event("stopped before the children started")
        status = 130
    finally:
        told = release_embedded(settings, started)
        if told:
            sink.event(told)
    raise typer.Exit(status)


def register(root: typer.Typer) -> None:
    """Mount run."""
    root.command("run")(run)
