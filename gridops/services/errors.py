"""Errors the services raise for the caller's mistakes (the API maps them to 4xx)."""

from __future__ import annotations

from gridops.errors import UserError


class OutsideGrid(UserError):
    """A reported point lies outside every level-1 cell of the grid (Open311: 400)."""


class UnknownQueue(UserError):
    """A work queue name that does not exist."""
