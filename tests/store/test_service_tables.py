"""The services' tables come from migration 0004, also over databases that already had them;
the notify cursor's gaps from 0009 (and go again on its downgrade)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, select, text

from gridops.store import Store, open_store
from gridops.store.engine import MIGRATIONS, make_engine, write
from gridops.store.schema import metadata
from gridops.store.service_tables import (
    CursorRead,
    add_deliveries,
    callbacks,
    collect_deliveries,
    cursor_gaps,
    cursor_position,
    cursors,
    deliveries,
    delivery_counts,
    due_deliveries,
    escalations,
    insert_ignore,
    joint_tasks,
    pending_work,
    read_cursor,
    record_sends,
    save_escalations,
)
from gridops.store.sweep_scan import all_running
from store.factory import draft
from store.test_migration_points import move_to

TABLES = (deliveries, cursors, joint_tasks, escalations, callbacks)
AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def upgrade_to(engine: Engine, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with write(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def shape(engine: Engine) -> dict[str, tuple[list[str], set[tuple[str, bool]]]]:
    """Each service table's column names and (index name, unique)."""
    insp = inspect(engine)
    return {
        t.name: (
            [c["name"] for c in insp.get_columns(t.name)],
            {(ix["name"], bool(ix["unique"])) for ix in insp.get_indexes(t.name)},
        )
        for t in TABLES
    }


def expected() -> dict[str, tuple[list[str], set[tuple[str, bool]]]]:
    return {
        t.name: ([c.name for c in t.columns], {(str(ix.name), bool(ix.unique)) for ix in t.indexes})
        for t in TABLES
    }


def test_a_new_database_gets_the_tables_and_indexes(store: Store):
    assert shape(store.engine) == expected()


def test_tables_made_by_the_old_runtime_path_survive_the_upgrade(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_to(engine, "0003_metrics")
    with write(engine) as conn:  # what the services used to do at start-up
        metadata.create_all(conn, tables=list(TABLES), checkfirst=True)
        conn.execute(cursors.insert(), {"name": "notify", "position": 7})
        conn.execute(callbacks.insert(), {"ticket_id": "t1", "sampled": True, "decided_at": AT})
    upgrade_to(engine, "0004_services")
    assert shape(engine) == expected()
    with engine.connect() as conn:
        assert conn.execute(select(cursors.c.position)).scalar() == 7
        assert conn.execute(select(callbacks.c.decided_at)).scalar() == AT
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0004_services"
        )
    engine.dispose()
    open_store(f"sqlite:///{tmp_path / 'old.db'}").close()  # and opening it again is a no-op


def test_a_half_made_table_gets_its_missing_index(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'half.db'}")
    upgrade_to(engine, "0003_metrics")
    with write(engine) as conn:
        metadata.create_all(conn, tables=[deliveries], checkfirst=True)
        conn.execute(text("DROP INDEX ix_svc_deliveries_due"))
    upgrade_to(engine, "head")
    assert shape(engine) == expected()
    engine.dispose()


def test_insert_ignore_skips_rows_a_unique_key_has(store: Store):
    row = {
        "ticket_id": "t1",
        "event_seq": 1,
        "kind": "dispatched",
        "recipient": "gw-1",
        "message": "m",
        "status": "pending",
        "next_at": AT,
        "created_at": AT,
    }
    with write(store.engine) as conn:
        insert_ignore(conn, deliveries, [row])
        insert_ignore(conn, deliveries, [row, {**row, "recipient": "gw-2"}])
        insert_ignore(conn, deliveries, [])
    with store.engine.connect() as conn:
        got = conn.execute(select(deliveries.c.recipient, deliveries.c.attempts)).all()
    assert sorted(got) == [("gw-1", 0), ("gw-2", 0)]


@pytest.mark.parametrize("table", (*TABLES, cursor_gaps), ids=lambda t: t.name)
def test_the_tables_share_the_schema_metadata(table):
    assert metadata.tables[table.name] is table


def delivery(ticket_id: str, recipient: str, status: str = "pending", at=AT) -> dict:
    return {"ticket_id": ticket_id, "event_seq": 1, "kind": "dispatch", "recipient": recipient,
            "message": "m", "status": status, "next_at": at, "created_at": AT}  # fmt: skip


