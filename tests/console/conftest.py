"""Console fixtures: a real app (tmp SQLite, the session's real Redis, the shipped Pudong grid
and configuration, a fixed clock) with the console router, users made through the accounts,
and — for browser tests — that app on real uvicorn plus Debian's Chromium via Playwright."""

from __future__ import annotations

import io
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from live import serving

from gridops.services.context import ServiceContext, build_context
from gridops.settings import load_settings
from gridops.web.app import create_app
from gridops.web.auth import create_api_key, create_user
from gridops.web.console import console_router

#: A Tuesday morning in Shanghai (working day, day shift on): 2026-11-24 10:00 +08:00.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
LUJIAZUI_L3 = "310115005001001"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def console_app(ctx: ServiceContext) -> FastAPI:
    """``create_app`` with the console mounted (once, whether or not app.py mounts it)."""
    app = create_app(ctx, clock=lambda: NOW)
    if not any(getattr(r, "path", "") == "/console/login" for r in app.routes):
        app.include_router(console_router)
    return app


def make_context(data_dir: Path, redis_url: str) -> ServiceContext:
    env = {"GRIDOPS_DATA_DIR": str(data_dir), "GRIDOPS_REDIS_URL": redis_url}
    return build_context(load_settings(env))


@dataclass
class Users:
    """Makes users through the accounts and returns their bearer tokens."""

    ctx: ServiceContext
    keys: int = 0

    def add(self, user_id: str, role: str, *units: str) -> str:
        from gridops.store.accounts import Accounts

        _, token = create_user(
            Accounts(self.ctx.store.engine), user_id, name=user_id, role=role,
            units=list(units), now=NOW, org=self.ctx.ops.org,
        )  # fmt: skip
        return token

    def api_key(self) -> str:
        from gridops.store.accounts import Accounts

        self.keys += 1
        name = f"console-test-{self.keys}"
        return create_api_key(Accounts(self.ctx.store.engine), name, now=NOW)[1]


def photo() -> bytes:
    """A small real JPEG."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 160, 40)).save(out, "JPEG")
    return out.getvalue()


def point_in(ctx: ServiceContext, l3: str) -> tuple[float, float]:
    """(lon, lat) in WGS84 of a point inside level-3 cell ``l3``."""
    from gridops.grids.crs import WGS84, to_grid_crs

    p = ctx.grid.cells[l3].geometry.representative_point()
    return to_grid_crs(float(p.x), float(p.y), ctx.grid.crs, WGS84)


@pytest.fixture
def ctx(tmp_path: Path, redis_server: str, redis_conn: Any) -> Iterator[ServiceContext]:
    context = make_context(tmp_path, redis_server)
    yield context
    context.close()


@pytest.fixture
def users(ctx: ServiceContext) -> Users:
    return Users(ctx)


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(console_app(ctx), base_url="http://testserver") as c:
        yield c


def login_form(client: TestClient, **fields: str) -> dict[str, str]:
    """The login form's fields as a browser would send them: open the login page first (it
    sets the login nonce cookie) and take its CSRF token."""
    page = client.get("/console/login")
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found, "the login page carries no CSRF token"
    return {"csrf": found.group(1), **fields}


def sign_in(client: TestClient, token: str) -> str:
    """Sign ``client`` in through the login form; returns the session's CSRF token (as the
    pages carry it)."""
    from gridops.web.console.session import SESSION_COOKIE, csrf_token

    r = client.post("/console/login", data=login_form(client, token=token),
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    session = r.cookies.get(SESSION_COOKIE)
    assert session and session != token, "the session cookie must not be the bearer token"
    app = getattr(client, "app", None)
    if app is not None:
        return csrf_token(app.state.web.csrf_key, session)
    home = client.get(r.headers["location"])  # a real server: the token its page carries
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', home.text)
    assert found, "the home page carries no CSRF token"
    return found.group(1)


@dataclass
class Server:
    """The console app on real uvicorn in a background thread."""

    url: str
    ctx: ServiceContext
    users: Users
    app: FastAPI


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_server: str) -> Iterator[Server]:
    context = make_context(tmp_path_factory.mktemp("console"), redis_server)
    app = console_app(context)
    with serving(app, log_level="warning") as url:
        yield Server(url, context, Users(context), app)
    context.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        why = "browser tests need Debian's chromium at /usr/bin/chromium (.ci/run installs it)"
        if os.environ.get("GRIDOPS_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def no_csp_violations() -> Iterator[None]:
    """Every page a browser test opened worked under its Content-Security-Policy."""
    from .browser import CSP

    CSP.clear()
    yield
    assert CSP == []
