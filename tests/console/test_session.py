"""Sign-in by token into an HttpOnly SameSite=Strict cookie, CSRF on every form, no open
redirects, sign-out."""

from __future__ import annotations

from gridops.services.context import ServiceContext
from gridops.web.console.session import csrf_token

from .conftest import TestClient, Users, login_form, sign_in


def test_pages_send_a_stranger_to_the_login_page(client: TestClient) -> None:
    r = client.get("/console/dispatch?queue=overdue", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=/console/dispatch%3Fqueue%3Doverdue"
    assert "访问令牌" in client.get(r.headers["location"]).text


def test_a_wrong_token_is_refused_with_the_reason(client: TestClient) -> None:
    r = client.post("/console/login", data=login_form(client, token="gut_nope"),
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 403 and "令牌无效" in r.text
    assert "gridops_session" not in r.cookies


def test_login_sets_a_strict_httponly_cookie_and_lands_on_the_role_page(
    client: TestClient, users: Users
) -> None:
    token = users.add("s-1", "supervisor", "all")
    r = client.post("/console/login", data=login_form(client, token=token),
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/console/supervise"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie


def test_next_goes_only_to_console_paths(client: TestClient, users: Users) -> None:
    token = users.add("d-1", "dispatcher", "all")
    for evil in ("//evil.example/x", "https://evil.example/", "/console/../../x:y"):
        r = client.post(
            "/console/login",
            data=login_form(client, token=token, next=evil),
            follow_redirects=False,
        )
        assert r.headers["location"] == "/console/dispatch"
    r = client.post(
        "/console/login",
        data=login_form(client, token=token, next="/console/supervise?view=2"),
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console/supervise?view=2"


def test_forms_without_the_session_csrf_token_are_refused(
    client: TestClient, users: Users, ctx: ServiceContext
) -> None:
    other = users.add("d-2", "dispatcher", "all")
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    key = client.app.state.web.csrf_key  # type: ignore[attr-defined]
    for sent in ({}, {"csrf": ""}, {"csrf": csrf_token(key, other)}):
        r = client.post("/console/tickets/E1/do/void", data={"reason": "x", **sent})
        assert r.status_code == 403 and "CSRF" in r.text


def test_logout_clears_the_session(client: TestClient, users: Users) -> None:
    csrf = sign_in(client, users.add("d-1", "dispatcher", "all"))
    r = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and 'gridops_session=""' in r.headers["set-cookie"]
    client.cookies.clear()
    assert client.get("/console/dispatch", follow_redirects=False).status_code == 303


def test_a_login_posted_from_another_site_is_refused(client: TestClient, users: Users) -> None:
    """Login CSRF: a form on another site can post a token, but not the login nonce cookie
    (SameSite=Strict) nor its token, so it cannot sign the victim in as someone else."""
    token = users.add("d-9", "dispatcher", "all")
    r = client.post("/console/login", data={"token": token}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text and "gridops_session" not in r.cookies
    fields = login_form(client, token=token)
    client.cookies.delete("gridops_login", path="/console")
    r = client.post("/console/login", data=fields, follow_redirects=False)
    assert r.status_code == 403  # the right token without the browser's nonce: refused
    r = client.post("/console/login", data=login_form(client, token=token), follow_redirects=False)
    assert r.status_code == 303  # from the login page itself: signed in
    page = client.get("/console/login")
    assert "gridops_login=" not in page.headers.get("set-cookie", "")  # the nonce is kept
