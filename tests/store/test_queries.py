"""The store's named read queries, on SQLite and PostgreSQL: filters, counts, searches."""

from __future__ import annotations

from datetime import timedelta

from gridops.store import Store
from gridops.store import queries as q
from gridops.store.engine import write
from gridops.store.service_tables import callbacks, joint_tasks, record_callback_samples
from gridops.tickets import Status, Ticket
from store.factory import DISPATCH, NOW, draft

HOUR = timedelta(hours=1)


def dispatch(store: Store, t: Ticket, assignee: str = "", at=NOW) -> Ticket:
    return store.transition(t.id, "dispatch", actor="d", role="dispatcher", now=at,
                            assignee=assignee, **DISPATCH)  # fmt: skip


def test_find_many_filters_and_orders(store: Store):
    ts = store.create_tickets([draft(i) for i in range(4)], now=NOW)
    ts += store.create_tickets([draft(9, category="0101")], now=NOW + HOUR)
    late = dispatch(store, ts[1], "ann", at=NOW + HOUR)
    early = dispatch(store, ts[2], "bob")
    assert q.find_many(store, statuses=[Status.DISPATCHED], order="due") == [early, late]
    assert q.find_many(store, statuses=["dispatched"], assignee="ann") == [late]
    assert q.find_many(store, category="0101") == [ts[4]]
    assert q.find_many(store, cell="310115001001003") == [ts[3]]
    assert q.find_many(store, due_before=early.clock.due_at + timedelta(seconds=1)) == [early]
    assert q.find_many(store, supervised=True) == []
    everything = q.find_many(store)  # oldest first, then by id
    assert everything[-1].id == ts[4].id and len(everything) == 5
    assert q.find_many(store, limit=2, offset=1) == everything[1:3]


def test_counts_by_status_assignee_and_overdue(store: Store):
    ts = store.create_tickets([draft(i) for i in range(5)], now=NOW)
    for t, who in zip(ts[:3], ("ann", "ann", "bob"), strict=True):
        dispatch(store, t, who)
    assert q.count_by_status(store) == {"reported": 2, "dispatched": 3}
    working = [Status.DISPATCHED]
    assert q.open_counts_by_assignee(store, statuses=working) == {"ann": 2, "bob": 1}
    assert q.open_counts_by_assignee(store, statuses=working, units=["elsewhere"]) == {}
    due = store.get(ts[0].id).clock.due_at
    assert due is not None
    assert q.count_overdue(store, statuses=working, now=due) == 0
    assert q.count_overdue(store, statuses=working, now=due + HOUR) == 3


def test_has_claimable_sees_expired_claims(store: Store):
    assert not q.has_claimable(store, [Status.REPORTED], NOW)
    store.create_tickets([draft()], now=NOW)
    assert q.has_claimable(store, [Status.REPORTED], NOW)
    store.claim("reported", limit=1, worker_id="w", now=NOW, ttl=HOUR)
    assert not q.has_claimable(store, [Status.REPORTED], NOW)
    assert q.has_claimable(store, [Status.REPORTED], NOW + 2 * HOUR)


def test_duplicate_candidates_by_category_cell_status_and_time(store: Store):
    [a, b, _] = store.create_tickets([draft(1), draft(2), draft(3, category="0101")], now=NOW)
    dispatch(store, a)
    got = q.duplicate_candidates(store, statuses=[Status.DISPATCHED], categories=["0102"],
                                 cells_2=["310115001001"], since=NOW)  # fmt: skip
    assert got == [{"id": a.id, "category": "0102", "created_at": NOW,
                    "point_lon": a.point_lon, "point_lat": a.point_lat}]  # fmt: skip
    assert q.duplicate_candidates(store, statuses=[Status.DISPATCHED], categories=["0102"],
                                  cells_2=["310115001001"], since=NOW + HOUR) == []  # fmt: skip
    assert q.duplicate_candidates(store, statuses=[Status.DISPATCHED], categories=[],
                                  cells_2=["310115001001"], since=NOW) == []  # fmt: skip
    assert b.id not in {r["id"] for r in got}


def test_open311_search_numbers_win_over_other_filters(store: Store):
    old, new = store.create_tickets([draft(1)], now=NOW) + store.create_tickets(
        [draft(2, category="0101")], now=NOW + HOUR
    )
    assert q.open311_search(store) == [new, old]  # newest first
    assert q.open311_search(store, categories=["0102"]) == [old]
    assert q.open311_search(store, start=NOW + HOUR) == [new]
    assert q.open311_search(store, end=NOW) == [old]
    assert q.open311_search(store, statuses=[Status.CLOSED]) == []
    assert q.open311_search(store, numbers=[old.number], categories=["0101"]) == [old]
    assert q.open311_search(store, updated_after=NOW + HOUR) == [new]
    assert q.open311_search(store, limit=1, offset=1) == [old]


