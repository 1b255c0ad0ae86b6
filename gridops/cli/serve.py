"""Serve the HTTP API (Open311 + JSON API) and bootstrap users and API keys."""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    """Mount this module's commands on the root app (filled in by its owner)."""
