"""/healthz and /readyz: alive always; ready only with the database answering at the shipped
migration, Redis answering and the grid and configuration loaded — else 503 naming what
failed. Both on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from gridops.services.context import ServiceContext, build_context
from gridops.settings import load_settings
from gridops.store.revision import shipped_head
from gridops.web.app import create_app

from .conftest import BOTH_DATABASES, context_on


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str) -> Iterator[ServiceContext]:
    yield from context_on(request, tmp_path, redis_server)


def test_ready_names_every_check(ctx: ServiceContext) -> None:
    with TestClient(create_app(ctx)) as client:
        alive = client.get("/healthz")
        ready = client.get("/readyz")
    assert alive.status_code == 200 and alive.json() == {"status": "alive"}
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and body["failed"] == []
    assert list(body["checks"]) == ["database", "migrations", "redis", "config"]
    assert body["checks"]["database"]["detail"] == ctx.store.engine.dialect.name
    assert body["checks"]["migrations"]["detail"] == f"at {shipped_head()}"
    assert "6327 cells" in body["checks"]["config"]["detail"]
    assert ready.headers["cache-control"] == "no-store"


def test_a_schema_behind_the_code_is_unready(ctx: ServiceContext) -> None:
    """A host upgraded before the database was migrated must not take traffic."""
    with ctx.store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0009_cursor_gaps'"))
    try:
        with TestClient(create_app(ctx)) as client:
            ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["failed"] == ["migrations"]
        detail = ready.json()["checks"]["migrations"]["detail"]
        assert "0009_cursor_gaps" in detail and shipped_head() in detail
    finally:
        with ctx.store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": shipped_head()})


def test_redis_down_is_unready_but_alive(tmp_path) -> None:
    from conftest import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"
    context = build_context(load_settings({"GRIDOPS_DATA_DIR": str(tmp_path),
                                           "GRIDOPS_REDIS_URL": dead}))  # fmt: skip
    try:
        with TestClient(create_app(context)) as client:
            assert client.get("/healthz").status_code == 200
            ready = client.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "unready" and body["failed"] == ["redis"]
        assert body["checks"]["redis"]["ok"] is False
        assert "Error" in body["checks"]["redis"]["detail"]
        assert body["checks"]["database"]["ok"] is True
    finally:
        context.close()
