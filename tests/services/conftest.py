"""A real service context per test: tmp data dir, SQLite (or the session's PostgreSQL), the
session's real Redis, the shipped Pudong sample grid and configuration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from redis import Redis

from gridops.services.context import ServiceContext, build_context
from gridops.services.intake import IntakeReport
from gridops.settings import load_settings
from gridops.tickets import Source

#: A Tuesday morning in Shanghai (working day, day shift on): 2026-11-24 10:00 +08:00.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def make_context(tmp_path, redis_url: str, database_url: str | None = None) -> ServiceContext:
    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_url}
    if database_url:
        env["GRIDOPS_DATABASE_URL"] = database_url
    return build_context(load_settings(env))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def ctx(
    request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
) -> Iterator[ServiceContext]:
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    context = make_context(tmp_path, redis_server, url)
    if url:
        request.getfixturevalue("empty_pg")(context.store.engine)
    yield context
    context.close()


def point_in(ctx: ServiceContext, l3: str) -> tuple[float, float]:
    """A point inside level-3 cell ``l3`` (grid CRS)."""
    p = ctx.grid.cells[l3].geometry.representative_point()
    return float(p.x), float(p.y)


def some_cells(ctx: ServiceContext, n: int) -> list[str]:
    """``n`` level-3 codes spread over the grid."""
    cells = ctx.grid.cells_at(3)
    step = max(1, len(cells) // n)
    return [c.code for c in cells[::step][:n]]


def report_at(
    ctx: ServiceContext,
    l3: str,
    category: str = "E0102",
    source: Source = Source.GRID_WORKER,
    **kw,
) -> IntakeReport:
    lon, lat = point_in(ctx, l3)
    return IntakeReport(category=category, lon=lon, lat=lat, crs=ctx.grid.crs, source=source, **kw)


@pytest.fixture
def ctx_once(tmp_path, redis_server: str, redis_conn: Redis) -> Iterator[ServiceContext]:
    """One SQLite context for a whole hypothesis test."""
    context = make_context(tmp_path, redis_server)
    yield context
    context.close()
