"""A real app per test: tmp data dir, SQLite, the session's real Redis, the shipped Pudong
sample grid and configuration, a fixed clock, and users/keys made through the accounts."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from redis import Redis

from gridops.grids.crs import WGS84, to_grid_crs
from gridops.services.context import ServiceContext, build_context
from gridops.settings import load_settings
from gridops.web.app import create_app
from gridops.web.auth import create_api_key, create_user
from gridops.web.limits import RateLimits

#: A Tuesday morning in Shanghai (working day, day shift on): 2026-11-24 10:00 +08:00.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
LUJIAZUI_L3 = "310115005001001"  # a level-3 cell of 陆家嘴 (the roster's named staff work here)


def make_context(tmp_path, redis_url: str) -> ServiceContext:
    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_url}
    return build_context(load_settings(env))


@pytest.fixture
def ctx(tmp_path, redis_server: str, redis_conn: Redis) -> Iterator[ServiceContext]:
    context = make_context(tmp_path, redis_server)
    yield context
    context.close()


#: ``@pytest.fixture(params=BOTH_DATABASES)`` over :func:`context_on`: a module's ``ctx`` on
#: SQLite and on the session's PostgreSQL database.
BOTH_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


def context_on(
    request: pytest.FixtureRequest, tmp_path, redis_server: str
) -> Iterator[ServiceContext]:
    """The web tests' context on ``request.param``'s database (PostgreSQL emptied first)."""
    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_server}
    if request.param == "postgresql":
        env["GRIDOPS_DATABASE_URL"] = request.getfixturevalue("pg_url")
    context = build_context(load_settings(env))
    if request.param == "postgresql":
        request.getfixturevalue("empty_pg")(context.store.engine)
    yield context
    context.close()


@pytest.fixture
def app(ctx: ServiceContext) -> FastAPI:
    return create_app(ctx, clock=lambda: NOW, rate_limits=RateLimits(per_key=50, per_address=40))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def api_key(ctx: ServiceContext) -> str:
    from gridops.store.accounts import Accounts

    return create_api_key(Accounts(ctx.store.engine), "test-client", now=NOW)[1]


@dataclass
class Users:
    """Bearer headers of users made for a test, by role name."""

    ctx: ServiceContext

    def add(self, user_id: str, role: str, *units: str) -> dict[str, str]:
        from gridops.store.accounts import Accounts

        _, token = create_user(
            Accounts(self.ctx.store.engine),
            user_id,
            name=user_id,
            role=role,
            units=list(units),
            now=NOW,
            org=self.ctx.ops.org,
        )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def users(ctx: ServiceContext) -> Users:
    return Users(ctx)


def wgs84_point_in(ctx: ServiceContext, l3: str) -> tuple[float, float]:
    """(lat, long) in WGS84 of a point inside level-3 cell ``l3``."""
    p = ctx.grid.cells[l3].geometry.representative_point()
    lon, lat = to_grid_crs(float(p.x), float(p.y), ctx.grid.crs, WGS84)
    return lat, lon


def photo(kind: str = "JPEG", exif: bool = True) -> bytes:
    """A small real photo, with EXIF (GPS) when asked."""
    from PIL import Image

    image = Image.new("RGB", (32, 24), (200, 40, 40))
    out = io.BytesIO()
    if exif and kind == "JPEG":
        info = Image.Exif()
        info[0x010F] = "PhoneMaker"  # Make
        image.save(out, kind, exif=info.tobytes())
    else:
        image.save(out, kind)
    return out.getvalue()