def test_notify_reads_cursor_events_and_deliveries(store: Store):
    assert cursor_position(store, "notify") is None
    assert pending_work(store, cursor="notify", now=AT, closed="closed") == {
        "events": False, "sends": False, "unsampled": False,
    }  # fmt: skip
    [t, u] = store.create_tickets([draft(1), draft(2)], now=AT)
    rows = read_cursor(store, "notify", 10).events  # a cursor never moved reads from the start
    assert [(r.ticket_id, r.type, r.number) for r in rows] == [
        (t.id, "report", t.number), (u.id, "report", u.number),
    ]  # fmt: skip
    with write(store.engine) as conn:
        conn.execute(cursors.insert(), {"name": "notify", "position": rows[0].id})
    assert [r.ticket_id for r in read_cursor(store, "notify", 10).events] == [u.id]
    with write(store.engine) as conn:
        conn.execute(cursors.update().values(position=rows[-1].id))
        later = AT.replace(year=2027)
        rows3 = [delivery(t.id, "a"), delivery(t.id, "b", at=later), delivery(u.id, "c", "sent")]
        insert_ignore(conn, deliveries, rows3)
    assert cursor_position(store, "notify") == rows[-1].id
    assert [d.recipient for d in due_deliveries(store, now=AT, limit=9)] == ["a"]
    assert delivery_counts(store) == {"pending": 2, "sent": 1}
    assert pending_work(store, cursor="notify", now=AT, closed="reported") == {
        "events": False, "sends": True, "unsampled": True,
    }  # fmt: skip


def test_all_running_needing_a_look_when_missing_moved_or_due(store: Store):
    [t, u, v] = store.create_tickets([draft(1), draft(2), draft(3)], now=AT)
    progress = {"run": 0, "steps_done": 0, "last_step_at": None}
    later = AT.replace(year=2027)
    with write(store.engine) as conn:
        conn.execute(escalations.insert(), [
            {**progress, "ticket_id": u.id, "version_seen": 1, "next_due_at": later},
            {**progress, "ticket_id": v.id, "version_seen": 1, "next_due_at": AT},
        ])  # fmt: skip
    due = all_running(store, statuses={"reported"}, now=AT, limit=9)
    assert sorted((x.id, r.steps_done) for x, r in due) == sorted([(t.id, None), (v.id, 0)])
    assert all_running(store, statuses={"closed"}, now=AT, limit=9) == []


def test_escalation_progress_is_replaced_and_dropped_in_one_write(store: Store):
    def row(ticket_id: str, steps: int) -> dict:
        return {"ticket_id": ticket_id, "run": 0, "steps_done": steps, "last_step_at": None,
                "version_seen": 1, "next_due_at": AT}  # fmt: skip

    def progress() -> list[tuple[str, int]]:
        with store.engine.connect() as conn:
            q = select(escalations.c.ticket_id, escalations.c.steps_done)
            return sorted((r[0], r[1]) for r in conn.execute(q))

    save_escalations(store, [])
    save_escalations(store, [row("a", 0), row("b", 0), row("c", 0)])
    save_escalations(store, [row("a", 2)], drop=["b", "missing"])
    assert progress() == [("a", 2), ("c", 0)]


def test_deliveries_are_added_once(store: Store):
    add_deliveries(store, [])
    add_deliveries(store, [delivery("t1", "a"), delivery("t1", "b")])
    add_deliveries(store, [delivery("t1", "a", "sent"), delivery("t1", "c")])
    assert delivery_counts(store) == {"pending": 3}


def test_collecting_moves_the_cursor_only_from_where_it_was_seen(store: Store):
    assert collect_deliveries(store, cursor="notify", seen=None, position=3,
                              rows=[delivery("t1", "a")])  # fmt: skip
    assert cursor_position(store, "notify") == 3
    assert not collect_deliveries(store, cursor="notify", seen=None, position=9,
                                  rows=[delivery("t1", "b")])  # fmt: skip
    assert collect_deliveries(store, cursor="notify", seen=3, position=5,
                              rows=[delivery("t1", "a"), delivery("t1", "c")])  # fmt: skip
    assert cursor_position(store, "notify") == 5
    assert sorted(d.recipient for d in due_deliveries(store, now=AT, limit=9)) == ["a", "c"]


