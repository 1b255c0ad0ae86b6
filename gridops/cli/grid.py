"""`gridops grid …`: check, stats, locate, generate and export grids."""

from __future__ import annotations

import typer

app = typer.Typer(help="Grids: check, stats, locate, generate, export.", no_args_is_help=True)
