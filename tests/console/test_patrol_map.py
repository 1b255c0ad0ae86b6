"""The day's patrol tracks on the supervisor's patrols page: GeoJSON lines in the display's
system, each in its walker's colour; the page's map box asks for them; refusals in plain text."""

from __future__ import annotations

from gridops.services.context import ServiceContext
from gridops.services.patrols import record

from .conftest import LUJIAZUI_L3, NOW, TestClient, Users, point_in, sign_in


def walked(ctx: ServiceContext, user: str = "gw-walk", east: float = 0.0) -> None:
    lon, lat = point_in(ctx, LUJIAZUI_L3)
    ms = int(NOW.timestamp() * 1000)
    points = [[lon + east, lat, ms], [lon + east + 0.0005, lat, ms + 60_000],
              [lon + east + 0.001, lat + 0.0003, ms + 120_000]]  # fmt: skip
    record(ctx, user, f"walk-{user}", points=points, started_ms=ms, ended_ms=ms + 130_000)


def test_the_days_tracks_are_lines_in_their_walkers_colours(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    assert client.get("/console/patrols/tracks.geojson").status_code == 401
    walked(ctx)
    walked(ctx, "gw-other", east=0.0002)
    sign_in(client, users.add("s-walk", "supervisor", "all"))
    page = client.get("/console/patrols?day=2026-11-24").text
    assert (
        'id="tracks-map"' in page
        and 'data-tracks="/console/patrols/tracks.geojson?day=2026-11-24"' in page
    )
    assert 'class="swatch c0"' in page and 'class="swatch c1"' in page
    r = client.get("/console/patrols/tracks.geojson?day=2026-11-24")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    lines = r.json()["features"]
    assert sorted(f["properties"]["user"] for f in lines) == ["gw-other", "gw-walk"]
    assert all(f["geometry"]["type"] == "LineString" for f in lines)
    assert [len(f["geometry"]["coordinates"]) for f in lines] == [3, 3]
    assert len({f["properties"]["colour"] for f in lines}) == 2
    lon, lat = lines[0]["geometry"]["coordinates"][0]
    assert 121 < lon < 122 and 31 < lat < 32  # Pudong, in the display's lon/lat
    assert client.get("/console/patrols/tracks.geojson?day=2026-11-25").json()["features"] == []
    bad = client.get("/console/patrols/tracks.geojson?day=soon")
    assert bad.status_code == 400 and "soon" in bad.text
    none = client.get("/console/patrols?day=2026-11-25").text
    assert 'id="tracks-map"' not in none  # no walks: the page says so, no empty map


def test_a_field_worker_may_not_read_the_tracks(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    walked(ctx)
    sign_in(client, users.add("w-1", "field_staff", "sc-310115005"))
    r = client.get("/console/patrols/tracks.geojson?day=2026-11-24")
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/plain")
