"""Open311 GETs leave staff's own reports out (SQLite and PostgreSQL) — or, with
GRIDOPS_OPEN311_SELF_REPORTS=redact, show them without their description and photo; public
reports are shown as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis

from gridops.services.context import ServiceContext
from gridops.web.app import create_app

from .conftest import (
    BOTH_DATABASES,
    LUJIAZUI_L3,
    NOW,
    TestClient,
    Users,
    context_on,
    photo,
    wgs84_point_in,
)

SECRET = "巡查发现: 3号楼后门堆放建筑垃圾"  # staff's own words: not for the public


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
        ) -> Iterator[ServiceContext]:  # fmt: skip
    yield from context_on(request, tmp_path, redis_server)


def reports(client: TestClient, ctx: ServiceContext, users: Users, api_key: str) -> tuple[str, str]:
    """(a public report's number, a grid worker's on-site self-report's number)."""
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    public = client.post("/open311/v2/requests.json", data={
        "api_key": api_key, "service_code": "E0102", "lat": str(lat), "long": str(lon),
        "description": "路边有垃圾"})  # fmt: skip
    assert public.status_code == 200, public.text
    worker = users.add("gw-1", "grid_worker", "gw-310115005001001")
    own = client.post(
        "/api/v1/onsite", headers=worker,
        data={"category": "E0104", "note": "当场清理", "lat": str(lat), "lon": str(lon),
              "description": SECRET},
        files=[("photos", ("p.jpg", photo(), "image/jpeg"))],
    )  # fmt: skip
    assert own.status_code == 200, own.text
    return public.json()[0]["service_request_id"], own.json()["number"]


def test_self_reports_are_left_out_of_open311(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    public, own = reports(client, ctx, users, api_key)
    listed = client.get("/open311/v2/requests.json", params={"extensions": "true"})
    assert [r["service_request_id"] for r in listed.json()] == [public]
    assert SECRET not in listed.text
    one = client.get(f"/open311/v2/requests/{own}.json")
    assert one.status_code == 404 and SECRET not in one.text
    by_token = client.get(f"/open311/v2/tokens/{ctx.store.get_by_number(own).id}.json")
    assert by_token.status_code == 404
    assert client.get(f"/open311/v2/requests/{public}.json").status_code == 200


def test_redacted_self_reports_are_shown_without_description_or_photo(
    ctx: ServiceContext, users: Users, api_key: str
) -> None:
    from dataclasses import replace

    redacting = replace(ctx, settings=replace(ctx.settings, open311_self_reports="redact"))
    with TestClient(create_app(redacting, clock=lambda: NOW)) as client:
        public, own = reports(client, ctx, users, api_key)
        listed = client.get("/open311/v2/requests.json").json()
        assert {r["service_request_id"] for r in listed} == {public, own}
        shown = client.get(f"/open311/v2/requests/{own}.json").json()[0]
        assert shown.get("description") is None and shown.get("media_url") is None
        assert SECRET not in client.get("/open311/v2/requests.xml").text
        assert client.get(f"/open311/v2/requests/{public}.json").json()[0]["description"]
