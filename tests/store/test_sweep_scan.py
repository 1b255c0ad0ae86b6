"""The sweeper's candidates through indexes equal the walk over every running ticket, restricted
to the tickets changed after an event id or due; closed tickets' due rows are cleared."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridops.store import Store, open_store
from gridops.store.changes import last_event_id
from gridops.store.engine import write
from gridops.store.schema import ticket_events
from gridops.store.service_tables import escalations
from gridops.store.sweep_scan import (
    all_running,
    changed_or_due,
    changed_query,
    clear_due,
    due_query,
    overdue,
    overdue_query,
)
from gridops.tickets import TimeLimit, apply
from store.factory import DISPATCH, NOW, draft

RUNNING = {"dispatched", "accepted", "escalated", "rework"}
LATER = NOW + timedelta(hours=1)

# per ticket: dispatched or left reported; its progress row: none, seen at the ticket's
# version, seen at an older one; the row's next step due before LATER, after it, or not set
TICKET = st.tuples(
    st.booleans(), st.sampled_from(["none", "current", "old"]), st.sampled_from([-1, 1, None])
)


def _make(store: Store, specs: list[tuple[bool, str, int | None]]) -> dict[str, bool]:
    """Tickets as ``specs`` say; whether each (by id) was dispatched."""
    made = store.create_tickets([draft(i) for i in range(len(specs))], now=NOW)
    moves = [apply(t, "dispatch", actor="d", role="dispatcher", now=NOW, **DISPATCH)
             for t, (dispatched, _, _) in zip(made, specs, strict=True) if dispatched]  # fmt: skip
    store.apply_transitions(moves)
    rows = []
    for t, (dispatched, seen, due) in zip(made, specs, strict=True):
        if seen == "none":
            continue
        version = 2 if dispatched else 1
        rows.append({"ticket_id": t.id, "run": 0, "steps_done": 0, "last_step_at": None,
                     "version_seen": version if seen == "current" else version - 1,
                     "next_due_at": None if due is None else LATER + timedelta(minutes=due),
                     })  # fmt: skip
    if rows:
        with write(store.engine) as conn:
            conn.execute(escalations.insert(), rows)
    return {t.id: dispatched for t, (dispatched, _, _) in zip(made, specs, strict=True)}


def _event_ids(store: Store) -> dict[str, int]:
    """The highest event id of each ticket."""
    with store.engine.connect() as conn:
        rows = conn.execute(ticket_events.select()).all()
    out: dict[str, int] = {}
    for r in rows:
        out[r.ticket_id] = max(out.get(r.ticket_id, 0), r.id)
    return out


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(specs=st.lists(TICKET, min_size=1, max_size=12), cut=st.integers(0, 30))
def test_changed_or_due_is_the_walk_restricted_to_changed_or_due(store: Store, specs, cut):
    dispatched = _make(store, specs)  # hypothesis reuses the store: earlier tickets stay
    top = last_event_id(store.engine)
    walk = {t.id for t, _ in all_running(store, statuses=RUNNING, now=LATER, limit=1000)}
    last = _event_ids(store)
    after = max(0, top - cut)
    found, stale, complete = changed_or_due(store, statuses=RUNNING, now=LATER, limit=1000,
                                  after_event=after, upto_event=top)  # fmt: skip
    with store.engine.connect() as conn:
        due = {r.ticket_id for r in conn.execute(escalations.select())
               if r.next_due_at is not None and r.next_due_at <= LATER}  # fmt: skip
    mine = set(dispatched)
    assert {t.id for t, _ in found} & mine == {
        i for i in walk & mine if last[i] > after or i in due
    }
    assert set(stale) & mine == {i for i in due & mine if not dispatched[i]}
    clear_due(store, stale)  # closed (here: never dispatched) tickets leave the due index
    _, again, _ = changed_or_due(store, statuses=RUNNING, now=LATER, limit=1000,
                              after_event=after, upto_event=top)  # fmt: skip
    assert again == []


def test_the_windowed_scan_reads_indexes_not_every_running_ticket(tmp_path):
    """SQLite's plans (PostgreSQL plans by its statistics, which a test database lacks)."""
    store = open_store(f"sqlite:///{tmp_path / 'plans.db'}")
    _make(store, [(True, "current", 1), (True, "none", None)])
    with store.engine.connect() as conn:
        plans = []
        for q in (changed_query(NOW, 100, 1, 9), due_query(NOW, 100)):
            sql = str(q.compile(conn, compile_kwargs={"literal_binds": True}))
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            plans.append(" | ".join(r[3] for r in rows))
    assert "ix_tickets_status_created" not in plans[0] and "SCAN tickets" not in plans[0], plans[0]
    assert "SEARCH ticket_events USING INTEGER PRIMARY KEY" in plans[0], plans[0]
    assert "ix_svc_escalations_due" in plans[1], plans[1]
    with store.engine.connect() as conn:  # the overdue walk: along the running deadlines
        sql = str(overdue_query(NOW, 10).compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_tickets_open_due" in plan and "ix_tickets_status_created" not in plan, plan
    store.close()


def test_overdue_is_the_unflagged_past_deadline_tickets_earliest_first(store: Store):
    made = store.create_tickets([draft(i) for i in range(4)], now=NOW)
    limits = [TimeLimit(h, "hours") for h in (3, 1, 2, 5)]
    moves = [apply(t, "dispatch", actor="d", role="dispatcher", now=NOW,
                   owner_unit=DISPATCH["owner_unit"], time_limit=lim)
             for t, lim in zip(made, limits, strict=True)]  # fmt: skip
    store.apply_transitions(moves)
    flagged = store.get(made[0].id)
    store.apply_transitions([apply(flagged, "supervise", actor="s", role="supervisor",
                                   now=NOW, reason="x")])  # fmt: skip
    found, complete = overdue(store, now=NOW + timedelta(hours=4), limit=10)
    assert complete and [t.id for t in found] == [made[1].id, made[2].id]  # due 1 h, 2 h
    found, complete = overdue(store, now=NOW + timedelta(hours=4), limit=1)
    assert not complete and [t.id for t in found] == [made[1].id]
