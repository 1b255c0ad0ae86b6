"""A real store per test: SQLite in tmp_path, PostgreSQL from the session's scratch database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from gridops.store import Store, open_store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'gridops.db'}")
    else:
        s = open_store(request.getfixturevalue("pg_url"))
        with s.engine.begin() as conn:
            conn.execute(
                text(
                    "TRUNCATE ticket_events, tickets, number_counters, ticket_rollups, rollup_state"
                )
            )
    yield s
    s.close()
