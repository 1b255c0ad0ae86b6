"""SQLite engines: the write lock (writers queue behind an flock and pass it on; a dead holder
frees it), and holding it for a burst."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from gridops.store.engine import WriteLock, make_engine, write, writers_held


def test_a_second_holder_waits_until_the_first_lets_go(tmp_path):
    db = tmp_path / "x.db"
    first, second = WriteLock(db), WriteLock(db)  # two open files: flock excludes them
    order: list[str] = []

    def other() -> None:
        with second.held():
            order.append("second")

    with first.held(), first.held():  # re-entrant within its thread
        t = threading.Thread(target=other)
        t.start()
        time.sleep(0.3)  # give it every chance to (wrongly) get in
        order.append("first")
    t.join(10)
    assert order == ["first", "second"]


def test_a_killed_holder_frees_the_lock(tmp_path):
    db = tmp_path / "x.db"
    code = (
        "import sys, time; from pathlib import Path; from gridops.store.engine import WriteLock;"
        "lock = WriteLock(Path(sys.argv[1])); cm = lock.held(); cm.__enter__();"
        "print('held', flush=True); time.sleep(600)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        with WriteLock(db).held():  # would block for ever if the kernel kept the lock
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
        assert holder.stdout is not None
        holder.stdout.close()


def test_writes_through_the_engine_take_the_lock_and_commit(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    results: list[int] = []

    def writer(n: int) -> None:
        for _ in range(n):
            with write(engine) as conn:
                v = conn.exec_driver_sql("SELECT coalesce(max(v), 0) FROM t").scalar_one()
                conn.exec_driver_sql(f"INSERT INTO t VALUES ({v + 1})")
        results.append(n)

    with write(engine) as conn:
        conn.exec_driver_sql("CREATE TABLE t (v INTEGER)")
    threads = [threading.Thread(target=writer, args=(50,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with engine.connect() as conn:
        got = [r[0] for r in conn.exec_driver_sql("SELECT v FROM t ORDER BY v")]
    assert results == [50, 50, 50] and got == list(range(1, 151))  # no lost update
    assert (tmp_path / "x.db-writelock").exists()
    engine.dispose()


def test_writers_held_keeps_other_writers_out_while_this_thread_writes(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with write(engine) as conn:
        conn.exec_driver_sql("CREATE TABLE t (v INTEGER)")
    order: list[str] = []

    def other() -> None:
        with write(engine) as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        order.append("other")

    with writers_held(engine):
        thread = threading.Thread(target=other)
        thread.start()
        with write(engine) as conn:  # this thread's own writes go through
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        time.sleep(0.3)  # room for the other writer to barge in, if it could
        order.append("held")
    thread.join(30)
    with engine.connect() as conn:
        got = [r[0] for r in conn.exec_driver_sql("SELECT v FROM t ORDER BY rowid")]
    assert order == ["held", "other"] and got == [1, 2]
    engine.dispose()
