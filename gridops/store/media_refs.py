"""Which tickets a stored photo belongs to (``ticket_media``, migration 0010): the web records
each photo it stores against its ticket, and shows a photo only to those who may read one of
its tickets."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from gridops.store.engine import write
from gridops.store.schema import ticket_media


def add_refs(engine: Engine, ticket_id: str, names: Iterable[str]) -> None:
    """Record that ``ticket_id`` shows the photos ``names`` (again: no change)."""
    rows = [{"name": n, "ticket_id": ticket_id} for n in sorted(set(names))]
    if not rows:
        return
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    with write(engine) as conn:
        conn.execute(insert(ticket_media).on_conflict_do_nothing(), rows)


def tickets_of(engine: Engine, name: str, limit: int = 100) -> list[str]:
    """Ids of (up to ``limit``) tickets that show photo ``name``."""
    c = ticket_media.c
    q = select(c.ticket_id).where(c.name == name).order_by(c.ticket_id).limit(limit)
    with engine.connect() as conn:
        return list(conn.execute(q).scalars())
