"""The field app's moves (migration 0011): a write sent from a phone is claimed under its
device-made key before it is applied, and its answer kept after, so the same move sent again
(the answer was lost, the queue replayed it) gets the first answer back instead of a second
application. A move that fails is released, so sending it again tries again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from gridops.store.engine import write
from gridops.store.schema import field_moves

APPLYING, DONE = "applying", "done"
#: A claim still applying after this long was left by a process that died mid-move: the next
#: copy of the move takes it over (the workflow's own checks refuse a move already applied).
STALE = timedelta(minutes=10)
_M = field_moves.c


@dataclass(frozen=True)
class Presence:
    """Where the device was when the move was sent (WGS84) and how far from the point."""

    lon: float
    lat: float
    distance_m: float
    far: bool
    reason: str = ""  # the worker's reason for sending a far move from there


@dataclass(frozen=True)
class FieldMove:
    """One recorded move."""

    user_id: str
    key: str
    ticket: str
    action: str
    state: str
    presence: Presence | None
    photos_before: tuple[str, ...]
    photos_after: tuple[str, ...]
    answer: dict[str, Any] | None
    created_at: datetime


def _move(row: Any) -> FieldMove:
    presence = None
    if row.lon is not None and row.lat is not None:
        presence = Presence(
            row.lon, row.lat, row.distance_m or 0.0, bool(row.far), row.far_reason or ""
        )
    return FieldMove(
        user_id=row.user_id,
        key=row.move_key,
        ticket=row.ticket,
        action=row.action,
        state=row.state,
        presence=presence,
        photos_before=tuple(json.loads(row.photos_before or "[]")),
        photos_after=tuple(json.loads(row.photos_after or "[]")),
        answer=json.loads(row.answer) if row.answer else None,
        created_at=row.created_at,
    )


class FieldMoves:
    """Repository over ``field_moves``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, user_id: str, key: str) -> FieldMove | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(field_moves).where(_M.user_id == user_id, _M.move_key == key)
            ).first()
        return _move(row) if row else None

    def claim(
        self, user_id: str, key: str, *, ticket: str, action: str, now: datetime
    ) -> FieldMove | None:
        """Claim ``key`` for a move about to be applied: None when it is ours to apply, else
        the move already recorded under it (applying or done)."""
        row = {"user_id": user_id, "move_key": key, "ticket": ticket, "action": action,
               "state": APPLYING, "photos_before": "[]", "photos_after": "[]",
               "created_at": now}  # fmt: skip
        try:
            with write(self.engine) as conn:
                conn.execute(field_moves.insert(), [row])
        except IntegrityError:
            found = self.get(user_id, key)
            if found is None or found.state != APPLYING or found.created_at > now - STALE:
                return found
            with write(self.engine) as conn:
                taken = conn.execute(
                    update(field_moves)
                    .where(_M.user_id == user_id, _M.move_key == key, _M.state == APPLYING,
                           _M.created_at == found.created_at)
                    .values(created_at=now)
                ).rowcount  # fmt: skip
            return None if taken else self.get(user_id, key)
        return None

    def finish(
        self,
        user_id: str,
        key: str,
        *,
        answer: dict[str, Any],
        presence: Presence | None = None,
        photos_before: Sequence[str] = (),
        photos_after: Sequence[str] = (),
    ) -> None:
        """Record the claimed move as applied, with its answer, position and photos."""
        with write(self.engine) as conn:
            record(conn, user_id, key, answer=answer, presence=presence,
                   photos_before=photos_before, photos_after=photos_after)  # fmt: skip

    def release(self, user_id: str, key: str) -> None:
        """Forget a claimed move that was not applied, so it may be sent again."""
        with write(self.engine) as conn:
            conn.execute(
                delete(field_moves).where(
                    _M.user_id == user_id, _M.move_key == key, _M.state == APPLYING
                )
            )

    def of_ticket(self, ticket: str) -> list[FieldMove]:
        """The applied moves on ``ticket`` (by case number), oldest first."""
        q = (
            select(field_moves)
            .where(_M.ticket == ticket, _M.state == DONE)
            .order_by(_M.created_at, _M.move_key)
        )
        with self.engine.connect() as conn:
            return [_move(r) for r in conn.execute(q)]


def record(
    conn: Connection,
    user_id: str,
    key: str,
    *,
    answer: dict[str, Any],
    presence: Presence | None = None,
    photos_before: Sequence[str] = (),
    photos_after: Sequence[str] = (),
) -> None:
    """Mark the claimed move applied, on ``conn`` — inside the move's own transaction, the key
    and the move commit together (a crash between them cannot leave one without the other)."""
    values: dict[str, Any] = {
        "state": DONE,
        "answer": json.dumps(answer, ensure_ascii=False, default=str),
        "photos_before": json.dumps(list(photos_before)),
        "photos_after": json.dumps(list(photos_after)),
    }
    if presence is not None:
        values |= {"lon": presence.lon, "lat": presence.lat, "distance_m": presence.distance_m,
                   "far": presence.far, "far_reason": presence.reason or None}  # fmt: skip
    conn.execute(
        update(field_moves).where(_M.user_id == user_id, _M.move_key == key).values(**values)
    )