def test_gaps_are_opened_read_back_and_closed_with_the_cursor(store: Store):
    [t] = store.create_tickets([draft(1)], now=AT)
    first = read_cursor(store, "notify", 9)
    [ev] = first.events
    assert first == CursorRead(None, {}, [ev], []) and ev.ticket_id == t.id
    opened = {ev.id: AT, ev.id + 50: AT, ev.id + 51: AT}
    assert collect_deliveries(store, cursor="notify", seen=None, position=ev.id + 60, rows=[],
                              opened=opened)  # fmt: skip
    read = read_cursor(store, "notify", 9)
    assert (read.position, read.gaps, read.events) == (ev.id + 60, opened, [])
    assert [r.id for r in read.filled] == [ev.id]  # the gap's event is there: filled
    assert pending_work(store, cursor="notify", now=AT, closed="closed")["events"]
    assert collect_deliveries(store, cursor="notify", seen=ev.id + 60, position=ev.id + 60,
                              rows=[delivery(t.id, "a")], closed={ev.id, ev.id + 51})  # fmt: skip
    read = read_cursor(store, "notify", 9)
    assert (read.position, read.gaps, read.filled) == (ev.id + 60, {ev.id + 50: AT}, [])
    assert not pending_work(store, cursor="notify", now=AT, closed="closed")["events"]
    assert delivery_counts(store) == {"pending": 1}
    assert not collect_deliveries(store, cursor="notify", seen=ev.id, position=ev.id + 70,
                                  rows=[], opened={ev.id + 65: AT})  # fmt: skip
    assert read_cursor(store, "notify", 9).gaps == {ev.id + 50: AT}  # moved meanwhile: no write


def test_migration_0009_makes_the_gaps_table_and_takes_it_away(store: Store):
    store.create_tickets([draft(1)], now=AT)
    with write(store.engine) as conn:
        conn.execute(cursors.insert(), {"name": "notify", "position": 7})
        conn.execute(cursor_gaps.insert(), {"name": "notify", "event_id": 5, "seen_at": AT})
    move_to(store.engine, "0008_ticket_claims", down=True)
    assert "svc_cursor_gaps" not in inspect(store.engine).get_table_names()
    move_to(store.engine, "head")
    insp = inspect(store.engine)
    assert [c["name"] for c in insp.get_columns("svc_cursor_gaps")] == [
        "name", "event_id", "seen_at",
    ]  # fmt: skip
    assert insp.get_pk_constraint("svc_cursor_gaps")["constrained_columns"] == ["name", "event_id"]
    assert cursor_position(store, "notify") == 7 and read_cursor(store, "notify", 9).gaps == {}


def test_send_outcomes_are_recorded_per_delivery(store: Store):
    add_deliveries(store, [delivery("t1", "a"), delivery("t1", "b")])
    [a, b] = due_deliveries(store, now=AT, limit=9)
    later = AT.replace(year=2027)
    record_sends(store, [])
    record_sends(store, [
        {"b_id": a.id, "status": "sent", "attempts": 1, "next_at": AT, "last_error": ""},
        {"b_id": b.id, "status": "pending", "attempts": 1, "next_at": later, "last_error": "x"},
    ])  # fmt: skip
    assert delivery_counts(store) == {"sent": 1, "pending": 1}
    assert due_deliveries(store, now=AT, limit=9) == []
    [again] = due_deliveries(store, now=later, limit=9)
    assert (again.recipient, again.attempts, again.last_error) == ("b", 1, "x")


def test_joint_tasks_are_added_once_and_moved_one_at_a_time(store: Store):
    from gridops.store.queries import joint_task_rows
    from gridops.store.service_tables import add_joint_tasks, set_joint_task

    row = {"ticket_id": "t1", "round": 1, "grp": "jeg-x", "lead": False, "status": "open",
           "actor": "", "updated_at": AT}  # fmt: skip
    add_joint_tasks(store, [{**row, "department": "dept-a"}])
    add_joint_tasks(store, [{**row, "department": "dept-a", "status": "completed"},
                            {**row, "department": "dept-b"}])  # fmt: skip
    later = AT.replace(year=2027)
    set_joint_task(store, ticket_id="t1", round=1, department="dept-b", status="acknowledged",
                   actor="b-1", now=later)  # fmt: skip
    got = [(r.department, r.status, r.actor, r.updated_at) for r in joint_task_rows(store, "t1")]
    assert got == [("dept-a", "open", "", AT), ("dept-b", "acknowledged", "b-1", later)]
