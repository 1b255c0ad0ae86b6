"""The ticket change marker, on SQLite and PostgreSQL: equal while nothing is written, moved by a
report and by a transition, and — on PostgreSQL — by a transaction that took a lower event id
but committed after a higher one was seen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridops.store import Store
from gridops.store.changes import event_mark, last_event_id, watch_floor
from gridops.store.schema import ticket_events
from store.factory import DISPATCH, NOW, draft


def test_the_mark_moves_only_when_a_ticket_is_written(store: Store) -> None:
    assert last_event_id(store) == 0 and watch_floor(store) == 0
    first = store.create_tickets([draft(0), draft(1)], now=NOW)
    floor = watch_floor(store, window=1)
    assert floor == last_event_id(store) - 1
    before = event_mark(store, above=floor)
    assert event_mark(store, above=floor) == before  # nothing written: the same mark
    store.create_tickets([draft(2)], now=NOW)  # the same clock: updated_at would not move
    reported = event_mark(store, above=floor)
    assert reported != before and reported.last == last_event_id(store)
    store.transition(first[0].id, "dispatch", actor="d", role="dispatcher", now=NOW, **DISPATCH)
    assert event_mark(store, above=floor) not in (before, reported)


def test_a_mark_above_every_event_is_the_floor_itself(store: Store) -> None:
    store.create_tickets([draft(0)], now=NOW)
    top = last_event_id(store)
    assert event_mark(store, above=top).count == 0 and event_mark(store, above=top).last == top


@pytest.mark.pg
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_late_commit_below_the_highest_id_moves_the_count(store: Store) -> None:
    """Transaction A takes an event id, B takes the next and commits first; the watcher sees
    B's id as the highest; when A commits, the highest id stays but the count moves."""
    (ticket,) = store.create_tickets([draft(0)], now=NOW)
    floor = watch_floor(store)
    row = store.engine.connect()
    try:
        with row.begin():
            old = row.execute(select(ticket_events)).mappings().one()
            late = {k: v for k, v in old.items() if k != "id"} | {"seq": old["seq"] + 100}
            taken = row.execute(ticket_events.insert().returning(ticket_events.c.id), late)
            late_id = taken.scalar_one()
            store.create_tickets([draft(1)], now=NOW)  # B: a higher id, committed first
            seen = event_mark(store, above=floor)
            assert seen.last > late_id
        after = event_mark(store, above=floor)  # A committed
    finally:
        row.close()
    assert after.last == seen.last and after.count == seen.count + 1
    assert ticket.id == old["ticket_id"]
