"""Pre-bound bulk writes store exactly what SQLAlchemy Core stores for the same rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, text, update

from gridops.store import Store
from gridops.store.batch_write import _update_row
from gridops.store.driver import insert
from gridops.store.engine import write
from gridops.store.rows import event_row
from gridops.store.schema import ticket_events, tickets
from gridops.tickets import apply
from store.factory import DISPATCH, NOW, draft


def raw(store: Store, sql: str, **params: object) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def test_the_update_and_the_insert_store_what_core_stores(store: Store):
    a, b = store.create_tickets([draft(1), draft(8)], now=NOW)  # the same cells
    later = NOW + timedelta(minutes=5)
    moves = [apply(t, "dispatch", actor="d", role="dispatcher", now=later, **DISPATCH)
             for t in (a, b)]  # fmt: skip
    store.apply_transitions(moves[:1])  # ticket a: the bound path
    row, ev = _update_row(moves[1]), event_row(moves[1].event)
    with write(store.engine) as conn:  # ticket b: Core, the same values
        cols = [k for k in row if k not in ("b_id", "b_version")]
        conn.execute(
            update(tickets)
            .where(tickets.c.id == bindparam("b_id"), tickets.c.version == bindparam("b_version"))
            .values({c: bindparam(c) for c in cols}),
            [row],
        )
        conn.execute(ticket_events.insert(), [ev])
    skip = {"id", "number", "data", "chain_head", "idempotency_key", "point_lon", "description"}
    names = [c.name for c in tickets.columns if c.name not in skip]
    select = f"SELECT {', '.join(names)} FROM tickets WHERE id = :i"
    got_a, got_b = raw(store, select, i=a.id), raw(store, select, i=b.id)
    assert got_a == got_b  # every column but the ticket's own identity, byte for byte
    ev_cols = "seq, type, from_status, to_status, actor, role, at"
    ev_select = f"SELECT {ev_cols} FROM ticket_events WHERE ticket_id = :i AND seq = 2"
    assert raw(store, ev_select, i=a.id) == raw(store, ev_select, i=b.id)
    assert store.get(a.id) == moves[0].ticket and store.verify_chains() == []


def test_writing_a_claimed_ticket_releases_its_claim(store: Store):
    (t,) = store.create_tickets([draft(1)], now=NOW)
    (claimed,) = store.claim("reported", limit=1, worker_id="w1", now=NOW,
                             ttl=timedelta(seconds=10))  # fmt: skip
    claim = "SELECT worker_id FROM ticket_claims WHERE ticket_id = :i"
    assert raw(store, claim, i=t.id) == [("w1",)]
    move = apply(claimed, "dispatch", actor="d", role="dispatcher", now=NOW, **DISPATCH)
    store.apply_transitions([move])
    assert raw(store, claim, i=t.id) == []


def test_statements_are_in_the_drivers_style(store: Store):
    stmt = insert(ticket_events, ("ticket_id", "seq"), store.engine.dialect)
    marks = {"sqlite": "?", "postgresql": "%(seq)s"}[store.dialect]
    assert stmt.sql.endswith(f"{marks})")