def test_stage_latencies_measure_from_the_report(store: Store):
    [t] = store.create_tickets([draft()], now=NOW)
    dispatch(store, t, at=NOW + 2 * HOUR)
    assert q.stage_latencies(store, event_types=["dispatch"], since=NOW) == [("dispatch", 7200.0)]
    assert q.stage_latencies(store, event_types=["dispatch"], since=NOW + 3 * HOUR) == []
    assert q.stage_latencies(store, event_types=["accept"], since=NOW) == []


def test_summary_by_l1_counts_events_and_states(store: Store):
    ts = store.create_tickets([draft(i) for i in range(3)], now=NOW)
    ts += store.create_tickets([draft(7, cells=("310115002", "310115002001"))], now=NOW)
    dispatch(store, ts[0])
    store.transition(ts[1].id, "merge_duplicate", actor="s", role="system", now=NOW,
                     duplicate_of=ts[0].id)  # fmt: skip
    due = store.get(ts[0].id).clock.due_at
    assert due is not None
    rows = q.summary_by_l1(store, since=NOW, now=due + HOUR, open_statuses=[Status.DISPATCHED],
                           closed_statuses=[Status.CLOSED])  # fmt: skip
    assert rows == [
        q.L1Summary("310115001", reported=3, dispatched=1, overdue=1, duplicates=1),
        q.L1Summary("310115002", reported=1),
    ]
    assert q.summary_by_l1(store, since=NOW + HOUR, now=NOW, open_statuses=[],
                           closed_statuses=[]) == []  # fmt: skip


def test_callback_samples_and_joint_task_rows(store: Store):
    ts = store.create_tickets([draft(i) for i in range(3)], now=NOW)
    n = record_callback_samples(store, status="reported", limit=2,
                                sampled=lambda number: number == ts[0].number, now=NOW)  # fmt: skip
    assert n == 2
    assert record_callback_samples(store, status="reported", limit=9, sampled=bool, now=NOW) == 1
    with store.engine.connect() as conn:
        assert conn.execute(callbacks.select()).all().__len__() == 3
    assert q.sampled_pending_callbacks(store, status=Status.REPORTED, limit=9) != []
    assert ts[0].id in q.sampled_pending_callbacks(store, status=Status.REPORTED, limit=9)
    assert q.sampled_pending_callbacks(store, status=Status.CLOSED, limit=9) == []
    row = {"ticket_id": ts[0].id, "grp": "jeg-x", "status": "open", "actor": "", "updated_at": NOW}
    with write(store.engine) as conn:
        conn.execute(joint_tasks.insert(), [
            {**row, "round": 1, "department": "dept-b", "lead": False},
            {**row, "round": 1, "department": "dept-a", "lead": True},
            {**row, "round": 2, "department": "dept-a", "lead": False},
        ])  # fmt: skip
    assert [(r.round, r.department) for r in q.joint_task_rows(store, ts[0].id)] == [
        (1, "dept-a"), (1, "dept-b"), (2, "dept-a"),
    ]  # fmt: skip
    assert len(q.joint_task_rows(store, ts[0].id, round=2)) == 1
    assert q.joint_task_rows(store, ts[1].id) == []


def test_routing_inputs_of_a_period(store: Store):
    [a] = store.create_tickets([draft(1)], now=NOW)
    store.create_tickets([draft(2)], now=NOW + HOUR)
    assert q.routing_inputs(store, start=NOW, end=NOW + HOUR) == [
        {"number": a.number, "category": "0102", "lon": a.lon, "lat": a.lat, "crs": a.crs,
         "source": a.source.value},
    ]  # fmt: skip
    assert len(q.routing_inputs(store, start=NOW, end=NOW + 2 * HOUR)) == 2


LITERAL = {"literal_binds": True, "render_postcompile": True}


def test_the_duplicate_search_reads_through_its_index(tmp_path):
    """On SQLite without statistics the planner must still take (cell_2, category,
    created_at): the other choice reads every open ticket of the window."""
    from gridops.store import open_store

    s = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    query = q.nearby_query(("accepted", "dispatched")).params(
        cells=["310115001001", "310115001002"], categories=["0102", "0103"], since=NOW
    )
    with s.engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs=LITERAL))
        plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    s.close()
    assert "ix_tickets_cell2_category" in plan


def test_open_work_skips_the_unassigned_through_its_index(tmp_path):
    """The open-work count seeks past the unassigned tickets (a range on the index's second
    column) instead of scanning every open ticket of the unit queues."""
    from gridops.store import open_store

    s = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    query = q.open_counts_query(("dispatched", "accepted"), False)
    query = query.params(statuses=["dispatched", "accepted"])
    with s.engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs=LITERAL))
        plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    s.close()
    assert "ix_tickets_status_assignee (status=? AND assignee>?)" in plan, plan
