"""PostgreSQL: a batch taken and written in one transaction (行锁认领).

The pick locks the tickets' rows (``SELECT … FOR UPDATE SKIP LOCKED``): another worker's pick
skips them, and they stay locked until this transaction ends — with the batch's own write. So
no claim row is inserted or deleted, no version is read again before the write (a locked row
cannot move), the tickets come with the pick, and one commit serves the take and the write.

A worker that dies mid-batch closes its connection: PostgreSQL rolls the transaction back and
the tickets are free at once (a claim row waited out its lease). One that stops answering with
the transaction open is cut off by ``idle_in_transaction_session_timeout``
(:data:`IDLE_IN_TX_MS`, as long as a claim's lease). A ticket that failed to be
decided is simply not written: it is free again when the batch commits. Tickets set aside for
a while (:meth:`LockedBatch.hold`) get a claim row, which the pick respects like any live
claim (:mod:`gridops.store.claims`).

Durability: the batch commits without waiting for its log to reach the disk
(``synchronous_commit = off``, this transaction only). Every report stays as durable as intake
made it — intake's commit waits for the disk, so an accepted report is never lost. A crash of
the PostgreSQL server itself can forget the routing of its last ~0.6 s (3 × wal_writer_delay):
those tickets are ``reported`` again after the restart and routed again. Any later move of a
ticket that commits durably (an accept, a return, a check) flushes the log up to it, the
routing before it included. What it can cost: a notification sent in that window names a
dispatch that is then made anew. A wait for the disk cost ~45 ms on the project's loaded
2-core machine — most of the 50 ms that report → dispatched may take.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine, Integer, bindparam, select
from sqlalchemy.dialects import postgresql

from gridops.store import batch_write
from gridops.store.batch_write import ApplyResult, PreparedWrite
from gridops.store.claims import live
from gridops.store.engine import write
from gridops.store.rows import ticket_of
from gridops.store.schema import UTCDateTime, ticket_claims, tickets
from gridops.tickets import Status, Ticket

IDLE_IN_TX_MS = 10_000

#: this transaction's only: a worker stuck mid-batch frees its tickets after IDLE_IN_TX_MS, and
#: the commit does not wait for the disk (the module's docstring says what that keeps)
_SETTINGS = (
    "SELECT set_config('idle_in_transaction_session_timeout', %s, true), "
    "set_config('synchronous_commit', 'off', true)"
)

# built once (a batch asks every few hundred ms; building the query cost more than running it)
_PICK = (
    select(tickets.c.id, tickets.c.version, tickets.c.data)
    .where(
        tickets.c.status == bindparam("status"),
        ~live(bindparam("now", type_=UTCDateTime)),
    )
    .order_by(tickets.c.created_at)
    .limit(bindparam("limit", type_=Integer))
    .with_for_update(of=tickets, skip_locked=True)
)


class LockedBatch:
    """The tickets taken by one transaction, and the write that ends it."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self.tickets: list[Ticket] = []
        self._versions: dict[str, int] = {}

    def take(self, status: Status | str, limit: int) -> list[Ticket]:
        """Lock up to ``limit`` more tickets in ``status`` that nobody holds, oldest first."""
        if limit <= 0:
            return []
        params = {"status": Status(status).value, "now": self.now, "limit": limit}
        got = [(r.version, ticket_of(r)) for r in self.conn.execute(_PICK, params)]
        self._versions.update((t.id, v) for v, t in got)
        taken = [t for _, t in got]
        self.tickets += taken
        return taken

    def write(self, prepared: PreparedWrite, *, skip_stale: bool = False) -> ApplyResult:
        """Write prepared transitions in this transaction (see :func:`write_locked`)."""
        return write_locked(self.conn, prepared, self._versions, skip_stale=skip_stale)

    def hold(self, ids: Collection[str], *, worker_id: str, until: datetime) -> None:
        """Set ``ids`` aside until ``until``: a claim row each, which later picks respect."""
        if not ids:
            return
        stmt = postgresql.insert(ticket_claims).values(
            [{"ticket_id": i, "worker_id": worker_id, "until": until} for i in sorted(ids)]
        )
        self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[ticket_claims.c.ticket_id],
                set_={"worker_id": stmt.excluded.worker_id, "until": stmt.excluded.until},
            )
        )


@contextmanager
def locked_batch(engine: Engine, now: datetime) -> Iterator[LockedBatch]:
    """A transaction whose :meth:`LockedBatch.take` locks tickets until it ends: committed
    when the block ends, rolled back (every ticket freed) if it raises."""
    with write(engine) as conn:
        conn.exec_driver_sql(_SETTINGS, (str(IDLE_IN_TX_MS),))
        yield LockedBatch(conn, now)


def write_locked(
    conn: Connection,
    prepared: PreparedWrite,
    locked: dict[str, int],
    *,
    skip_stale: bool = False,
) -> ApplyResult:
    """Write prepared transitions inside an open PostgreSQL transaction that already locks the
    tickets of ``locked`` (id → version): only the others (e.g. an open ticket that absorbs a
    duplicate) are read and locked first. Stale transitions as in
    :func:`gridops.store.batch_write.write_prepared`. Claims on the written tickets (a ticket
    set aside earlier) end with the write."""
    result = ApplyResult()
    transitions, set_row, add_event = prepared.transitions, prepared.set_row, prepared.add_event
    if not transitions or set_row is None or add_event is None:
        return result
    others = {tr.ticket.id for tr in transitions} - locked.keys()
    current = dict(locked)
    if others:
        current.update(batch_write.versions(conn, others))
    good, kept = batch_write.fresh_only(transitions, prepared.bound, current, skip_stale, result)
    set_row.execute(conn, [p[0] for p in kept])
    add_event.execute(conn, [p[1] for p in kept])
    _drop_claims(conn, [tr.ticket.id for tr in good])
    result.applied.extend(tr.ticket for tr in good)
    return result


def _drop_claims(conn: Connection, ids: Sequence[str]) -> None:
    """One statement for the batch (most tickets have no claim row at all)."""
    if ids:
        conn.exec_driver_sql(
            "DELETE FROM ticket_claims WHERE ticket_id = ANY(%s)", (sorted(set(ids)),)
        )
