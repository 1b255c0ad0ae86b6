"""Photos are shown to those who may read their ticket (SQLite and PostgreSQL), and a photo of a
ticket one may not read is refused as a photo that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis

from gridops.services.context import ServiceContext

from .conftest import (
    BOTH_DATABASES,
    LUJIAZUI_L3,
    TestClient,
    Users,
    context_on,
    photo,
    wgs84_point_in,
)

UNIT = "gw-310115005001001"


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
        ) -> Iterator[ServiceContext]:  # fmt: skip
    yield from context_on(request, tmp_path, redis_server)


def test_a_photo_is_shown_to_its_tickets_readers_only(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    worker = users.add("gw-1", "grid_worker", UNIT)
    made = client.post(
        "/api/v1/onsite", headers=worker,
        data={"category": "E0102", "note": "当场清理", "lat": str(lat), "lon": str(lon)},
        files=[("photos", ("p.jpg", photo(), "image/jpeg"))],
    )  # fmt: skip
    assert made.status_code == 200, made.text
    [name] = made.json()["media"]
    readers = [worker, users.add("d-005", "dispatcher", "sc-310115005"),
               users.add("d-all", "dispatcher", "all")]  # fmt: skip
    for headers in readers:
        shown = client.get(f"/media/{name}", headers=headers)
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    ghost = "0" * 64 + ".jpg"
    for role, units in (("dispatcher", "sc-310115004"), ("grid_worker", "gw-310115004001001"),
                        ("inspector", "sc-310115004")):  # fmt: skip
        other = users.add(f"x-{role}", role, units)
        refused = client.get(f"/media/{name}", headers=other)
        missing = client.get(f"/media/{ghost}", headers=other)
        assert refused.status_code == missing.status_code == 403, (role, refused.text)
        assert refused.json()["detail"].replace(name, "P") == missing.json()["detail"].replace(
            ghost, "P"
        )
    assert client.get(f"/media/{ghost}", headers=readers[2]).status_code == 404
    # the fix waits for its check (核查): the area's inspector, who checks it, sees its photo
    checker = users.add("insp-005", "inspector", "sc-310115005")
    assert client.get(f"/media/{name}", headers=checker).status_code == 200
    admin = users.add("root", "admin")
    assert client.get(f"/media/{name}", headers=admin).status_code == 403
    assert client.get(f"/media/{name}").status_code == 401
