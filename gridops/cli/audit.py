"""`gridops audit …`: Audit the tamper-evident ticket history."""

from __future__ import annotations

import typer

app = typer.Typer(help="Audit the tamper-evident ticket history.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
