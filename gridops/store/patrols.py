"""Patrols (巡查, migration 0011): one row per walk of an inspector or grid worker, keyed by the
user and the id the phone made, so a track sent again replaces itself instead of doubling."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select

from gridops.store.engine import write
from gridops.store.schema import patrols

_P = patrols.c


@dataclass(frozen=True)
class Patrol:
    user_id: str
    patrol_id: str
    started_at: datetime
    ended_at: datetime | None
    points: tuple[tuple[float, float, int], ...]
    length_m: float


class Patrols:
    """Repository over ``patrols``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, patrol: Patrol) -> None:
        """Write ``patrol``, replacing what was sent before under its id."""
        row = {"user_id": patrol.user_id, "patrol_id": patrol.patrol_id,
               "started_at": patrol.started_at, "ended_at": patrol.ended_at,
               "points": json.dumps([list(p) for p in patrol.points]),
               "length_m": patrol.length_m}  # fmt: skip
        with write(self.engine) as conn:
            conn.execute(
                delete(patrols).where(
                    _P.user_id == patrol.user_id, _P.patrol_id == patrol.patrol_id
                )
            )
            conn.execute(patrols.insert(), [row])

    def between(
        self, start: datetime, end: datetime, users: Sequence[str] | None = None
    ) -> list[Patrol]:
        """Patrols started in [start, end) (of ``users`` when given), oldest first."""
        q = select(patrols).where(_P.started_at >= start, _P.started_at < end)
        if users is not None:
            q = q.where(_P.user_id.in_(list(users)))
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(_P.started_at, _P.patrol_id)).all()
        return [
            Patrol(
                r.user_id,
                r.patrol_id,
                r.started_at,
                r.ended_at,
                tuple((float(p[0]), float(p[1]), int(p[2])) for p in json.loads(r.points)),
                r.length_m,
            )  # fmt: skip
            for r in rows
        ]
