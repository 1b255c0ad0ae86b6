"""`gridops worker`, `gridops simulate`, `gridops demo`: the running system."""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    """Mount the runtime commands (filled in by the dispatcher work)."""
