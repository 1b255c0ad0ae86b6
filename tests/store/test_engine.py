"""SQLite engines: the write lock (writers queue behind an flock and pass it on; a dead holder
frees it; a deadline bounds the wait, SQLite's own busy wait included; the lock file is the
owner's alone), and holding it for a burst."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gridops.processes import reaped
from gridops.store.engine import (
    BUSY_TIMEOUT_MS,
    WriteLock,
    make_engine,
    write,
    write_deadline,
    writers_held,
    writes_until,
    writes_wait,
)
from gridops.store.errors import WriterBusy

HOLD_FLOCK = (  # the lock file opened read-only: all an flock needs
    "import fcntl, os, select, sys; fd = os.open(sys.argv[1], os.O_RDONLY);"
    "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True);"
    "select.select([sys.stdin], [], [], 60)"
)
HOLD_SQLITE = (  # SQLite's own write lock, taken without gridops' flock
    "import select, sqlite3, sys; db = sqlite3.connect(sys.argv[1], isolation_level=None);"
    "db.execute('BEGIN IMMEDIATE'); print('held', flush=True);"
    "select.select([sys.stdin], [], [], 60)"
)


@contextmanager
def held(code: str, path: Path) -> Iterator[None]:
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    with reaped(proc):
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"held"
        yield


def rows(engine) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT v FROM t ORDER BY v")]


@pytest.fixture
def engine(tmp_path):
    made = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with write(made) as conn:
        conn.exec_driver_sql("CREATE TABLE t (v INTEGER)")
    yield made
    made.dispose()


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


def test_a_deadline_ends_the_wait_for_a_lock_held_by_another_process(engine, tmp_path):
    with held(HOLD_FLOCK, tmp_path / "x.db-writelock"):
        busy = pytest.raises(WriterBusy, match="another process holds the write lock")
        with busy, writes_until(time.monotonic() + 0.3), write(engine) as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        # a deadline already past: one try, no wait
        with pytest.raises(WriterBusy), writes_until(time.monotonic() - 1), writers_held(engine):
            pass
    with writes_until(time.monotonic() + 60), write(engine) as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (2)")
    assert rows(engine) == [2]


def test_a_deadline_ends_the_wait_for_another_thread_of_this_process(engine):
    inside, leave = threading.Event(), threading.Event()

    def holder() -> None:
        with write(engine) as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            inside.set()
            leave.wait(60)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert inside.wait(60)
        busy = pytest.raises(WriterBusy, match="another thread")
        with busy, writes_until(time.monotonic() + 0.2), write(engine) as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
    finally:
        leave.set()
        thread.join(60)
    assert rows(engine) == [1]


def test_sqlites_own_busy_wait_ends_at_the_deadline_then_is_whole_again(engine, tmp_path):
    busy = pytest.raises(WriterBusy, match="SQLite's write lock")
    deadline = writes_until(time.monotonic() + 0.3)
    with held(HOLD_SQLITE, tmp_path / "x.db"), busy, deadline, write(engine) as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.connect() as conn:  # the pooled connection waits SQLite's full time again
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == BUSY_TIMEOUT_MS
    with write(engine) as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (2)")
    assert rows(engine) == [2]


def test_the_lock_file_and_a_new_data_dir_are_the_owners_alone(tmp_path):
    data = tmp_path / "new" / "data"
    engine = make_engine(f"sqlite:///{data / 'x.db'}")
    with write(engine) as conn:
        conn.exec_driver_sql("CREATE TABLE t (v INTEGER)")
    engine.dispose()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "x.db-writelock").stat().st_mode) == 0o600

    old = tmp_path / "old.db-writelock"  # as an older version left it
    old.touch()
    old.chmod(0o644)
    with WriteLock(tmp_path / "old.db").held():
        pass
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


@pytest.mark.slow
def test_a_postgresql_server_that_never_answers_is_an_error_not_a_hang():
    """A listening socket that takes the connection and says nothing (a hung server): the
    connect gives up after the engine's connect_timeout (10 s) instead of waiting for ever."""
    import socket

    from sqlalchemy.exc import OperationalError

    outcome: list[BaseException | None] = []
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        engine = make_engine(f"postgresql://u@127.0.0.1:{silent.getsockname()[1]}/db")

        def connect() -> None:
            try:
                with engine.connect():
                    outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - the test looks at it
                outcome.append(exc)

        thread = threading.Thread(target=connect, daemon=True)
        thread.start()
        thread.join(120)  # generous for a 10 s limit: only a hang gets near it
        hung = thread.is_alive()
    thread.join(60)  # the socket is closed: a hung connect ends too
    engine.dispose()
    assert not hung, "connecting to a silent server hung"
    assert len(outcome) == 1 and isinstance(outcome[0], OperationalError)
    assert "timeout" in str(outcome[0]).lower()


def test_a_wait_bound_counts_from_each_write_and_a_deadline_overrides_it():
    assert write_deadline() is None  # workers: no bound
    with writes_wait(30):
        first = write_deadline()
        time.sleep(0.01)
        later = write_deadline()
        assert first is not None and later is not None and later > first
        with writes_until(5.0):
            assert write_deadline() == 5.0
    assert write_deadline() is None
