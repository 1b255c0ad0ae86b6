"""The web map's data (gridops.web.console.map_views): cells by level, box and zoom with an
ETag; pins under the desk's own query (so map and list count the same tickets, within the
reader's scope); a sub-centre dispatcher's home 街镇; plain-text refusals, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gridops.errors import ConfigError
from gridops.services.context import ServiceContext
from gridops.settings import load_settings
from gridops.tickets import Role
from gridops.web.console.map_views import home_l1
from gridops.web.headers import headers_for
from gridops.web.permissions import ALL, Principal

from .conftest import LUJIAZUI_L3, TestClient, Users, sign_in
from .test_desk import many

ZHANGJIANG_L3 = "310115125001001"


def test_cells_by_level_box_and_zoom_with_an_etag(client: TestClient, users: Users) -> None:
    assert client.get("/console/map/cells.geojson").status_code == 401
    sign_in(client, users.add("d-cells", "dispatcher", "all"))
    r = client.get("/console/map/cells.geojson?level=1&z=9")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    assert len(r.json()["features"]) == 36
    again = client.get("/console/map/cells.geojson?level=1&z=9",
                       headers={"If-None-Match": r.headers["etag"]})  # fmt: skip
    assert again.status_code == 304
    some = client.get("/console/map/cells.geojson?level=3&z=15&within=310115005"
                      "&bbox=121.49,31.22,121.52,31.25").json()["features"]  # fmt: skip
    assert some and all(f["properties"]["code"].startswith("310115005") for f in some)


@pytest.mark.parametrize(
    ("query", "words"),
    [("level=7", "level must be 1…3"), ("z=x", "z a number"),
     ("bbox=1,2,3", "bbox '1,2,3' must be west,south,east,north"),
     ("bbox=5,0,1,1", "must be west,south,east,north")],
)  # fmt: skip
def test_bad_cell_queries_are_named_in_plain_text(
    client: TestClient, users: Users, query: str, words: str
) -> None:
    sign_in(client, users.add("d-bad", "dispatcher", "all"))
    r = client.get(f"/console/map/cells.geojson?{query}")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert words in r.text


def test_pins_follow_the_desks_query_and_scope(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    lujiazui = many(ctx, 3, LUJIAZUI_L3)
    zhangjiang = many(ctx, 2, ZHANGJIANG_L3)
    sign_in(client, users.add("d-all", "dispatcher", "all"))
    pins = client.get("/console/map/pins.geojson?queue=new").json()
    assert pins["total"] == pins["shown"] == 5
    assert {f["properties"]["number"] for f in pins["features"]} == {*lujiazui, *zhangjiang}
    assert pins["counts"] == {"310115005": 3, "310115125": 2}  # level 1 by default
    desk = client.get("/console/dispatch?queue=new&cell=310115125&level=3").text
    assert re.search(r'data-total="2"', desk)
    pins = client.get("/console/map/pins.geojson?queue=new&cell=310115125&level=3").json()
    assert pins["total"] == 2 and pins["counts"] == {ZHANGJIANG_L3: 2}
    searched = client.get(f"/console/map/pins.geojson?queue=new&q={lujiazui[0]}").json()
    assert [f["properties"]["number"] for f in searched["features"]] == [lujiazui[0]]


def test_a_sub_centre_dispatcher_sees_and_starts_on_their_own_street(
    client: TestClient,
    ctx,
    users: Users,
) -> None:
    many(ctx, 3, LUJIAZUI_L3)
    many(ctx, 2, ZHANGJIANG_L3)
    sign_in(client, users.add("d-sc", "dispatcher", "sc-310115125"))
    pins = client.get("/console/map/pins.geojson?queue=new").json()
    assert pins["total"] == 2 and pins["level"] == 2
    assert all(c.startswith("310115125") for c in pins["counts"])
    page = client.get("/console/dispatch").text
    assert 'data-within="310115125"' in page and 'data-level="2"' in page
    assert 'id="level-2" class="on"' in page  # the SVG fallback starts there too


def test_field_staff_get_no_pins(client: TestClient, users: Users) -> None:
    sign_in(client, users.add("g-1", "grid_worker", f"gw-{LUJIAZUI_L3}"))
    r = client.get("/console/map/pins.geojson")
    assert r.status_code == 403 and "may not read the dispatch queues" in r.text


def test_home_l1(ctx: ServiceContext) -> None:
    org = ctx.ops.org

    def me(*units: str) -> Principal:
        return Principal("u", Role.DISPATCHER, ALL if units == ("all",) else frozenset(units))

    assert home_l1(org, me("all")) == ""
    assert home_l1(org, me("sc-310115125")) == "310115125"
    assert home_l1(org, me("sc-310115125", "sc-310115005")) == ""
    assert home_l1(org, me("district-centre")) == ""


def test_the_basemaps_host_is_the_one_other_origin() -> None:
    csp = headers_for("/console/dispatch", ("http://tiles.example.cn",))["Content-Security-Policy"]
    assert "img-src 'self' http://tiles.example.cn;" in csp
    assert "connect-src 'self' http://tiles.example.cn;" in csp
    assert "script-src 'self';" in csp  # nothing else loosened
    api = headers_for("/api/v1/tickets", ("http://tiles.example.cn",))["Content-Security-Policy"]
    assert "tiles.example.cn" not in api


def test_a_bad_basemap_setting_stops_the_start(tmp_path: Path) -> None:
    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_BASEMAP_URL": "https://t.cn/{z}/{x}/{y}"}
    assert load_settings(env).basemap_url == "https://t.cn/{z}/{x}/{y}"
    with pytest.raises(ConfigError, match="GRIDOPS_BASEMAP_CRS"):
        load_settings(env | {"GRIDOPS_BASEMAP_CRS": "MARS"})
    with pytest.raises(ConfigError, match="GRIDOPS_BASEMAP_URL"):
        load_settings(env | {"GRIDOPS_BASEMAP_URL": "tiles/{z}"})
