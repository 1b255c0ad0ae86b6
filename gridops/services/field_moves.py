"""The field app's moves (外勤动作): each write a phone sends is claimed under the key the phone
made before it is applied and recorded with its answer after (at most once,
:mod:`gridops.store.field_moves`), with proof of presence (到场核验): where the phone was, how
far that is from the ticket's point, and whether that is farther than its category allows
(``presence_radius_m`` in categories.yaml, 200 m by default) — a far move is shown to the
dispatcher and the check step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gridops.grids.navigation import distance_from
from gridops.services.context import ServiceContext
from gridops.store.field_moves import FieldMove, FieldMoves, Presence
from gridops.store.field_moves import record as record_answer
from gridops.tickets.model import Ticket

DEFAULT_RADIUS_M = 200.0
__all__ = ["FieldMove", "Presence", "claim", "finish", "of_ticket", "presence", "release"]


def radius_of(ctx: ServiceContext, category: str) -> float:
    """The category's presence radius in metres (the default for an unknown category)."""
    found = ctx.ops.taxonomy.categories.get(category)
    return found.presence_radius_m if found is not None else DEFAULT_RADIUS_M


def presence(
    ctx: ServiceContext, ticket: Ticket, lon: float, lat: float, reason: str = ""
) -> Presence:
    """The phone at WGS84 (``lon``, ``lat``) against ``ticket``'s reported point; the worker's
    ``reason`` is kept only when the move is far."""
    metres = distance_from(lon, lat, ticket.lon, ticket.lat, ticket.crs)
    far = metres > radius_of(ctx, ticket.category)
    return Presence(lon, lat, round(metres, 1), far, reason if far else "")


def claim(
    ctx: ServiceContext, user: str, key: str, *, ticket: str, action: str, now: datetime
) -> FieldMove | None:
    """None when the move under ``key`` is ours to apply; else the one recorded under it."""
    return FieldMoves(ctx.store.engine).claim(user, key, ticket=ticket, action=action, now=now)


def finish(
    ctx: ServiceContext,
    user: str,
    key: str,
    *,
    answer: dict[str, Any],
    presence: Presence | None,
    photos_before: Sequence[str],
    photos_after: Sequence[str],
) -> None:
    """Record the claimed move as applied."""
    FieldMoves(ctx.store.engine).finish(
        user, key, answer=answer, presence=presence,
        photos_before=photos_before, photos_after=photos_after,
    )  # fmt: skip


def release(ctx: ServiceContext, user: str, key: str) -> None:
    """Forget a claimed move that was not applied (it may be sent again)."""
    FieldMoves(ctx.store.engine).release(user, key)


def of_ticket(ctx: ServiceContext, number: str) -> list[FieldMove]:
    """The applied moves on a ticket (by case number)."""
    return FieldMoves(ctx.store.engine).of_ticket(number)


def positions(ctx: ServiceContext, number: str, category: str) -> list[dict[str, Any]]:
    """The applied moves that carried the phone's position: the move, who, the distance in
    metres, whether it was beyond the radius, the radius, and the worker's reason when far."""
    radius = round(radius_of(ctx, category))
    return [{"action": m.action, "user": m.user_id, "metres": round(m.presence.distance_m),
             "far": m.presence.far, "radius": radius, "reason": m.presence.reason}
            for m in of_ticket(ctx, number) if m.presence is not None]  # fmt: skip


__all__ = [
    "claim",
    "finish",
    "of_ticket",
    "positions",
    "presence",
    "radius_of",
    "record_answer",
    "release",
]  # record_answer: the store's, for the app's moves (in their transaction)
