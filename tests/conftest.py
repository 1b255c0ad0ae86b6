"""Shared fixtures: real services only, started on free ports and cleaned up.

PostgreSQL: GRIDOPS_TEST_PG_URL names a server (CI sets it, with GRIDOPS_TEST_REQUIRE_PG=1 so an
unreachable server fails the run instead of skipping). Each test session works in a database of
its own, created and dropped here, so parallel runs never see each other's rows.
"""

from __future__ import annotations

import os
import signal
import socket
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from redis import Redis
    from sqlalchemy import Engine

    from gridops.store import Store

settings.register_profile(
    "gridops", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile("gridops")


def pytest_configure(config: pytest.Config) -> None:
    """SIGTERM (a CI job's timeout, ``kill``) ends the run as Ctrl-C does, so every fixture's
    and test's cleanup still stops and reaps the servers and workers it started."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this session (dropped afterwards)."""
    base = os.environ.get("GRIDOPS_TEST_PG_URL")
    required = os.environ.get("GRIDOPS_TEST_REQUIRE_PG") == "1"
    if not base:
        pytest.skip("PostgreSQL tests need GRIDOPS_TEST_PG_URL (CI sets it)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"gridops_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - reported as the reason
        admin.dispose()
        if required:
            pytest.fail(f"PostgreSQL at {base} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL at {base} is unreachable: {exc}")
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(autouse=True)
def pg_connections_closed(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test on PostgreSQL leaves no connection open: one it dropped is found here and named
    as this test's fault (else the garbage collector would warn, as an error, in whichever
    test happened to run next on the worker)."""
    yield
    if "pg_url" not in request.fixturenames:
        return
    import gc
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    left = [str(w.message) for w in caught if "psycopg" in str(w.message)]
    assert not left, f"this test left {len(left)} PostgreSQL connection(s) open: {left[0]}"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real redis-server (the embedded launcher) on a free port, for this session."""
    from gridops.queue.embedded import EmbeddedRedis

    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    info, _ = server.start(port=free_port())
    yield info.url
    server.stop()


@pytest.fixture
def redis_conn(redis_server: str) -> Iterator[Redis]:
    """A connection to the session's Redis, flushed before and after the test."""
    from redis import Redis

    conn = Redis.from_url(redis_server)
    conn.flushall()
    yield conn
    conn.flushall()
    conn.close()


def _empty(engine: Engine) -> None:
    """Remove every row of every table but Alembic's (the session's PostgreSQL database)."""
    from sqlalchemy import text

    with engine.begin() as conn:
        names = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        conn.execute(text(f"TRUNCATE {', '.join(names)} CASCADE"))


@pytest.fixture(scope="session")
def empty_pg() -> Callable[[Engine], None]:
    """Empties a PostgreSQL database of the session: ``empty_pg(engine)``."""
    return _empty


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    """A real, migrated store per test: SQLite in tmp_path, or the session's PostgreSQL
    database emptied first."""
    from gridops.store import open_store

    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'gridops.db'}")
    else:
        s = open_store(request.getfixturevalue("pg_url"))
        _empty(s.engine)
    yield s
    s.close()


def _identity(ops: Any) -> tuple[int, ...]:
    """Identity of the parts of a cached config a test might be tempted to patch."""
    cats = ops.taxonomy.categories
    return (id(ops.taxonomy), id(cats), *map(id, cats.values()), id(ops.org), id(ops.org.units))


class _Watched(dict):  # type: ignore[type-arg]
    """The process's cache of (grid, config), remembering each entry's identity when stored."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[Any, tuple[int, ...]] = {}

    def __setitem__(self, key: Any, value: Any) -> None:
        self.stored[key] = _identity(value[1])
        super().__setitem__(key, value)


@pytest.fixture(autouse=True)
def shared_config_untouched() -> Iterator[None]:
    """A test may not leave the process's shared config changed: every later test in the worker
    would see it. (One did: a category made to need before/after photos, which later failed the
    browser shift tests' done on whichever worker ran both.)"""
    from gridops.services import context

    if not isinstance(context._STATIC, _Watched):
        watched = _Watched()
        for key, value in context._STATIC.items():
            watched[key] = value
        context._STATIC = watched
    yield
    cache = context._STATIC
    changed = [str(k) for k, (_, ops) in list(cache.items()) if _identity(ops) != cache.stored[k]]
    assert not changed, f"this test changed the shared, cached config of {changed}: put it back"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Known flakes (xfail, not strict) keep their evidence: a browser test whose tap did nothing
    says what the phone showed, and that line is printed here (xfails hide their output)."""
    try:
        for report in terminalreporter.stats.get("xfailed", []):
            lines = [x for x in str(report.longrepr).splitlines() if "the tap did nothing" in x]
            if lines:
                terminalreporter.write_line(f"{report.nodeid}: {lines[-1].strip()[:1500]}")
    except Exception as exc:  # noqa: BLE001 - evidence only: never the run's outcome
        terminalreporter.write_line(f"(xfail evidence not printed: {exc})")
