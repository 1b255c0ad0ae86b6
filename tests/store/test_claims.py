"""Routing claims in their own table: exclusive while live, retaken once expired, given back by
their worker only, ended by a write; the PostgreSQL take never steals a live claim; migration
0008 carries live claims over from the ticket row and back."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from gridops.store import Store, open_store
from gridops.store.claims import _take_pg
from gridops.store.engine import write
from gridops.tickets import apply
from store.factory import DISPATCH, NOW, VERIFY, draft
from store.test_migration_points import move_to

TTL = timedelta(minutes=5)


def held(store: Store) -> dict[str, str]:
    with store.engine.connect() as conn:
        return dict(conn.execute(text("SELECT ticket_id, worker_id FROM ticket_claims")).all())


def test_release_gives_back_only_the_workers_own_claims(store: Store):
    a, b = store.create_tickets([draft(1), draft(2)], now=NOW)
    store.claim("reported", limit=1, worker_id="w1", now=NOW, ttl=TTL)
    store.claim("reported", limit=1, worker_id="w2", now=NOW, ttl=TTL)
    store.release([a.id, b.id], worker_id="w1")
    assert held(store) == {b.id: "w2"}
    [again] = store.claim("reported", limit=5, worker_id="w3", now=NOW, ttl=TTL)
    assert again.id == a.id


def test_a_write_ends_the_claim_whoever_holds_it(store: Store):
    a, b = store.create_tickets([draft(1), draft(2)], now=NOW)
    claimed = store.claim("reported", limit=2, worker_id="w1", now=NOW, ttl=TTL)
    move = apply(claimed[0], "dispatch", actor="d", role="dispatcher", now=NOW, **DISPATCH)
    store.apply_transitions([move])
    assert held(store) == {claimed[1].id: "w1"}


def test_an_expired_claim_is_replaced_not_added(store: Store):
    (t,) = store.create_tickets([draft(1)], now=NOW)
    store.claim("reported", limit=1, worker_id="dead", now=NOW, ttl=TTL)
    assert store.claim("reported", limit=1, worker_id="w2", now=NOW + TTL, ttl=TTL) == []
    tick = timedelta(microseconds=1)  # a claim is live up to and including its end
    [taken] = store.claim("reported", limit=1, worker_id="w2", now=NOW + TTL + tick, ttl=TTL)
    assert taken.id == t.id and held(store) == {t.id: "w2"}


@pytest.mark.pg
def test_the_postgresql_take_skips_a_claim_another_worker_committed(pg_url, empty_pg):
    """The pick of worker B ran before A's take committed (its snapshot saw the ticket free,
    and A's take did not lock the ticket row again): B's upsert takes nothing that A holds,
    and still takes what A's claim no longer covers."""
    store = open_store(pg_url)
    empty_pg(store.engine)
    try:
        a, b = store.create_tickets([draft(1), draft(2)], now=NOW)
        store.claim("reported", limit=1, worker_id="A", now=NOW, ttl=TTL)
        with write(store.engine) as conn:
            assert _take_pg(conn, [a.id, b.id], "B", NOW, TTL) == [b.id]
        assert held(store) == {a.id: "A", b.id: "B"}
        with write(store.engine) as conn:  # later: A's claim has run out
            assert _take_pg(conn, [a.id], "B", NOW + 2 * TTL, TTL) == [a.id]
        assert held(store) == {a.id: "B", b.id: "B"}
    finally:
        store.close()


def test_migration_0008_moves_live_claims_and_back(store: Store):
    a, b = store.create_tickets([draft(1), draft(2)], now=NOW)
    store.claim("reported", limit=1, worker_id="w1", now=NOW, ttl=TTL)
    move_to(store.engine, "0007_account_events", down=True)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, claimed_by FROM tickets ORDER BY claimed_by")).all()
    assert {r.id: r.claimed_by for r in rows} == {a.id: "w1", b.id: None}
    move_to(store.engine, "head")
    assert held(store) == {a.id: "w1"}
    assert store.claim("reported", limit=5, worker_id="w2", now=NOW, ttl=TTL)[0].id == b.id
    later = store.claim("reported", limit=5, worker_id="w3", now=NOW + 2 * TTL, ttl=TTL)
    assert {t.id for t in later} == {a.id, b.id}  # the carried claim kept its end


ops = st.lists(
    st.tuples(
        st.sampled_from(["claim", "release", "write"]),
        st.sampled_from(["w1", "w2", "w3"]),
        st.integers(0, 12),  # minutes from NOW: claims last 5
        st.integers(1, 4),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=25, deadline=None)
@given(ops)
def test_no_ticket_is_ever_held_by_two_workers(steps):
    """Any interleaving of claims, releases and writes by three workers at moving times (on
    SQLite): a claim returns only tickets nobody else held live at that moment, oldest first."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'c.db'}")
        made = store.create_tickets([draft(i) for i in range(6)], now=NOW)
        order = [t.id for t in made]
        holder: dict[str, tuple[str, object]] = {}  # ticket -> (worker, until)
        mine: dict[str, list[str]] = {}
        for op, worker, minute, n in sorted(steps, key=lambda s: s[2]):
            now = NOW + timedelta(minutes=minute)
            if op == "claim":
                got = [t.id for t in store.claim("reported", limit=n, worker_id=worker,
                                                 now=now, ttl=TTL)]  # fmt: skip
                free = [i for i in order if i not in holder or holder[i][1] < now]
                assert got == free[:n]
                for i in got:
                    holder[i] = (worker, now + TTL)
                mine[worker] = got
            elif op == "release":
                store.release(mine.get(worker, []), worker_id=worker)
                for i in mine.pop(worker, []):
                    if holder.get(i, ("",))[0] == worker:
                        del holder[i]
            elif mine.get(worker):  # write the worker's first claimed ticket
                tid = mine[worker].pop(0)
                if tid not in order:  # written by a worker that took it after this claim ran out
                    continue
                t = store.get(tid)
                store.apply_transitions(
                    [apply(t, "verify", actor="a", role="acceptor", now=now, **VERIFY)]
                )
                order.remove(tid)
                holder.pop(tid, None)
        assert set(held(store)) == set(holder)
        store.close()
