"""Security headers on every answer: a CSP without 'unsafe-inline' (but for the API docs, which
load Swagger UI from its CDN), no framing, nosniff, no referrer, and no-store where personal data
goes — and console pages that need no inline script or style to work under it."""

from __future__ import annotations

import re

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from .conftest import LUJIAZUI_L3, TestClient, Users, photo, wgs84_point_in

INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
)


def sign_in(client: TestClient, token: str) -> None:
    page = client.get("/console/login")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf
    r = client.post("/console/login", data={"token": token, "csrf": csrf.group(1)},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text


def check(answer, *, no_store: bool, docs: bool = False) -> None:  # noqa: ANN001
    h = answer.headers
    csp = h["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and h["x-frame-options"] == "DENY"
    assert ("'unsafe-inline'" in csp) is docs and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "no-referrer"
    assert (h.get("cache-control") == "no-store") is no_store, (answer.url, h.get("cache-control"))


def test_every_answer_carries_the_headers(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": api_key, "service_code": "E0102", "lat": str(lat), "long": str(lon)}
    created = client.post("/open311/v2/requests.json", data=form)
    check(created, no_store=False)
    number = created.json()[0]["service_request_id"]
    route_batch(ctx, 10, now=ctx.store.get_by_number(number).created_at)
    dispatcher = users.add("d-1", "dispatcher", "all")
    check(client.get(f"/api/v1/tickets/{number}", headers=dispatcher), no_store=True)
    check(client.get("/api/v1/me"), no_store=True)  # a 401 too
    check(client.get("/media/" + "0" * 64 + ".jpg", headers=dispatcher), no_store=True)
    check(client.get("/open311/v2/requests.json"), no_store=False)
    check(client.get("/metrics"), no_store=False)
    check(client.get("/nowhere"), no_store=False)
    check(client.get("/console/login"), no_store=True)
    static = client.get("/console/static/console.css")
    check(static, no_store=False)
    assert static.headers["cache-control"] == "max-age=300"
    check(client.get("/docs"), no_store=False, docs=True)
    big = client.post("/open311/v2/requests.json", content=b"x" * (11 * 2**20),
                      headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert big.status_code == 413
    check(big, no_store=False)


def test_console_pages_have_no_inline_script_or_style(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": api_key, "service_code": "E0102", "lat": str(lat), "long": str(lon)}
    number = client.post("/open311/v2/requests.json", data=form).json()[0]["service_request_id"]
    worker = users.add("gw-1", "grid_worker", f"gw-{LUJIAZUI_L3}")
    client.post("/api/v1/onsite", headers=worker,
                data={"category": "E0104", "note": "ok", "lat": str(lat), "lon": str(lon)},
                files=[("photos", ("p.jpg", photo(), "image/jpeg"))])  # fmt: skip
    pages = {"/console/login": None}
    for role, paths in (
        ("dispatcher", ["/console/dispatch", "/console/dispatch?level=3&parent=310115005",
                        f"/console/tickets/{number}", "/console/tickets/E404"]),
        ("supervisor", ["/console/supervise", "/console/supervise?view=2&parent=310115005"]),
        ("grid_worker", ["/console/field", "/console/dispatch"]),
    ):  # fmt: skip
        client.cookies.clear()
        token = users.add(
            f"u-{role}", role, "all" if role != "grid_worker" else f"gw-{LUJIAZUI_L3}"
        )
        sign_in(client, token["Authorization"].removeprefix("Bearer "))
        for path in paths:
            page = client.get(path)
            assert page.status_code in (200, 403, 404), (path, page.status_code)
            check(page, no_store=True)
            assert not INLINE.findall(page.text), (path, INLINE.findall(page.text)[:3])
            pages[path] = page.status_code
    assert pages["/console/tickets/E404"] == 404 and pages["/console/dispatch"] == 403
