"""The notify stage: the event log as outbox, per-recipient retries; on PostgreSQL an event
that commits after the cursor passed its id is still delivered (the cursor's gaps), and a
rolled-back id is forgotten after ``GAP_LIFE``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from gridops.notify import DeliveryFailed, LogSender, Message
from gridops.services import notifying
from gridops.services.context import ServiceContext
from gridops.services.intake import submit
from gridops.services.notifying import (
    CURSOR,
    GAP_LIFE,
    MAX_ATTEMPTS,
    delivery_counts,
    notify_batch,
    passed,
)
from gridops.services.routing import route_batch
from gridops.store import service_tables
from gridops.store.schema import ticket_events
from gridops.store.service_tables import cursor_gaps, cursor_position, pending_work
from gridops.tickets import Role, Status

from .conftest import NOW, report_at, some_cells


class Flaky:
    """Fails for one recipient, delivers to the rest."""

    name = "flaky"

    def __init__(self, bad: str) -> None:
        self.bad = bad
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        if message.recipient == self.bad:
            raise DeliveryFailed("mailbox full")
        self.sent.append(message)


def test_each_dispatch_is_delivered_once(ctx) -> None:
    cells = some_cells(ctx, 5)
    submit(ctx, [report_at(ctx, c) for c in cells], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 100, now=NOW)
    sender = LogSender()
    notify_batch(ctx, 100, now=NOW, sender=sender)
    notify_batch(ctx, 100, now=NOW, sender=sender)  # again: nothing new
    assert len(sender.sent) == 5
    assert delivery_counts(ctx) == {"sent": 5}
    assert open_gaps(ctx) == []  # ids committed in order: nothing passed unseen


def test_a_failing_recipient_is_retried_alone_then_given_up(ctx) -> None:
    cells = some_cells(ctx, 3)
    made = submit(ctx, [report_at(ctx, c) for c in cells], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 100, now=NOW)
    first = ctx.store.get(made[0].id)
    bad = first.assignee or first.owner_unit
    sender = Flaky(bad)
    at = NOW
    for _ in range(MAX_ATTEMPTS + 2):
        notify_batch(ctx, 100, now=at, sender=sender)
        at += timedelta(hours=2)
    assert len(sender.sent) == 2
    assert delivery_counts(ctx) == {"sent": 2, "failed": 1}


# -- late commits: the cursor's gaps -------------------------------------------------------------


def routed(ctx: ServiceContext, cell: str) -> None:
    """One report in ``cell``, routed (a dispatch event), committed."""
    submit(ctx, [report_at(ctx, cell)], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 100, now=NOW)


def open_gaps(ctx: ServiceContext) -> list[int]:
    with ctx.store.engine.connect() as conn:
        return sorted(conn.execute(select(cursor_gaps.c.event_id)).scalars())


def events_pending(ctx: ServiceContext, now=NOW) -> bool:
    work = pending_work(ctx.store, cursor=CURSOR, now=now, closed=Status.CLOSED.value)
    return work["events"]


def copy_dispatch(conn: Connection, **values: Any) -> tuple[int, str]:
    """Insert a copy of the first dispatch event (a later seq of its ticket) on ``conn``; its
    id and its ticket's id."""
    q = select(ticket_events).where(ticket_events.c.type == "dispatch").order_by(ticket_events.c.id)
    old = conn.execute(q.limit(1)).mappings().one()
    top = conn.execute(select(func.max(ticket_events.c.seq))).scalar_one()
    row = {k: v for k, v in old.items() if k != "id"} | {"seq": top + 100 + len(values)} | values
    taken = conn.execute(ticket_events.insert().returning(ticket_events.c.id), row)
    return taken.scalar_one(), old["ticket_id"]


