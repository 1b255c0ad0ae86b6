"""The WAL is copied into the database file by a background checkpoint, not by a commit."""

from __future__ import annotations

import shutil
import sqlite3

from gridops.store.engine import checkpointer, make_engine, write


def rows_in_main_file(db, tmp_path) -> int:
    """Rows visible from the database file alone (its WAL left behind): what was checkpointed."""
    alone = tmp_path / "alone.db"
    shutil.copyfile(db, alone)
    with sqlite3.connect(alone) as conn:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 't'").fetchone()
        return conn.execute("SELECT count(*) FROM t").fetchone()[0] if tables[0] else 0


def test_writes_are_checkpointed_in_the_background(tmp_path):
    db = tmp_path / "x.db"
    engine = make_engine(f"sqlite:///{db}")
    cp = checkpointer(engine)
    assert cp is not None
    cp.every_s = 3600.0  # none yet: the commits themselves copy nothing (backstop: 40 MiB)
    with write(engine) as conn:
        conn.exec_driver_sql("CREATE TABLE t (v INTEGER)")
    for v in range(20):
        with write(engine) as conn:
            conn.exec_driver_sql(f"INSERT INTO t VALUES ({v})")
    cp.join(10)
    assert cp.runs == 0 and rows_in_main_file(db, tmp_path) == 0

    cp.every_s = 0.0  # due: the next write starts one once it has released the lock
    with write(engine) as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (20)")
    cp.join(10)
    assert cp.runs == 1 and rows_in_main_file(db, tmp_path) == 21
    engine.dispose()


def test_an_in_memory_database_has_none():
    assert checkpointer(make_engine("sqlite://")) is None


def test_a_closed_store_starts_no_checkpoint(tmp_path):
    """Store.close() stops its checkpointer first: no connection is opened after the pool
    has gone."""
    from gridops.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'x.db'}", timezone="Asia/Shanghai")
    cp = checkpointer(store.engine)
    assert cp is not None
    store.close()
    cp.every_s = 0.0
    with write(store.engine) as conn:  # a write after close (a bug elsewhere) starts none
        conn.exec_driver_sql("SELECT 1")
    cp.join(10)
    assert cp.closed and cp.runs == 0
    store.engine.dispose()
