"""Routing claims (认领): a worker takes pending tickets until a lease runs out.

A claim is a row of ``ticket_claims`` (ticket_id, worker_id, until), not a mark on the ticket
row: claiming a batch writes 200 small rows where marking the tickets rewrote 200 whole ticket
rows. A claim whose ``until`` has passed is free to take again (its worker died or gave up);
writing a ticket deletes its claim (:func:`drop_written`); a worker gives back the claims of
tickets it could not decide (:func:`release`).

Exactness: on SQLite the pick and the take run in one write transaction (one writer at a time).
On PostgreSQL the pick locks the ticket rows (``SKIP LOCKED``, so workers take different
tickets) and the take is an upsert that only replaces an expired claim, returning what it took:
a pick that raced another worker's committed take gets nothing for that ticket. (The routing
stage on PostgreSQL takes its batches under row locks instead, with no claim rows:
:mod:`gridops.store.locked_batch`; there a claim row only sets a ticket aside for a while.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Exists,
    Integer,
    bindparam,
    delete,
    exists,
    select,
    update,
)
from sqlalchemy.dialects import postgresql

from gridops.store import driver
from gridops.store.engine import write
from gridops.store.schema import UTCDateTime, ticket_claims, tickets
from gridops.tickets import Status

_CLAIM = ("ticket_id", "worker_id", "until")


def live(now: datetime | ColumnElement[datetime]) -> Exists:
    """True for a ticket (of ``tickets``) that someone holds at ``now`` (a time, or a bound
    parameter of one)."""
    k = ticket_claims.c
    return exists().where(k.ticket_id == tickets.c.id, k.until >= now)


def claim(
    engine: Engine, status: Status | str, *, limit: int, worker_id: str, now: datetime,
    ttl: timedelta,
) -> list[str]:  # fmt: skip
    """Take up to ``limit`` tickets in ``status`` that nobody holds, oldest first; their ids."""
    params = {"status": Status(status).value, "now": now, "limit": limit}
    with write(engine) as conn:
        if conn.dialect.name == "postgresql":
            ids = list(conn.execute(_PICK_LOCKED, params).scalars())
            return _take_pg(conn, ids, worker_id, now, ttl) if ids else []
        ids = list(conn.execute(_PICK, params).scalars())
        if ids:
            rows = [{"ticket_id": i, "worker_id": worker_id, "until": now + ttl} for i in ids]
            take = driver.insert(ticket_claims, _CLAIM, conn.dialect, replace=True)
            take.execute(conn, [take.bind(r) for r in rows])
    return ids


# built once (a batch asks every few hundred ms; building the query cost more than running it)
_PICK = (
    select(tickets.c.id)
    .where(
        tickets.c.status == bindparam("status"),
        ~live(bindparam("now", type_=UTCDateTime)),
    )
    .order_by(tickets.c.created_at)
    .limit(bindparam("limit", type_=Integer))
)
_PICK_LOCKED = _PICK.with_for_update(of=tickets, skip_locked=True)


def _take_pg(
    conn: Connection, ids: Sequence[str], worker_id: str, now: datetime, ttl: timedelta
) -> list[str]:
    """Insert the claims, replacing only expired ones; the ids actually taken, in order."""
    stmt = postgresql.insert(ticket_claims).values(
        [{"ticket_id": i, "worker_id": worker_id, "until": now + ttl} for i in ids]
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[ticket_claims.c.ticket_id],
        set_={"worker_id": stmt.excluded.worker_id, "until": stmt.excluded.until},
        where=ticket_claims.c.until < now,
    ).returning(ticket_claims.c.ticket_id)
    taken = set(conn.execute(upsert).scalars())
    return [i for i in ids if i in taken]


def release(engine: Engine, ids: Iterable[str], *, worker_id: str) -> None:
    """Give back the claims this worker holds on ``ids``."""
    k = ticket_claims.c
    with write(engine) as conn:
        conn.execute(
            delete(ticket_claims).where(k.ticket_id.in_(list(ids)), k.worker_id == worker_id)
        )


def hold(engine: Engine, ids: Iterable[str], *, worker_id: str, until: datetime) -> None:
    """Keep the claims this worker holds on ``ids`` until ``until``: tickets set aside for a
    while (they are claimable again afterwards, by anyone)."""
    k = ticket_claims.c
    with write(engine) as conn:
        conn.execute(
            update(ticket_claims)
            .where(k.ticket_id.in_(list(ids)), k.worker_id == worker_id)
            .values(until=until)
        )


def drop_written(conn: Connection, ids: Sequence[str]) -> None:
    """Within a write: the claims on tickets just written are over, whoever held them (in id
    order, as PostgreSQL's batch write locks its tickets)."""
    if ids:
        gone = driver.delete_by_id(ticket_claims, "ticket_id", conn.dialect)
        gone.execute(conn, [gone.bind({"ticket_id": i}) for i in sorted(ids)])
