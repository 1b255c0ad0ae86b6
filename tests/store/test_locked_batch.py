"""PostgreSQL batches taken under row locks (SKIP LOCKED) and written in the same transaction:
workers taking batches at once never take the same ticket and never skip one; a batch that
fails frees its tickets; a worker stuck mid-batch is cut off and its tickets taken again."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from gridops.store import Store, locked_batch, open_store
from gridops.store.schema import ticket_claims, ticket_events
from gridops.tickets import apply
from store.factory import DISPATCH, NOW, draft

pytestmark = pytest.mark.pg


@pytest.fixture
def pg_store(pg_url: str, empty_pg) -> Iterator[Store]:
    store = open_store(pg_url)
    empty_pg(store.engine)
    yield store
    store.close()


class Boom(Exception):
    """A batch that fails after taking its tickets (rolled back)."""


def dispatch_batches(store: Store, seed: int, taken: list[str], limit: int) -> None:
    """One worker: take, dispatch and commit batches until none is left; now and then a batch
    fails midway. ``taken`` gets the ids of committed batches only."""
    rnd = random.Random(seed)
    empty_in_a_row = 0
    while empty_in_a_row < 3:  # a miss may only mean another worker holds the rest
        try:
            with store.locked_batch(NOW) as batch:
                got = batch.take("reported", rnd.randint(1, limit))
                time.sleep(rnd.uniform(0, 0.01))  # the batches overlap in time
                if got and rnd.random() < 0.15:
                    raise Boom
                moves = [apply(t, "dispatch", actor="w", role="system", now=NOW, **DISPATCH)
                         for t in got]  # fmt: skip
                result = batch.write(store.prepare(moves))
                assert not result.stale
        except Boom:
            continue
        taken += [t.id for t in got]
        empty_in_a_row = 0 if got else empty_in_a_row + 1
        if not got:
            time.sleep(0.02)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_workers_at_once_take_every_ticket_exactly_once(pg_store: Store, seed: int) -> None:
    n = 300
    made = pg_store.create_tickets([draft(i) for i in range(n)], now=NOW)
    taken: list[list[str]] = [[] for _ in range(4)]
    workers = [
        threading.Thread(target=dispatch_batches, args=(pg_store, seed * 10 + k, taken[k], 25))
        for k in range(4)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    every = Counter(i for ids in taken for i in ids)
    assert set(every) == {t.id for t in made}  # none skipped
    assert max(every.values()) == 1  # none taken twice
    assert all(ids for ids in taken)  # every worker got some: they really ran at once
    with pg_store.engine.connect() as conn:
        dispatches = conn.execute(
            select(ticket_events.c.ticket_id, func.count())
            .where(ticket_events.c.type == "dispatch")
            .group_by(ticket_events.c.ticket_id)
        ).all()
        assert conn.execute(select(func.count()).select_from(ticket_claims)).scalar_one() == 0
    assert len(dispatches) == n and {c for _, c in dispatches} == {1}
    assert pg_store.verify_chains() == []


def test_a_failed_batch_frees_its_tickets_at_once(pg_store: Store) -> None:
    made = pg_store.create_tickets([draft(i) for i in range(3)], now=NOW)
    with pytest.raises(Boom), pg_store.locked_batch(NOW) as batch:
        assert len(batch.take("reported", 10)) == 3
        with pg_store.locked_batch(NOW) as other:  # meanwhile: all locked, nothing to take
            assert other.take("reported", 10) == []
        raise Boom
    with pg_store.locked_batch(NOW) as batch:
        assert [t.id for t in batch.take("reported", 10)] == [t.id for t in made]


def test_held_tickets_are_skipped_until_their_claim_runs_out(pg_store: Store) -> None:
    a, b = pg_store.create_tickets([draft(1), draft(2)], now=NOW)
    later = NOW.replace(hour=NOW.hour + 1)
    with pg_store.locked_batch(NOW) as batch:
        batch.take("reported", 10)
        batch.hold([a.id], worker_id="w", until=later)
    with pg_store.locked_batch(NOW) as batch:
        assert [t.id for t in batch.take("reported", 10)] == [b.id]
    with pg_store.locked_batch(later.replace(second=1)) as batch:
        assert [t.id for t in batch.take("reported", 10)] == [a.id, b.id]


def test_a_worker_stuck_mid_batch_is_cut_off_and_its_tickets_taken_again(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stuck transaction is ended by PostgreSQL (idle_in_transaction_session_timeout);
    its late write fails, so nothing is written twice."""
    monkeypatch.setattr(locked_batch, "IDLE_IN_TX_MS", 300)
    (t,) = pg_store.create_tickets([draft(1)], now=NOW)
    stuck_failed = threading.Event()
    took = threading.Event()

    def stuck() -> None:
        try:
            with pg_store.locked_batch(NOW) as batch:
                batch.take("reported", 10)
                took.set()
                time.sleep(1.5)  # hangs with the transaction open
                batch.write(pg_store.prepare(
                    [apply(t, "dispatch", actor="w1", role="system", now=NOW, **DISPATCH)]
                ))  # fmt: skip
        except DBAPIError as exc:  # IdleInTransactionSessionTimeout
            stuck_failed.set()
            assert "idle-in-transaction" in str(exc)

    thread = threading.Thread(target=stuck)
    thread.start()
    assert took.wait(10)
    deadline = time.monotonic() + 10
    got = []
    while not got and time.monotonic() < deadline:
        with pg_store.locked_batch(NOW) as batch:
            got = batch.take("reported", 10)
            if got:
                batch.write(pg_store.prepare(
                    [apply(got[0], "dispatch", actor="w2", role="system", now=NOW, **DISPATCH)]
                ))  # fmt: skip
        time.sleep(0.05)
    thread.join(10)
    assert [g.id for g in got] == [t.id]
    assert stuck_failed.is_set()
    assert pg_store.get(t.id).status.value == "dispatched"
    assert [e.actor for e in pg_store.events(t.id)][-1] == "w2"
    with pg_store.engine.connect() as conn:  # the pool replaced the connection cut off
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_only_the_batch_commits_without_waiting_for_the_disk(pg_store: Store) -> None:
    """Intake and every other write keep synchronous_commit on: an accepted report is durable."""
    with pg_store.locked_batch(NOW) as batch:
        assert batch.conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
        raw = batch.conn.connection.dbapi_connection
    with pg_store.engine.connect() as conn:
        assert conn.connection.dbapi_connection is raw  # the same session, after the batch
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
        assert conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == "0"
