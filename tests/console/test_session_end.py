"""Signing out ends the session (SQLite and PostgreSQL): the console cookie is a session id of its
own, kept server-side with an expiry and an idle timeout — never the bearer token — so a cookie
copied before sign-out opens nothing afterwards; bearer tokens may expire (401), and an expired
token cannot sign in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from web.conftest import BOTH_DATABASES, context_on

from gridops.services.context import ServiceContext
from gridops.web.app import create_app
from gridops.web.console.session import SESSION_COOKIE

from .conftest import NOW, Users, login_form, sign_in


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
        ) -> Iterator[ServiceContext]:  # fmt: skip
    yield from context_on(request, tmp_path, redis_server)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(ctx: ServiceContext, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(ctx, clock=clock), base_url="http://testserver") as c:
        yield c


def page(client: TestClient, cookie: str, path: str = "/console/dispatch", **headers: str) -> int:
    """The status of ``path`` asked with only this session cookie (a copied cookie)."""
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie, domain="testserver.local", path="/console")
    status = client.get(path, headers=headers, follow_redirects=False).status_code
    client.cookies.clear()
    return status


def test_signing_out_ends_the_session_and_a_copied_cookie_opens_nothing(
    client: TestClient, users: Users
) -> None:
    token = users.add("d-1", "dispatcher", "all")
    csrf = sign_in(client, token)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie and cookie != token and token not in cookie
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401
    )
    assert page(client, cookie) == 200  # the copy works while the session lives
    client.cookies.set(SESSION_COOKIE, cookie, domain="testserver.local", path="/console")
    out = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert page(client, cookie) == 303  # the login page: the session is gone server-side
    client.cookies.set(SESSION_COOKIE, cookie, domain="testserver.local", path="/console")
    acted = client.post("/console/tickets/E1/do/void", data={"csrf": csrf, "reason": "x"})
    assert acted.status_code == 401
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200  # the bearer token itself goes on working for the API


def test_a_session_ends_when_idle_and_when_old_and_polls_do_not_keep_it(
    client: TestClient, users: Users, clock: Clock
) -> None:
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    for _ in range(12):  # a page every 55 minutes: alive, up to the shift's 12 hours
        clock.now += timedelta(minutes=55)
        assert page(client, cookie) == 200
    clock.now = NOW + timedelta(hours=12)
    assert page(client, cookie) == 303  # signed in 12 hours ago: over

    clock.now = NOW
    sign_in(client, users.add("d-2", "dispatcher", "all"))
    idle = client.cookies.get(SESSION_COOKIE)
    assert idle
    clock.now += timedelta(minutes=40)
    assert page(client, idle, "/console/dispatch/live", **{"X-Requested-With": "poll"}) == 200
    clock.now += timedelta(minutes=20)  # 60 minutes since the last page
    assert page(client, idle) == 303


def test_an_expiring_token_is_refused_once_expired_by_the_api_and_the_login(
    client: TestClient, users: Users, clock: Clock
) -> None:
    admin = users.add("root", "admin")
    made = client.post("/api/v1/admin/users", headers={"Authorization": f"Bearer {admin}"},
                       json={"id": "d-9", "role": "dispatcher", "units": ["all"],
                             "expires": "2d"})  # fmt: skip
    assert made.status_code == 200, made.text
    assert made.json()["user"]["token_expires_at"] == (NOW + timedelta(days=2)).isoformat()
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    sign_in(client, made.json()["token"])
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    clock.now = NOW + timedelta(days=2)
    refused = client.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    assert page(client, cookie) == 303  # the session ended with the token
    login = client.post("/console/login", data=login_form(client, token=made.json()["token"]),
                        follow_redirects=False)  # fmt: skip
    assert login.status_code == 403 and "令牌已过期" in login.text
    bad = client.post("/api/v1/admin/users", headers={"Authorization": f"Bearer {admin}"},
                      json={"id": "d-8", "role": "dispatcher", "units": ["all"],
                            "expires": "soon"})  # fmt: skip
    assert bad.status_code == 400 and "'soon' is not a lifetime" in bad.json()["detail"]


def test_a_new_token_ends_the_sessions_signed_in_with_the_old(
    client: TestClient, users: Users
) -> None:
    admin = {"Authorization": f"Bearer {users.add('root', 'admin')}"}
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie and page(client, cookie) == 200
    assert client.post("/api/v1/admin/users/d-1/token", headers=admin).status_code == 200
    assert page(client, cookie) == 303
