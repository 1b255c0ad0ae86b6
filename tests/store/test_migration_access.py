"""Migration 0014 (SQLite and PostgreSQL): the access log's table, written and read through
:class:`AccessLog`, gone on the way down and back on the way up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect

from gridops.store import Store
from gridops.store.access_log import KEY_USE, SIGN_IN, SIGN_IN_REFUSED, AccessLog
from store.factory import NOW
from store.test_migration_points import move_to


def test_0014_adds_the_access_log_both_ways(store: Store) -> None:
    access = AccessLog(store.engine)
    access.record(SIGN_IN, "d-1", now=NOW, address="10.0.0.7")
    access.record(SIGN_IN_REFUSED, "", now=NOW + timedelta(seconds=1), detail="unknown token")
    access.record(KEY_USE, "hotline", now=NOW + timedelta(seconds=2))
    events, total = access.read(limit=2)
    assert total == 3 and [e.kind for e in events] == [KEY_USE, SIGN_IN_REFUSED]
    assert access.read(subject="d-1")[0][0].address == "10.0.0.7"
    with pytest.raises(ValueError, match="access kind"):
        access.record("peek", "x", now=NOW)

    move_to(store.engine, "0013_addresses", down=True)
    assert "access_events" not in inspect(store.engine).get_table_names()
    move_to(store.engine, "head")
    assert access.read() == ([], 0)
    access.record(SIGN_IN, "d-1", now=NOW)
    assert access.read()[1] == 1
