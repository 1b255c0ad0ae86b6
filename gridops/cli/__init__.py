"""The `gridops` command line. Each module of gridops/cli/ mounts its own commands.

A module defines ``register(app)``; this file only calls them. A user's mistake (bad file, bad
value) is raised as :class:`gridops.errors.UserError` and printed as one line with its exit
status — never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from gridops.errors import UserError

app = typer.Typer(
    rich_markup_mode="markdown",
    name="gridops",
    help="Grid-based urban operations event router (网格化管理 城运事件派遣).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _mount() -> None:
    from gridops.cli import (
        address,
        audit,
        bench,
        config,
        grid,
        init,
        notify,
        privacy,
        report,
        run,
        runtime,
        serve,
    )

    for module in (
        grid,
        config,
        init,
        runtime,
        serve,
        run,
        audit,
        privacy,
        report,
        bench,
        notify,
        address,
    ):
        module.register(app)


_mount()


def main() -> None:
    """Console-script entry point. A database or Redis that cannot be reached is a user's
    mistake too (the settings name it): one line, see :mod:`gridops.cli.reach`."""
    main_guarded(app)


def main_guarded(call: Callable[[], object]) -> None:
    """Run ``call`` as the command line runs a command: a user's mistake is one line on
    stderr and its exit status, never a traceback."""
    from gridops.cli.reach import explain
    from gridops.datadir import private_umask

    private_umask()  # what gridops writes (data dir, logs, exports) is the user's alone
    try:
        call()
    except UserError as exc:
        _fail(exc)
    except Exception as exc:
        told = explain(exc)
        if told is None:
            raise
        _fail(told)


def _fail(exc: UserError) -> None:
    typer.secho(f"error: {exc}", err=True, fg="red")
    sys.exit(exc.exit_code)
