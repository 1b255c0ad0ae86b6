"""The ticket store: create (idempotent), read, claim, transition (versioned) and audit.

Every change writes the ticket row and its event in one transaction. A write names the version
it was computed from; if the row has moved on, :class:`StaleTicket` (or, in batch mode, a report
of the stale ones). Claims (:mod:`gridops.store.claims`) mark tickets as taken by a worker for
a while; writing a ticket ends its claim.
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError

from gridops.store import batch_write, claims, driver
from gridops.store.batch_write import IMMUTABLE, ApplyResult, PreparedWrite, chunks, versions
from gridops.store.engine import checkpointer, make_engine, migrate, write
from gridops.store.errors import UnknownTicket
from gridops.store.locked_batch import LockedBatch, locked_batch
from gridops.store.numbers import reserve_serials
from gridops.store.rows import event_of, event_row, ticket_of, ticket_row
from gridops.store.schema import ticket_events, tickets
from gridops.tickets import (
    ChainProblem,
    Event,
    Role,
    Status,
    Ticket,
    TicketDraft,
    Transition,
    WorkCalendar,
    apply,
    case_number,
    check_chain,
    check_id,
    in_chain,
    rebuild,
    report,
)
from gridops.tickets.model import category_code


def open_store(url: str, *, timezone: str = "Asia/Shanghai") -> Store:
    """Connect to ``url`` and bring its schema up to date (alembic upgrade head)."""
    engine = make_engine(url)
    migrate(engine)
    return Store(engine, timezone=timezone)


class Store:
    """Repository over the tickets, ticket_events and number_counters tables."""

    def __init__(self, engine: Engine, *, timezone: str = "Asia/Shanghai") -> None:
        self.engine = engine
        self.tz = ZoneInfo(timezone)
        self.dialect = engine.dialect.name

    def close(self) -> None:
        cp = checkpointer(self.engine)
        if cp is not None:
            cp.close()  # its thread opens connections: stopped before the pool goes
        self.engine.dispose()

    # -- intake -------------------------------------------------------------------------
    def create_tickets(
        self,
        drafts: Sequence[TicketDraft],
        *,
        now: datetime,
        actor: str = "intake",
        role: Role | str = Role.SYSTEM,
        categories: Collection[str] | None = None,
        then: Callable[[list[Ticket]], Sequence[Transition]] | None = None,
    ) -> list[Ticket]:
        """One ticket per draft, in order. A draft whose idempotency key is already stored
        (or repeats an earlier draft's) gives the existing ticket, never a second one.

        ``then`` (pure: tickets in, transitions out) gives follow-up moves, written in the same
        transaction, so no reader or claimer ever sees the tickets without them. A move whose
        ticket is no longer at its expected version (an older ticket found by key) is left out.
        """
        for d in drafts:
            d.validate(categories)
        for attempt in range(3):
            try:
                with write(self.engine) as conn:
                    made = self._create(conn, drafts, now, actor, role)
                    return made if then is None else self._follow(conn, made, then(made))
            except IntegrityError:
                if attempt == 2:  # a concurrent creator won each race: give up loudly
                    raise
        raise AssertionError("unreachable")

    def _create(
        self, conn: Connection, drafts: Sequence[TicketDraft], now: datetime, actor: str, role: Any
    ) -> list[Ticket]:
        keys = {d.idempotency_key for d in drafts if d.idempotency_key}
        known: dict[str, Ticket] = {}
        for chunk in chunks(sorted(keys), 500):
            rows = conn.execute(select(tickets.c.data).where(tickets.c.idempotency_key.in_(chunk)))
            for t in map(ticket_of, rows):
                assert t.idempotency_key
                known[t.idempotency_key] = t
        fresh = [d for d in drafts if not d.idempotency_key or d.idempotency_key not in known]
        seen: set[str] = set()
        todo: list[TicketDraft] = []
        for d in fresh:
            if d.idempotency_key and d.idempotency_key in seen:
                continue
            seen.add(d.idempotency_key or f"\0{len(todo)}")
            todo.append(d)
        day = now.astimezone(self.tz).strftime("%Y%m%d")
        serials = reserve_serials(conn, day, [category_code(d.category) for d in todo])
        made: list[Transition] = []
        for d, serial in zip(todo, serials, strict=True):
            number = case_number(d.kind, d.category, day, serial)  # type: ignore[arg-type]
            made.append(report(d, id=uuid.uuid4().hex, number=number, now=now, actor=actor,
                               role=role, salt=secrets.token_hex(16)))  # fmt: skip
        if made:
            new_rows = [ticket_row(tr.ticket) for tr in made]
            events = [event_row(tr.event) for tr in made]
            dialect = self.engine.dialect
            add_ticket = driver.insert(tickets, tuple(new_rows[0]), dialect)
            add_event = driver.insert(ticket_events, tuple(events[0]), dialect)
            add_ticket.execute(conn, [add_ticket.bind(r) for r in new_rows])
            add_event.execute(conn, [add_event.bind(e) for e in events])
        for tr in made:
            if tr.ticket.idempotency_key:
                known[tr.ticket.idempotency_key] = tr.ticket
        it = iter(tr.ticket for tr in made)
        return [known[d.idempotency_key] if d.idempotency_key else next(it) for d in drafts]

    def _follow(
        self, conn: Connection, made: list[Ticket], moves: Sequence[Transition]
    ) -> list[Ticket]:
        """Write ``moves`` (version-guarded) in the creating transaction; the tickets, updated."""
        current = versions(conn, {tr.ticket.id for tr in moves})
        moved: dict[str, Ticket] = {}
        for tr in moves:
            if current.get(tr.ticket.id) != tr.expected_version:
                continue
            current[tr.ticket.id] = tr.ticket.version
            row = ticket_row(tr.ticket)
            for k in ("id", *IMMUTABLE):
                row.pop(k)
            conn.execute(update(tickets).where(tickets.c.id == tr.ticket.id).values(**row))
            conn.execute(ticket_events.insert(), event_row(tr.event))
            moved[tr.ticket.id] = tr.ticket
        behind = {t.id for t in made if t.id in current and t.id not in moved}
        if behind:  # re-read what a concurrent writer moved on
            rows = conn.execute(select(tickets.c.data).where(tickets.c.id.in_(sorted(behind))))
            moved.update((t.id, t) for t in map(ticket_of, rows))
        return [moved.get(t.id, t) for t in made]

    # -- reads --------------------------------------------------------------------------
    def get(self, ticket_id: str) -> Ticket:
        """The ticket with this id; UnknownTicket if none."""
        check_id(ticket_id)
        with self.engine.connect() as conn:
            row = conn.execute(select(tickets.c.data).where(tickets.c.id == ticket_id)).first()
        if row is None:
            raise UnknownTicket(f"no ticket with id {ticket_id}")
        return ticket_of(row)

    def get_by_number(self, number: str) -> Ticket:
        with self.engine.connect() as conn:
            row = conn.execute(select(tickets.c.data).where(tickets.c.number == number)).first()
        if row is None:
            raise UnknownTicket(f"no ticket with number {number!r}")
        return ticket_of(row)

    def find(
        self,
        *,
        status: Status | str | None = None,
        owner_unit: str | None = None,
        cell: str | None = None,
        due_before: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Ticket]:
        """Tickets matching every filter given, oldest first."""
        q = select(tickets.c.data).order_by(tickets.c.created_at, tickets.c.id)
        if status is not None:
            q = q.where(tickets.c.status == Status(status).value)
        if owner_unit is not None:
            q = q.where(tickets.c.owner_unit == owner_unit)
        if cell:
            q = q.where(or_(tickets.c.cell_1 == cell, tickets.c.cell_2 == cell,
                            tickets.c.cell_3 == cell))  # fmt: skip
        if due_before is not None:
            q = q.where(tickets.c.open_due_at < due_before)
        with self.engine.connect() as conn:
            return [ticket_of(r) for r in conn.execute(q.limit(limit).offset(offset))]

    def count(self) -> int:
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tickets)).scalar_one())

    def events(self, ticket_id: str) -> list[Event]:
        """The ticket's events in sequence order."""
        check_id(ticket_id)
        q = select(ticket_events).where(ticket_events.c.ticket_id == ticket_id)
        with self.engine.connect() as conn:
            return [event_of(r) for r in conn.execute(q.order_by(ticket_events.c.seq))]

    # -- claims -------------------------------------------------------------------------
    def claim(
        self, status: Status | str, *, limit: int, worker_id: str, now: datetime, ttl: timedelta
    ) -> list[Ticket]:
        """Take up to ``limit`` tickets in ``status`` whose claim is free or expired
        (:mod:`gridops.store.claims`).

        The write transaction only picks and claims the ids; the tickets are read after it, so
        the other writers wait for no more than that (a ticket moved meanwhile is read as it
        now is, and its version guards what the caller writes)."""
        return self.read_claimed(self.claim_ids(status, limit=limit, worker_id=worker_id,
                                                now=now, ttl=ttl))  # fmt: skip

    def claim_ids(
        self, status: Status | str, *, limit: int, worker_id: str, now: datetime, ttl: timedelta
    ) -> list[str]:
        """:meth:`claim` without reading the tickets: the ids taken, oldest first."""
        return claims.claim(self.engine, status, limit=limit, worker_id=worker_id, now=now,
                            ttl=ttl)  # fmt: skip

    def read_claimed(self, ids: Sequence[str]) -> list[Ticket]:
        """The tickets of claimed ids, in the order given (one gone meanwhile is left out)."""
        if not ids:
            return []
        with self.engine.connect() as conn:
            found = {r.id: ticket_of(r) for r in conn.execute(_BY_IDS, {"ids": ids})}
        return [found[i] for i in ids if i in found]  # oldest first, as claimed

    def locked_batch(self, now: datetime) -> AbstractContextManager[LockedBatch]:
        """PostgreSQL: a transaction that takes tickets under row locks and writes them
        (:mod:`gridops.store.locked_batch`)."""
        return locked_batch(self.engine, now)

    def release(self, ids: Iterable[str], *, worker_id: str) -> None:
        """Give back claims this worker holds."""
        claims.release(self.engine, ids, worker_id=worker_id)

    def hold(self, ids: Iterable[str], *, worker_id: str, until: datetime) -> None:
        """Keep claims this worker holds until ``until`` (tickets set aside for a while)."""
        claims.hold(self.engine, ids, worker_id=worker_id, until=until)

    # -- changes ------------------------------------------------------------------------
    def apply_transitions(
        self,
        transitions: Sequence[Transition],
        *,
        skip_stale: bool = False,
        within: batch_write.Within | None = None,
    ) -> ApplyResult:
        """Write many transitions in one transaction, each guarded by its ticket's version
        (:mod:`gridops.store.batch_write`): a stale one raises StaleTicket and writes nothing
        — or, with ``skip_stale``, is left out and reported while the rest are written.
        Writing a ticket releases its claim. Encoding happens before the writer is taken.
        ``within`` runs in the same transaction, after the tickets are written."""
        return batch_write.write_prepared(
            self.engine, self.prepare(transitions), skip_stale=skip_stale, within=within
        )

    def prepare(self, transitions: Sequence[Transition]) -> PreparedWrite:
        """:meth:`apply_transitions`' first half: encode and bind, no database work."""
        return batch_write.prepare(self.engine, transitions)

    def write_prepared(self, prepared: PreparedWrite, *, skip_stale: bool = False) -> ApplyResult:
        """:meth:`apply_transitions`' second half: the guarded write of prepared transitions."""
        return batch_write.write_prepared(self.engine, prepared, skip_stale=skip_stale)

    def transition(
        self,
        ticket_id: str,
        action: str,
        *,
        actor: str,
        role: Role | str,
        now: datetime,
        calendar: WorkCalendar | None = None,
        **fields: Any,
    ) -> Ticket:
        """Load, apply one action, save (StaleTicket if someone moved it meanwhile)."""
        tr = apply(self.get(ticket_id), action, actor=actor, role=role, now=now,
                   calendar=calendar, **fields)  # fmt: skip
        return self.apply_transitions([tr]).applied[0]

    # -- audit --------------------------------------------------------------------------
    def verify_chains(
        self, progress: Callable[[int, int], None] | None = None, *, batch: int = 500
    ) -> list[ChainProblem]:
        """Walk every ticket's chain; problems name the ticket and what is wrong.

        The stored state must equal the projection of its events in everything but the fields
        outside the chain (the reporter's contact and its salt, which the row alone keeps).
        """
        problems: list[ChainProblem] = []
        with self.engine.connect() as conn:
            total = self.count()
            done = 0
            for rows in _pages(conn, batch):
                ids = [r.id for r in rows]
                evq = (
                    select(ticket_events)
                    .where(ticket_events.c.ticket_id.in_(ids))
                    .order_by(ticket_events.c.ticket_id, ticket_events.c.seq)
                )
                by_ticket: dict[str, list[Event]] = defaultdict(list)
                for r in conn.execute(evq):
                    by_ticket[r.ticket_id].append(event_of(r))
                for row in rows:
                    problems.extend(_check_one(row, by_ticket.get(row.id, [])))
                done += len(rows)
                if progress:
                    progress(done, total)
            orphan = (
                select(ticket_events.c.ticket_id)
                .where(~ticket_events.c.ticket_id.in_(select(tickets.c.id)))
                .distinct()
            )
            for tid in conn.execute(orphan).scalars():
                problems.append(
                    ChainProblem(tid, "deleted", "events remain but the ticket is gone")
                )
        return problems

    def rebuild(self, ticket_id: str) -> Ticket:
        """The ticket as its events describe it (the projection, recomputed)."""
        events = self.events(ticket_id)
        if not events:
            raise UnknownTicket(f"no events for ticket {ticket_id}")
        return rebuild(events)


#: the claimed tickets, read after the claim (built once: a batch reads every few hundred ms)
_BY_IDS = select(tickets.c.id, tickets.c.data).where(
    tickets.c.id.in_(bindparam("ids", expanding=True))
)


def _check_one(row: Any, events: list[Event]) -> list[ChainProblem]:
    problems = check_chain(row.id, events, version=row.version, head=row.chain_head)
    if problems or not events:
        return problems
    stored = ticket_of(row)
    if in_chain(rebuild(events)) != in_chain(stored):
        return [ChainProblem(row.id, "altered", "the stored state differs from its history")]
    return []


def _pages(conn: Connection, size: int) -> Iterator[list[Any]]:
    after = ""
    cols = (tickets.c.id, tickets.c.version, tickets.c.chain_head, tickets.c.data)
    while True:
        q = select(*cols).where(tickets.c.id > after).order_by(tickets.c.id).limit(size)
        rows = list(conn.execute(q))
        if not rows:
            return
        yield rows
        after = rows[-1].id
