"""Proof of presence (到场核验): where a field move was sent from, how far that is from the
ticket's point, and whether that is farther than its category allows (``presence_radius_m`` in
categories.yaml, 200 m by default) — a far move is shown to the dispatcher and the check step."""

from __future__ import annotations

from gridops.grids.navigation import distance_from
from gridops.services.context import ServiceContext
from gridops.store.field_moves import Presence
from gridops.tickets.model import Ticket

DEFAULT_RADIUS_M = 200.0


def radius_of(ctx: ServiceContext, category: str) -> float:
    """The category's presence radius in metres (the default for an unknown category)."""
    found = ctx.ops.taxonomy.categories.get(category)
    return found.presence_radius_m if found is not None else DEFAULT_RADIUS_M


def presence(ctx: ServiceContext, ticket: Ticket, lon: float, lat: float) -> Presence:
    """The device at WGS84 (``lon``, ``lat``) against ``ticket``'s reported point."""
    metres = distance_from(lon, lat, ticket.lon, ticket.lat, ticket.crs)
    return Presence(lon, lat, round(metres, 1), metres > radius_of(ctx, ticket.category))
