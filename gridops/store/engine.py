"""Engines for SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE for writes) and
PostgreSQL (psycopg 3), the Alembic upgrade that every open runs, and the bound on a write's
wait: a caller serving a user (the web) limits how long its writes wait for SQLite's writer
(:func:`writes_wait`, :func:`writes_until`); workers wait as long as it takes."""

from __future__ import annotations

import os
import stat
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from gridops.datadir import FILE_MODE, touch_private
from gridops.store.checkpoint import Checkpointer
from gridops.store.errors import UnsupportedDatabase, WriterBusy

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE = "gridops_write"
DEADLINE = "gridops_write_deadline"  # execution option: time.monotonic() to begin by, or None
BUSY_TIMEOUT_MS = 30_000  # SQLite's own wait for its write lock when no deadline is set
PG_CONNECT_S = 10  # PostgreSQL: seconds to connect (startup and authentication included)
BUSY_INFO = "gridops_busy_ms"  # the busy_timeout a pooled connection has now (its info dict)
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
            # the data dir holds the database, its write lock and media: the owner's alone
            path = Path(parsed.database).expanduser()
            path.parent.mkdir(0o700, parents=True, exist_ok=True)
            touch_private(path)  # 0600; SQLite gives its -wal and -shm the same mode
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        if parsed.database and parsed.database != ":memory:":
            _WRITE_LOCKS[engine] = WriteLock(Path(parsed.database).expanduser())
            _CHECKPOINTERS[engine] = Checkpointer(engine)
        return engine
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        # a server that takes the connection and never answers would hold the caller for ever
        # (libpq has no limit of its own); a URL's own connect_timeout wins
        limit = {} if "connect_timeout" in parsed.query else {"connect_timeout": PG_CONNECT_S}
        return create_engine(parsed, pool_pre_ping=True, connect_args=limit)
    raise UnsupportedDatabase(
        f"database URL {parsed.render_as_string()!r}: use sqlite:///PATH or postgresql://…"
    )


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    for pragma in (
        "journal_mode=WAL",
        f"busy_timeout={BUSY_TIMEOUT_MS}",
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
    options = conn.get_execution_options()
    # SQLite's own wait for its write lock (another program may hold it without our flock)
    # ends at a write's deadline too; everything else waits the full time
    deadline = options.get(DEADLINE)
    busy_ms = BUSY_TIMEOUT_MS if deadline is None else _left_ms(deadline)
    if conn.info.get(BUSY_INFO, BUSY_TIMEOUT_MS) != busy_ms:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
        conn.info[BUSY_INFO] = busy_ms
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE) else "BEGIN")


def _left_ms(deadline: float) -> int:
    return max(0, int((deadline - time.monotonic()) * 1000))


_DEADLINE: ContextVar[float | None] = ContextVar("gridops_write_deadline", default=None)
_WAIT: ContextVar[float | None] = ContextVar("gridops_write_wait", default=None)


def write_deadline() -> float | None:
    """The deadline (``time.monotonic()``) by which a write started now in this context must
    begin: the one set by :func:`writes_until`, else now + the :func:`writes_wait` bound, else
    None (wait as long as it takes)."""
    deadline = _DEADLINE.get()
    if deadline is not None:
        return deadline
    wait = _WAIT.get()
    return None if wait is None else time.monotonic() + wait


@contextmanager
def writes_wait(seconds: float | None) -> Iterator[None]:
    """Each write started in this context (and the threads it hands work to) waits at most
    ``seconds`` for the writer, then raises :class:`WriterBusy` having written nothing."""
    token = _WAIT.set(seconds)
    try:
        yield
    finally:
        _WAIT.reset(token)


@contextmanager
def writes_until(deadline: float | None) -> Iterator[None]:
    """Writes started in this context wait for the writer until ``deadline`` at most (one
    deadline for several writes, e.g. a batch of requests that share the earliest)."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def open_lock_file(path: Path) -> int:
    """``path`` opened for locking, readable by its owner only: anyone who can open it can
    ``flock`` it — even read-only — and hold every writer up."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, FILE_MODE)  # made by an older version with 0644
    except PermissionError:  # someone else's file: leave its mode to them
        pass
    return fd


class WriteLock:
    """Hands SQLite's single writer from process to process the moment it is free.

    SQLite itself makes a second writer poll, sleeping 1, 2, 5, 10, 15, 20, 25 … ms between
    tries, so with two busy workers the lock sits idle for most of each wait. An exclusive
    ``flock`` on ``<database>-writelock`` (a thread lock within the process) wakes the next
    writer at once; SQLite's own locking still guards every writer, this only queues them.
    The kernel drops the lock of a process that dies. With a deadline the wait polls
    (``LOCK_NB``, 1 → 10 ms apart) and gives up with :class:`WriterBusy`: a blocking
    ``flock`` cannot be abandoned. Without ``fcntl`` (Windows) it does nothing.
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
    def held(self, deadline: float | None = None) -> Iterator[None]:
        """The lock, waited for until ``deadline`` (``time.monotonic()``; None: for ever)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX
            yield
            return
        started = time.monotonic()
        wait = -1 if deadline is None else max(0.0, deadline - started)
        if not self.thread_lock.acquire(timeout=wait):
            raise WriterBusy("another thread of this process is writing", wait)
        try:
            if self.fd is None:
                self.fd = open_lock_file(self.path)
            if self.depth == 0:
                self._flock(fcntl, deadline, started)
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
                if self.depth == 0:
                    fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.thread_lock.release()

    def _flock(self, fcntl: Any, deadline: float | None, started: float) -> None:
        if deadline is None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            return
        pause = 0.001
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                waited = time.monotonic() - started
                raise WriterBusy("another process holds the write lock", waited)
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.01)


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
    deadline = write_deadline()
    started = time.monotonic()
    with lock.held(deadline), engine.connect() as conn:
        conn.execution_options(**{WRITE: True, DEADLINE: deadline})
        try:
            transaction = conn.begin()
        except OperationalError as exc:
            if deadline is not None and _is_busy(exc):
                raise WriterBusy("SQLite's write lock is held", time.monotonic() - started) from exc
            raise
        with transaction:
            yield conn
    _CHECKPOINTERS[engine].after_write()


def _is_busy(exc: OperationalError) -> bool:
    """SQLITE_BUSY (any of its extended codes): another connection holds SQLite's write lock
    and the busy timeout ran out."""
    import sqlite3

    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(exc.orig, sqlite3.OperationalError) and (
        code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
    )


@contextmanager
def writers_held(engine: Engine) -> Iterator[None]:
    """Keep every other writer waiting (other processes and threads; SQLite files only) while
    this thread writes and checkpoints as it likes: e.g. to load a burst of work that no
    worker may start on before all of it is in."""
    lock = _WRITE_LOCKS.get(engine)
    if lock is None:
        yield
        return
    with lock.held(write_deadline()):
        yield


def checkpointer(engine: Engine) -> Checkpointer | None:
    """The engine's background checkpointer (SQLite files only)."""
    return _CHECKPOINTERS.get(engine)


def migrate(engine: Engine) -> None:
    """``alembic upgrade head`` on this engine (safe to run from many processes at once);
    nothing — not even Alembic's import — when the database is at the shipped head already."""
    from gridops.store.revision import current_revision, shipped_head

    if current_revision(engine) == shipped_head():
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with write(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
