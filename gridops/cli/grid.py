"""`gridops grid …`: Grids: check, stats, locate, generate, export."""

from __future__ import annotations

import typer

app = typer.Typer(help="Grids: check, stats, locate, generate, export.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="grid")
