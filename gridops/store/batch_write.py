"""Writing many transitions at once (批量写入): encoded first, then written in one transaction,
each ticket's UPDATE guarded by the version it must find.

The two steps are apart so that a caller can encode outside the database's writer (SQLite has
one) and keep the writer only for the driver's work — and, holding it, do one more write
without a gap (the routing stage claims its next batch so: :mod:`gridops.services.routing`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select

from gridops.store import claims, driver
from gridops.store.engine import write
from gridops.store.errors import StaleTicket
from gridops.store.rows import event_row, ticket_row
from gridops.store.schema import ticket_events, tickets
from gridops.tickets import Ticket, Transition

T = TypeVar("T")

#: columns no transition changes: left out of every UPDATE
IMMUTABLE = ("number", "idempotency_key", "created_at", "kind", "category", "source", "cell_1",
             "cell_2", "cell_3", "point_lon", "point_lat")  # fmt: skip


@dataclass(frozen=True)
class ApplyResult:
    """What a batch of transitions did: the tickets moved, and the stale writes skipped."""

    applied: list[Ticket] = field(default_factory=list)
    stale: list[StaleTicket] = field(default_factory=list)


@dataclass(frozen=True)
class PreparedWrite:
    """Transitions encoded and bound for the driver, ready to write (:func:`prepare`)."""

    transitions: Sequence[Transition]
    set_row: driver.BoundStatement | None = None
    add_event: driver.BoundStatement | None = None
    bound: list[tuple[Any, Any]] = field(default_factory=list)


def prepare(engine: Engine, transitions: Sequence[Transition]) -> PreparedWrite:
    """Encode and bind ``transitions`` (no database work: done before taking the writer)."""
    if not transitions:
        return PreparedWrite(transitions)
    dialect = engine.dialect
    rows = [_update_row(tr) for tr in transitions]
    events = [event_row(tr.event) for tr in transitions]
    columns = tuple(k for k in rows[0] if k not in ("b_id", "b_version"))
    set_row = driver.update_by_id(tickets, columns, (), dialect, "version")
    add_event = driver.insert(ticket_events, tuple(events[0]), dialect)
    bound = [(set_row.bind(r), add_event.bind(e)) for r, e in zip(rows, events, strict=True)]
    return PreparedWrite(transitions, set_row, add_event, bound)


#: Work done inside a write's transaction, given its connection and the tickets written: it
#: commits with them or not at all (e.g. the answer recorded under an idempotency key).
Within = Callable[[Connection, list[Ticket]], None]


def write_prepared(
    engine: Engine,
    prepared: PreparedWrite,
    *,
    skip_stale: bool = False,
    within: Within | None = None,
) -> ApplyResult:
    """Write prepared transitions in one transaction; writing a ticket releases its claim.

    A stale one raises StaleTicket and writes nothing — or, with ``skip_stale``, is left out
    and reported while the rest are written. On SQLite (one writer at a time) the batch is
    first written as it is: when every row matched, nothing needed reading first; otherwise it
    is rolled back and written again after reading the versions, leaving the stale ones out.
    PostgreSQL always reads and locks the rows first, in id order, so that two batches
    touching the same tickets cannot deadlock."""
    result = ApplyResult()
    transitions, set_row, add_event, bound = (
        prepared.transitions, prepared.set_row, prepared.add_event, prepared.bound
    )  # fmt: skip
    if not transitions or set_row is None or add_event is None:
        return result
    if engine.dialect.name == "sqlite":
        try:
            with write(engine) as conn:
                if set_row.execute(conn, [p[0] for p in bound]) != len(bound):
                    raise _Stale  # rolls the batch back: read the versions below
                add_event.execute(conn, [p[1] for p in bound])
                claims.drop_written(conn, [tr.ticket.id for tr in transitions])
                if within is not None:
                    within(conn, [tr.ticket for tr in transitions])
            result.applied.extend(tr.ticket for tr in transitions)
            return result
        except _Stale:
            pass
    with write(engine) as conn:
        current = versions(conn, {tr.ticket.id for tr in transitions})
        good, kept = fresh_only(transitions, bound, current, skip_stale, result)
        set_row.execute(conn, [p[0] for p in kept])
        add_event.execute(conn, [p[1] for p in kept])
        claims.drop_written(conn, [tr.ticket.id for tr in good])
        if within is not None and good:
            within(conn, [tr.ticket for tr in good])
    result.applied.extend(tr.ticket for tr in good)
    return result


class _Stale(Exception):
    """A guarded UPDATE of a batch found a ticket at another version (the batch is rolled back)."""


def _update_row(tr: Transition) -> dict[str, Any]:
    """The tickets row of a transition's UPDATE: the id as ``b_id`` and the version it must
    find as ``b_version``, immutable columns left out."""
    row = ticket_row(tr.ticket)
    row["b_id"] = row.pop("id")
    row["b_version"] = tr.expected_version
    for k in IMMUTABLE:
        row.pop(k)
    return row


def versions(conn: Connection, ids: set[str]) -> dict[str, int]:
    """The current version of each ticket of ``ids`` (locked for update on PostgreSQL)."""
    out: dict[str, int] = {}
    for chunk in chunks(sorted(ids), 500):
        q = select(tickets.c.id, tickets.c.version).where(tickets.c.id.in_(chunk))
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        out.update({r.id: r.version for r in conn.execute(q)})
    return out


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (a statement's parameters stay bounded)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def fresh_only(
    transitions: Sequence[Transition],
    bound: Sequence[tuple[Any, Any]],
    current: dict[str, int],
    skip_stale: bool,
    result: ApplyResult,
) -> tuple[list[Transition], list[tuple[Any, Any]]]:
    """The transitions whose ticket is still at the version they expect (``current``: ticket
    id → version, updated as each is kept) and their bound rows; a stale one raises
    StaleTicket, or with ``skip_stale`` is listed in ``result.stale`` and left out."""
    good: list[Transition] = []
    kept: list[tuple[Any, Any]] = []
    for tr, pair in zip(transitions, bound, strict=True):
        tid = tr.ticket.id
        if current.get(tid) != tr.expected_version:
            stale = StaleTicket(tid, tr.expected_version, current.get(tid))
            if not skip_stale:
                raise stale
            result.stale.append(stale)
            continue
        current[tid] = tr.ticket.version
        good.append(tr)
        kept.append(pair)
    return good, kept
