"""Engines for SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE for writes) and
PostgreSQL (psycopg 3), and the Alembic upgrade that every open runs."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from gridops.datadir import FILE_MODE, touch_private
from gridops.store.checkpoint import Checkpointer
from gridops.store.errors import UnsupportedDatabase

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE = "gridops_write"
MIGRATE_LOCK = 0x67726964  # pg_advisory_xact_lock key: "grid"


def make_engine(url: str) -> Engine:
    """An Engine for ``url`` (sqlite:///path or postgresql[+psycopg]://…)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabase(f"database URL {url!r} is malformed") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            touch_private(path)  # 0600; SQLite gives its -wal and -shm the same mode
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        if parsed.database and parsed.database != ":memory:":
            _WRITE_LOCKS[engine] = WriteLock(Path(parsed.database).expanduser())
            _CHECKPOINTERS[engine] = Checkpointer(engine)
        return engine
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    raise UnsupportedDatabase(
        f"database URL {parsed.render_as_string()!r}: use sqlite:///PATH or postgresql://…"
    )


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    for pragma in (
        "journal_mode=WAL",
        "busy_timeout=30000",
        "foreign_keys=ON",
        "synchronous=NORMAL",
        "cache_size=-65536",  # up to 64 MiB of pages per connection (default 2 MiB)
        "mmap_size=268435456",  # reads through a 256 MiB memory map instead of read() calls
        # the backstop: writers checkpoint in the background (gridops.store.checkpoint); a
        # commit copies the WAL itself only past ~40 MiB (default ~4 MiB). SQLite's 4 KiB pages
        # stay: 16 KiB pages routed bursts ~10 % cheaper but wrote 4× the log per one-ticket
        # commit — Open311 POSTs fell from 0.55 to 0.42–0.53 of a bare endpoint, p99 37 → 44–90 ms
        "wal_autocheckpoint=10000",
    ):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


class WriteLock:
    """Hands SQLite's single writer from process to process the moment it is free.

    SQLite itself makes a second writer poll, sleeping 1, 2, 5, 10, 15, 20, 25 … ms between
    tries, so with two busy workers the lock sits idle for most of each wait. An exclusive
    ``flock`` on ``<database>-writelock`` (a thread lock within the process) wakes the next
    writer at once; SQLite's own locking still guards every writer, this only queues them.
    The kernel drops the lock of a process that dies. Without ``fcntl`` (Windows) it does
    nothing.
    """

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-writelock")
        self.thread_lock = threading.RLock()
        self.fd: int | None = None
        self.depth = 0

    def __del__(self) -> None:
        if self.fd is not None:
            os.close(self.fd)

    @contextmanager
    def held(self) -> Iterator[None]:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX
            yield
            return
        with self.thread_lock:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
            if self.depth == 0:
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
                if self.depth == 0:
                    fcntl.flock(self.fd, fcntl.LOCK_UN)


_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, WriteLock] = weakref.WeakKeyDictionary()
_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction: exclusive from its start on SQLite, so claims never overlap (and
    queued behind a :class:`WriteLock`, so the writer passes on without polling); the WAL is
    checkpointed in the background once the lock is free (:mod:`gridops.store.checkpoint`)."""
    lock = _WRITE_LOCKS.get(engine)
    if lock is None:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn
        return
    with lock.held(), engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            yield conn
    _CHECKPOINTERS[engine].after_write()


@contextmanager
def writers_held(engine: Engine) -> Iterator[None]:
    """Keep every other writer waiting (other processes and threads; SQLite files only) while
    this thread writes and checkpoints as it likes: e.g. to load a burst of work that no
    worker may start on before all of it is in."""
    lock = _WRITE_LOCKS.get(engine)
    if lock is None:
        yield
        return
    with lock.held():
        yield


def checkpointer(engine: Engine) -> Checkpointer | None:
    """The engine's background checkpointer (SQLite files only)."""
    return _CHECKPOINTERS.get(engine)


def migrate(engine: Engine) -> None:
    """``alembic upgrade head`` on this engine (safe to run from many processes at once)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with write(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
