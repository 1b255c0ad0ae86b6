"""The ticket change marker, on SQLite and PostgreSQL: equal while nothing is written, moved by a
report and by a transition, and — on PostgreSQL — by a transaction that took a lower event id
but committed after a higher one was seen. The shared mark: one read per max_age for many
threads (queries counted on the engine), a floor that moves up past its bound without hiding a
write made across the move."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from gridops.store import Store
from gridops.store.changes import (
    LATE_WINDOW,
    FlooredMark,
    SharedMark,
    event_mark,
    last_event_id,
    shared_mark,
)
from gridops.store.schema import ticket_events
from store.factory import DISPATCH, NOW, draft


def test_the_mark_moves_only_when_a_ticket_is_written(store: Store) -> None:
    engine = store.engine
    assert last_event_id(engine) == 0
    first = store.create_tickets([draft(0), draft(1)], now=NOW)
    floor = last_event_id(engine) - 1
    before = event_mark(engine, above=floor)
    assert event_mark(engine, above=floor) == before  # nothing written: the same mark
    store.create_tickets([draft(2)], now=NOW)  # the same clock: updated_at would not move
    reported = event_mark(engine, above=floor)
    assert reported != before and reported.last == last_event_id(engine)
    store.transition(first[0].id, "dispatch", actor="d", role="dispatcher", now=NOW, **DISPATCH)
    assert event_mark(engine, above=floor) not in (before, reported)


def test_a_mark_above_every_event_is_the_floor_itself(store: Store) -> None:
    store.create_tickets([draft(0)], now=NOW)
    top = last_event_id(store.engine)
    mark = event_mark(store.engine, above=top)
    assert mark.count == 0 and mark.last == top


@pytest.mark.pg
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_late_commit_below_the_highest_id_moves_the_count(store: Store) -> None:
    """Transaction A takes an event id, B takes the next and commits first; the watcher sees
    B's id as the highest; when A commits, the highest id stays but the count moves."""
    (ticket,) = store.create_tickets([draft(0)], now=NOW)
    floor = max(0, last_event_id(store.engine) - LATE_WINDOW)
    row = store.engine.connect()
    try:
        with row.begin():
            old = row.execute(select(ticket_events)).mappings().one()
            late = {k: v for k, v in old.items() if k != "id"} | {"seq": old["seq"] + 100}
            taken = row.execute(ticket_events.insert().returning(ticket_events.c.id), late)
            late_id = taken.scalar_one()
            store.create_tickets([draft(1)], now=NOW)  # B: a higher id, committed first
            seen = event_mark(store.engine, above=floor)
            assert seen.last > late_id
        after = event_mark(store.engine, above=floor)  # A committed
    finally:
        row.close()
    assert after.last == seen.last and after.count == seen.count + 1
    assert ticket.id == old["ticket_id"]


@contextmanager
def marker_reads(store: Store) -> Iterator[list[str]]:
    """The marker queries run on the store's engine meanwhile (every statement counting events)."""
    seen: list[str] = []

    def heard(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if "ticket_events" in statement and "count(" in statement.lower():
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", heard)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", heard)


def test_many_watchers_share_one_read_per_max_age(store: Store) -> None:
    store.create_tickets([draft(0)], now=NOW)
    shared = SharedMark(store.engine)
    start = threading.Barrier(16)

    def watch() -> FlooredMark:
        start.wait()
        return shared.current(max_age=3600)

    with marker_reads(store) as reads, ThreadPoolExecutor(16) as pool:
        marks = list(pool.map(lambda _: watch(), range(16)))
        again = shared.current(max_age=3600)
    assert len(reads) == 1 and set(marks) == {again}
    store.create_tickets([draft(1)], now=NOW)
    with marker_reads(store) as reads:
        assert shared.current(max_age=3600) == again  # still young: the cached mark
        fresh = shared.current(max_age=0)  # too old for this caller: read again
    assert len(reads) == 1 and fresh != again and fresh.last == last_event_id(store.engine)


def test_the_floor_moves_up_past_the_bound_and_writes_across_it_still_show(store: Store) -> None:
    store.create_tickets([draft(0)], now=NOW)
    shared = SharedMark(store.engine, window=2, bound=4)
    first = shared.current(0)
    store.create_tickets([draft(i) for i in range(1, 6)], now=NOW)
    crowded = shared.current(0)  # more than 4 above the floor: the next read counts higher
    assert crowded.floor == first.floor and crowded.count > 4
    store.create_tickets([draft(9)], now=NOW)  # written across the move of the floor
    moved = shared.current(0)
    assert moved != crowded and moved.floor == crowded.last - 2
    assert moved.last == last_event_id(store.engine) and moved.count <= 4
    assert shared.current(0) == moved  # nothing written: the same mark


def test_a_move_with_nothing_written_changes_the_mark_once(store: Store) -> None:
    shared = SharedMark(store.engine, window=2, bound=4)
    store.create_tickets([draft(i) for i in range(6)], now=NOW)
    crowded = shared.current(0)
    moved = shared.current(0)  # the floor moved, nothing written: one needless change
    assert moved != crowded and shared.current(0) == moved == shared.current(0)


def test_every_watcher_of_a_store_shares_its_mark(store: Store) -> None:
    assert shared_mark(store) is shared_mark(store)
    with pytest.raises(ValueError, match="window < bound"):
        SharedMark(store.engine, window=5, bound=5)


@pytest.mark.pg
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_late_commit_moves_the_shared_mark(store: Store) -> None:
    store.create_tickets([draft(0)], now=NOW)
    shared = SharedMark(store.engine)
    row = store.engine.connect()
    try:
        with row.begin():
            old = row.execute(select(ticket_events)).mappings().one()
            late = {k: v for k, v in old.items() if k != "id"} | {"seq": old["seq"] + 100}
            row.execute(ticket_events.insert(), late)
            store.create_tickets([draft(1)], now=NOW)  # a higher id, committed first
            seen = shared.current(0)
        after = shared.current(0)
    finally:
        row.close()
    assert after.last == seen.last and after.count == seen.count + 1
