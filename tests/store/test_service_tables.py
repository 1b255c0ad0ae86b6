"""The services' tables come from migration 0004, also over databases that already had them."""

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
    callbacks,
    cursors,
    deliveries,
    escalations,
    insert_ignore,
    joint_tasks,
)

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
    upgrade_to(engine, "head")
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


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_the_tables_share_the_schema_metadata(table):
    assert metadata.tables[table.name] is table
