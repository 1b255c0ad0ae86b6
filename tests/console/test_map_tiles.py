"""The web map's vector tiles (gridops.web.console.map_tiles): signed in only, the grid's
content in the URL (a stale key is refused in words, a tile is immutable), gzipped, the desk's
map box pointing at them; plain-text refusals, never a traceback."""

from __future__ import annotations

import re

from grids.mvt_read import read  # tests/grids, beside this package

from gridops.grids import tiles
from gridops.grids.crs import to_grid_crs

from .conftest import LUJIAZUI_L3, TestClient, Users, sign_in


def template(client: TestClient) -> str:
    page = client.get("/console/dispatch?level=3&l1=310115005").text
    found = re.search(r'data-cells="([^"]+)"', page)
    assert found, "no data-cells on the desk"
    return found.group(1).replace("&amp;", "&")


def test_the_desk_draws_tiles_that_name_the_grid(client: TestClient, users: Users) -> None:
    sign_in(client, users.add("d-tiles", "dispatcher", "all"))
    url = template(client)
    assert re.fullmatch(r"/console/map/tiles/[0-9a-f]{16}/3/\{z\}/\{x\}/\{y\}\.mvt"
                        r"\?within=310115005", url), url  # fmt: skip
    grid = client.app.state.web.ctx.grid  # type: ignore[attr-defined]
    p = grid.cells[LUJIAZUI_L3].geometry.representative_point()
    x, y = tiles.tile_of(*to_grid_crs(p.x, p.y, grid.crs, "EPSG:4326"), 15)
    r = client.get(url.replace("{z}", "15").replace("{x}", str(x)).replace("{y}", str(y)))
    assert (
        r.status_code == 200 and r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    )
    assert "immutable" in r.headers["cache-control"] and r.headers["etag"]
    codes = {f["properties"]["code"] for f in read(r.content)["cells"]}
    assert LUJIAZUI_L3 in codes and all(c.startswith("310115005") for c in codes)


def test_tiles_go_gzipped(client: TestClient, users: Users) -> None:
    sign_in(client, users.add("d-gz", "dispatcher", "all"))
    grid = client.app.state.web.ctx.grid  # type: ignore[attr-defined]
    p = grid.cells[LUJIAZUI_L3].geometry.representative_point()
    x, y = tiles.tile_of(*to_grid_crs(p.x, p.y, grid.crs, "EPSG:4326"), 12)
    url = template(client).replace("{z}/{x}/{y}", f"12/{x}/{y}")
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in raw.headers and raw.content
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(raw.content) / 2
    assert packed.content == raw.content  # the client unpacked it: the same tile


def test_refusals_in_plain_text(client: TestClient, users: Users) -> None:
    assert client.get("/console/map/tiles/0000/3/1/0/0.mvt").status_code == 401
    sign_in(client, users.add("d-tiles-bad", "dispatcher", "all"))
    key = template(client).split("/")[4]
    for path, status, words in (
        (f"{key}/9/1/0/0.mvt", 400, "level must be 1…3"),
        (f"{key}/3/1/2/0.mvt", 400, "z/x/y a tile"),
        (f"{key}/3/30/0/0.mvt", 400, "z 0…22"),
        ("0123456789abcdef/3/1/0/0.mvt", 404, "reload the page"),
    ):
        r = client.get(f"/console/map/tiles/{path}")
        assert r.status_code == status and r.headers["content-type"].startswith("text/plain")
        assert words in r.text, (path, r.text)
