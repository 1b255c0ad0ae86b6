"""Migrations are frozen: none imports gridops, so a database upgraded years from now gets what
each revision wrote when it was made; and the account log baseline that 0007 writes from its
own copies still verifies with today's code — and equals, byte for byte, what today's
``record_baseline`` would write for the same accounts at the same instant."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text

from gridops.store.account_audit import BASELINE_ACTOR, record_baseline, verify_account_log
from gridops.store.account_log import GENESIS, AccountEvent, Action, chain_hash
from gridops.store.engine import MIGRATIONS
from gridops.store.schema import sqlite_text
from gridops.tickets.codec import canonical

VERSIONS = MIGRATIONS / "versions"
MODULES = [MIGRATIONS / "env.py", *sorted(VERSIONS.glob("0*.py"))]
ALLOWED = {"__future__", "sqlalchemy", "alembic"} | set(sys.stdlib_module_names)


def imported(path: Path) -> set[str]:
    """The top-level packages a module imports, anywhere in it (functions too); a relative or
    dynamic import shows as ``.`` or ``<dynamic>``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add("." if node.level else (node.module or "").partition(".")[0])
        elif isinstance(node, ast.Call) and called(node) in ("__import__", "import_module"):
            found.add("<dynamic>")
    return found


def called(call: ast.Call) -> str:
    """The name a call calls (``f`` of ``f(…)`` or ``m.f(…)``)."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def test_every_migration_is_checked() -> None:
    names = [p.name for p in MODULES]
    assert len(names) >= 8 and "0007_account_events.py" in names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_migrations_import_only_stdlib_sqlalchemy_and_alembic(path: Path) -> None:
    assert imported(path) - ALLOWED == set(), f"{path.name} imports more than it may"


# --- 0007's frozen chain against today's code, for any payload ----------------------------


def load_0007() -> ModuleType:
    path = VERSIONS / "0007_account_events.py"
    spec = importlib.util.spec_from_file_location("frozen_0007_account_events", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M0007 = load_0007()
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
OFFSETS = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
TIMES = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=OFFSETS.map(timezone)
)


@given(
    found=st.lists(
        st.tuples(
            st.sampled_from([Action.USER_BASELINE, Action.KEY_BASELINE]),
            st.text(min_size=1, max_size=100),
            st.dictionaries(st.text(), JSON, max_size=5),
        ),
        max_size=4,
    ),
    now=TIMES,
)
def test_frozen_chain_is_todays_chain(
    found: list[tuple[str, str, dict[str, Any]]], now: datetime
) -> None:
    rows = M0007.baseline_rows(found, now, "sqlite")
    prev = GENESIS
    for seq, ((action, subject, payload), row) in enumerate(zip(found, rows, strict=True), 1):
        event = AccountEvent(seq, now, BASELINE_ACTOR, action, subject, payload, prev)
        assert row["hash"] == chain_hash(prev, event)
        assert row["prev_hash"] == prev and row["seq"] == seq
        assert row["payload"] == canonical(payload)
        assert row["at"] == sqlite_text(now)
        assert M0007.baseline_rows(found, now, "postgresql")[seq - 1]["at"] == now
        prev = row["hash"]
    assert len(rows) == len(found)


# --- a database with accounts, upgraded through 0007 without gridops importable -----------

#: runs Alembic to a revision in a process where importing gridops fails
UPGRADE = """
import sys

class NoGridops:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "gridops":
            raise ImportError(f"a migration imported {name}")

sys.meta_path.insert(0, NoGridops())
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

url, schema, location, revision = sys.argv[1:]
args = {"options": f"-csearch_path={schema}"} if schema else {}
engine = sa.create_engine(url, connect_args=args)
cfg = Config()
cfg.set_main_option("script_location", location)
with engine.begin() as conn:
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)
assert not any(m.partition(".")[0] == "gridops" for m in sys.modules)
"""


@dataclass
class Fresh:
    """An empty database: a SQLite file, or a schema of its own in the session's PostgreSQL."""

    url: str
    schema: str = ""

    def engine(self) -> Engine:
        args = {"options": f"-csearch_path={self.schema}"} if self.schema else {}
        return create_engine(self.url, connect_args=args)

    def upgrade(self, revision: str) -> None:
        argv = [self.url, self.schema, str(MIGRATIONS), revision]
        done = subprocess.run(
            [sys.executable, "-c", UPGRADE, *argv], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fresh]:
    if request.param == "sqlite":
        yield Fresh(f"sqlite:///{tmp_path / 'old.db'}")
        return
    url = request.getfixturevalue("pg_url")
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield Fresh(url, schema)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


USERS = [  # id, name, role, units (as stored: JSON), active, token hint
    ("z-9", "Zed", "dispatcher", '["sc-3", "sc-1", "sc-2"]', True, "gut_zzzz"),
    ("a-1", "王小明（网格员）", "inspector", '"all"', False, "gut_aaaa"),
    ("m-5", 'quote " back\\slash \u00e9', "admin", "[]", True, "gut_mmmm"),
]
KEYS = [("app", "gak_1111", True), ("应用-旧", "gak_2222", False)]
CREATED = "2026-11-24 02:00:00.000000"


def seed_0006(engine: Engine) -> None:
    """Accounts as a 0006-era gridops left them, in plain SQL."""
    with engine.begin() as conn:
        for i, (uid, name, role, units, active, hint) in enumerate(USERS):
            conn.execute(
                text(
                    "INSERT INTO users (id, name, role, units, token_hash, token_hint, active,"
                    " created_at, updated_at) VALUES (:id, :n, :r, :u, :h, :t, :a, :c, :c)"
                ),
                {"id": uid, "n": name, "r": role, "u": units, "h": f"{i:064x}", "t": hint,
                 "a": active, "c": CREATED},
            )  # fmt: skip
        for i, (name, hint, active) in enumerate(KEYS):
            conn.execute(
                text(
                    "INSERT INTO api_keys (name, key_hash, key_hint, active, created_at)"
                    " VALUES (:n, :h, :t, :a, :c)"
                ),
                {"n": name, "h": f"{i + 100:064x}", "t": hint, "a": active, "c": CREATED},
            )


RAW = "SELECT seq, at, actor, action, subject, payload, prev_hash, hash FROM account_events"


def test_baseline_written_without_gridops_verifies_and_equals_todays(fresh: Fresh) -> None:
    fresh.upgrade("0006_ticket_points")
    engine = fresh.engine()
    try:
        seed_0006(engine)
        fresh.upgrade("head")
        report = verify_account_log(engine)
        assert report.problems == [] and report.events == len(USERS) + len(KEYS)
        with engine.connect() as conn:
            written = [tuple(r) for r in conn.execute(text(RAW + " ORDER BY seq"))]
            at = conn.execute(text("SELECT min(at) FROM account_events")).scalar_one()
            now = datetime.fromisoformat(at).replace(tzinfo=UTC) if isinstance(at, str) else at
            # today's code, the same accounts, the same instant: the same rows, byte for byte
            conn.execute(text("DELETE FROM account_events"))
            record_baseline(conn, now=now)
            todays = [tuple(r) for r in conn.execute(text(RAW + " ORDER BY seq"))]
            conn.rollback()
        assert {(r[3], r[4]) for r in written} == {
            *(("user.baseline", u[0]) for u in USERS),
            *(("apikey.baseline", k[0]) for k in KEYS),
        }
        assert written == todays
    finally:
        engine.dispose()