@contextmanager
def writes_counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many write transactions the service tables open meanwhile (one entry each)."""
    seen: list[int] = []
    real = service_tables.write

    @contextmanager
    def counted(engine: Any) -> Iterator[Connection]:
        seen.append(1)
        with real(engine) as conn:
            yield conn

    monkeypatch.setattr(service_tables, "write", counted)
    yield seen
    monkeypatch.setattr(service_tables, "write", real)


def one_notified(ctx) -> LogSender:
    """A ticket routed and its dispatch notified; the sender that recorded it."""
    routed(ctx, some_cells(ctx, 2)[0])
    sender = LogSender()
    notify_batch(ctx, 100, now=NOW, sender=sender)
    return sender


def passed_while_open(ctx, late: Connection, sender: LogSender) -> tuple[int, str]:
    """On ``late``, a transaction left open: a copied dispatch event; meanwhile a second ticket
    is routed (higher ids, committed) and notified, so the cursor passes the copy's id. The
    copy's id and its ticket's id."""
    late_id, ticket_id = copy_dispatch(late)
    routed(ctx, some_cells(ctx, 2)[1])
    notify_batch(ctx, 100, now=NOW, sender=sender)
    return late_id, ticket_id


@pytest.mark.pg
@pytest.mark.parametrize("ctx", ["postgresql"], indirect=True)
def test_an_event_committed_after_the_cursor_passed_it_is_delivered(ctx) -> None:
    """Transaction A takes an event id; B takes higher ones and commits; notify reads B's and
    moves the cursor past A's id; A commits: the next run delivers A's event."""
    sender = one_notified(ctx)
    late = ctx.store.engine.connect()
    try:
        with late.begin():
            late_id, ticket_id = passed_while_open(ctx, late, sender)  # B committed first
            assert cursor_position(ctx.store, CURSOR) > late_id
            assert open_gaps(ctx) == [late_id] and not events_pending(ctx)
        assert events_pending(ctx)  # A committed: the sweeper's probe sees work
        notify_batch(ctx, 100, now=NOW + timedelta(seconds=5), sender=sender)
    finally:
        late.close()
    number = ctx.store.get(ticket_id).number
    assert [m.ticket_number for m in sender.sent].count(number) == 2  # routed, then A's copy
    assert len(sender.sent) == 3 and delivery_counts(ctx) == {"sent": 3}
    assert open_gaps(ctx) == [] and not events_pending(ctx)


@pytest.mark.pg
@pytest.mark.parametrize("ctx", ["postgresql"], indirect=True)
def test_a_rolled_back_id_is_dropped_after_the_bound_and_waiting_writes_nothing(
    ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = one_notified(ctx)
    late = ctx.store.engine.connect()
    try:
        late.begin()
        late_id, _ = passed_while_open(ctx, late, sender)
        late.rollback()
    finally:
        late.close()
    assert open_gaps(ctx) == [late_id]
    with writes_counted(monkeypatch) as writes:
        notify_batch(ctx, 100, now=NOW + GAP_LIFE - timedelta(seconds=1), sender=sender)
        assert open_gaps(ctx) == [late_id] and writes == []  # an open gap alone: no write
        notify_batch(ctx, 100, now=NOW + GAP_LIFE + timedelta(seconds=1), sender=sender)
        assert open_gaps(ctx) == [] and writes == [1]  # too old: a rollback, dropped
        notify_batch(ctx, 100, now=NOW + 2 * GAP_LIFE, sender=sender)
        assert writes == [1]
    assert len(sender.sent) == 2 and delivery_counts(ctx) == {"sent": 2}


@pytest.mark.parametrize("ctx", ["sqlite"], indirect=True)
def test_gaps_are_bounded_oldest_first_and_filled_when_their_event_appears(
    ctx, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Holes made by explicit ids (SQLite has one writer, so late commits cannot be staged):
    at most MAX_GAPS are kept, the lowest of the newest run dropped with a warning."""
    routed(ctx, some_cells(ctx, 1)[0])
    sender = LogSender()
    notify_batch(ctx, 100, now=NOW, sender=sender)
    top = cursor_position(ctx.store, CURSOR)
    assert top is not None
    monkeypatch.setattr(notifying, "MAX_GAPS", 3)
    with ctx.store.engine.begin() as conn:
        copy_dispatch(conn, id=top + 6)
    with caplog.at_level(logging.WARNING, logger=notifying.__name__):
        notify_batch(ctx, 100, now=NOW, sender=sender)
    assert open_gaps(ctx) == [top + 3, top + 4, top + 5]
    assert "forgetting the 2 oldest" in caplog.text
    with ctx.store.engine.begin() as conn:
        copy_dispatch(conn, id=top + 4)  # "commits late" into a gap
    assert events_pending(ctx)
    notify_batch(ctx, 100, now=NOW, sender=sender)
    assert open_gaps(ctx) == [top + 3, top + 5] and len(sender.sent) == 3
    assert cursor_position(ctx.store, CURSOR) == top + 6


def test_the_ids_passed_unseen() -> None:
    assert passed(3, [5, 6, 9]) == ([8, 7, 4], 3)
    assert passed(None, [5, 6, 9]) == ([8, 7], 2)  # never moved: nothing below the first
    assert passed(3, [4, 5]) == ([], 0) and passed(3, []) == ([], 0)
    assert passed(0, [10**12]) == (list(range(10**12 - 1, 10**12 - 5_001, -1)), 10**12 - 1)
