"""A toy stage for the queue tests: pending work is rows of a real SQLite table.

``items``: status pending → done, version-guarded, claimed with an expiring claim (like
tickets). ``applied`` gets one row per successful pending → done move, so "exactly once" is
checkable. ``sweeps`` records each run of the periodic stage (start, end, pid).
Environment: TOY_DB (path), TOY_DELAY (seconds per item), TOY_CLAIM_S (claim lifetime).
"""

from __future__ import annotations

import os
import sqlite3
import time

from gridops.queue import StageSet, TransientError

STAGES = StageSet()
TOY = STAGES.register("toy", "toy_stage:process_batch", "toy", batch_limit=10, rekick_seconds=1.0)
SWEEP = STAGES.register_periodic("toy-sweep", "toy_stage:sweep", 0.5, queue="toy-sweeper")

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, status TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 0, claimed_by TEXT, claim_until REAL);
CREATE TABLE IF NOT EXISTS applied (item_id INTEGER NOT NULL, pid INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sweeps (pid INTEGER, started REAL, ended REAL);
"""


def connect(path: str | None = None) -> sqlite3.Connection:
    conn = sqlite3.connect(path or os.environ["TOY_DB"], timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def create(path: str) -> None:
    with connect(path) as conn:
        conn.executescript(SCHEMA)


def add_items(path: str, ids: range) -> None:
    conn = connect(path)
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO items (id, status) VALUES (?, 'pending')", [(i,) for i in ids])
    conn.execute("COMMIT")
    conn.close()


def process_batch(limit: int) -> int:
    """Claim up to ``limit`` pending rows, then move each to done under its version guard."""
    delay = float(os.environ.get("TOY_DELAY", "0"))
    claim_s = float(os.environ.get("TOY_CLAIM_S", "2"))
    me = str(os.getpid())
    conn = connect()
    try:
        conn.execute("BEGIN IMMEDIATE")
        now = time.time()
        rows = conn.execute(
            "SELECT id, version FROM items WHERE status = 'pending' "
            "AND (claim_until IS NULL OR claim_until < ?) ORDER BY id LIMIT ?",
            (now, limit),
        ).fetchall()
        conn.executemany(
            "UPDATE items SET claimed_by = ?, claim_until = ? WHERE id = ?",
            [(me, now + claim_s, item_id) for item_id, _ in rows],
        )
        conn.execute("COMMIT")
        for item_id, version in rows:
            time.sleep(delay)
            conn.execute("BEGIN IMMEDIATE")
            moved = conn.execute(
                "UPDATE items SET status = 'done', version = version + 1, claimed_by = NULL "
                "WHERE id = ? AND version = ? AND status = 'pending'",
                (item_id, version),
            ).rowcount
            if moved == 1:
                conn.execute("INSERT INTO applied (item_id, pid) VALUES (?, ?)", (item_id, me))
            conn.execute("COMMIT")
        return len(rows)
    finally:
        conn.close()


def sweep(limit: int) -> int:
    """The periodic toy sweeper: records its run, taking a little time."""
    started = time.time()
    time.sleep(0.05)
    conn = connect()
    conn.execute("INSERT INTO sweeps VALUES (?, ?, ?)", (os.getpid(), started, time.time()))
    conn.close()
    return 0


# -- in-process stages for the drain tests -------------------------------------------------
CALLS: list[int] = []
FAIL_TIMES = {"n": 0}


def count_full(limit: int) -> int:
    """Reports a full batch for the first call, then an empty one."""
    CALLS.append(limit)
    return limit if len(CALLS) == 1 else 0


def full_three_times(limit: int) -> int:
    """Reports a full batch for the first three calls, then a short one."""
    CALLS.append(limit)
    return limit if len(CALLS) <= 3 else limit - 1


def flaky(limit: int) -> int:
    """Raises TransientError while FAIL_TIMES['n'] > 0."""
    if FAIL_TIMES["n"] > 0:
        FAIL_TIMES["n"] -= 1
        raise TransientError("database unreachable")
    return 0


def broken(limit: int) -> int:
    raise ValueError("a bug, not a transient error")


def leak(*args: object, **kwargs: object) -> int:
    """Not a stage: a function a foreign job may name; leaves ``<TOY_DB>.leaked`` if it runs."""
    with open(os.environ["TOY_DB"] + ".leaked", "a") as fh:
        fh.write(repr((args, kwargs)) + "\n")
    return 0
