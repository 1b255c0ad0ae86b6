"""`gridops config …`: Configuration: check that routing is total before deploying."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Configuration: check that routing is total before deploying.", no_args_is_help=True
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="config")
