"""Supervisor audit: indicator reports, what-if replay, history import."""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root app (filled in by its owner)."""
