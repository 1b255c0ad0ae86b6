"""Migrations 0015 and 0016 (SQLite and PostgreSQL): the rollups gain ``found_actively`` (the
rollup state is cleared so the next refresh rebuilds the days built before with the new count);
the field app's moves gain the worker's reason for a far move."""

from __future__ import annotations

from datetime import UTC, datetime

from metrics.handset import build_set
from sqlalchemy import inspect, select

from gridops.metrics import parse_period
from gridops.store import Store
from gridops.store.rollups import RollupParams, refresh_rollups, rollup_counts, rollup_state
from store.test_migration_points import move_to

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def test_0015_adds_found_actively_and_rebuilds_the_days(store: Store) -> None:
    build_set(store)
    move_to(store.engine, "0014_access_log", down=True)
    assert "found_actively" not in {
        c["name"] for c in inspect(store.engine).get_columns("ticket_rollups")
    }
    move_to(store.engine, "head")
    refresh_rollups(store.engine, now=NOW, params=RollupParams())
    refresh_rollups(store.engine, now=NOW, params=RollupParams())  # nothing changed: kept
    first, after = parse_period("2026-10").days()
    total = sum(
        g.counts["found_actively"]
        for g in rollup_counts(store.engine, by="unit", first=first, after=after)
    )
    assert total == 2
    move_to(store.engine, "0014_access_log", down=True)
    with store.engine.connect() as conn:
        assert conn.execute(select(rollup_state)).first() is None  # rebuilt on the way up
    move_to(store.engine, "head")


def test_0016_adds_the_far_reason_both_ways(store: Store) -> None:
    from gridops.store.field_moves import FieldMoves, Presence

    moves = FieldMoves(store.engine)
    assert moves.claim("w-1", "k" * 16, ticket="E1", action="done", now=NOW) is None
    moves.finish(
        "w-1", "k" * 16, answer={"ok": 1}, presence=Presence(1.0, 2.0, 900.0, True, "封路")
    )
    assert moves.of_ticket("E1")[0].presence == Presence(1.0, 2.0, 900.0, True, "封路")
    move_to(store.engine, "0015_active_discovery", down=True)
    assert "far_reason" not in {c["name"] for c in inspect(store.engine).get_columns("field_moves")}
    move_to(store.engine, "head")
    assert moves.of_ticket("E1")[0].presence == Presence(1.0, 2.0, 900.0, True, "")
