"""The `gridops` command line: one sub-command group per module of gridops/cli/.

Each module defines ``app = typer.Typer(...)``; this file only mounts them. A user's mistake
(bad file, bad value) is raised as :class:`gridops.errors.UserError` and printed as one line
with exit status 2 (usage) or 1 (failed check) — never a traceback.
"""

from __future__ import annotations

import sys

import typer

from gridops.errors import UserError

app = typer.Typer(
    name="gridops",
    help="Grid-based urban operations event router (网格化管理 城运事件派遣).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _mount() -> None:
    from gridops.cli import grid

    app.add_typer(grid.app, name="grid")


_mount()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except UserError as exc:
        typer.secho(f"error: {exc}", err=True, fg="red")
        sys.exit(exc.exit_code)
