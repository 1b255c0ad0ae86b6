"""The wall's map (map_views.wall_map / wall.geojson): open tickets shaded by cell and the
newest as pins, in the reader's scope, for the wall's own readers; a big grid's map layers
built at start (start_warming); the cap of the cells said in the answer (matched, limit)."""

from __future__ import annotations

import re

from gridops.grids import vector
from gridops.services.context import ServiceContext
from gridops.web.console import map_views
from gridops.web.gzip_cache import GzipCache

from .conftest import LUJIAZUI_L3, TestClient, Users, sign_in
from .test_desk import many

ZHANGJIANG_L3 = "310115125001001"


def test_the_wall_map_shades_open_tickets_and_pins_the_newest(
    client: TestClient, ctx: ServiceContext, users: Users, monkeypatch
) -> None:
    lujiazui = many(ctx, 3, LUJIAZUI_L3)
    zhangjiang = many(ctx, 2, ZHANGJIANG_L3)
    assert client.get("/console/map/wall.geojson").status_code == 401
    sign_in(client, users.add("s-wall", "supervisor", "all"))
    page = client.get("/console/wall").text
    box = re.search(r'<div class="glmap" id="wallmap"[^>]*>', page)
    assert box and 'data-still="1"' in box[0] and "data-keep" in box[0]
    assert 'data-pins="/console/map/wall.geojson?level=1"' in box[0]
    assert 'data-level="1"' in box[0]
    pins = client.get("/console/map/wall.geojson?level=1").json()
    assert pins["counts"] == {"310115005": 3, "310115125": 2} and pins["total"] == 5
    numbers = [f["properties"]["number"] for f in pins["features"]]
    assert sorted(numbers) == sorted([*lujiazui, *zhangjiang])
    assert numbers.index(lujiazui[2]) < numbers.index(lujiazui[0])  # the newest first
    level3 = client.get("/console/map/wall.geojson?level=3").json()
    assert level3["counts"] == {LUJIAZUI_L3: 3, ZHANGJIANG_L3: 2} and level3["total"] == 5
    monkeypatch.setattr(map_views, "WALL_PINS", 2)
    capped = client.get("/console/map/wall.geojson").json()
    assert capped["shown"] == 2 and capped["total"] == 5
    assert [f["properties"]["number"] for f in capped["features"]] == numbers[:2]


def test_the_wall_map_keeps_to_the_readers_street(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    many(ctx, 3, LUJIAZUI_L3)
    mine = many(ctx, 2, ZHANGJIANG_L3)
    sign_in(client, users.add("s-sc", "supervisor", "sc-310115125"))
    box = re.search(r'<div class="glmap" id="wallmap"[^>]*>', client.get("/console/wall").text)
    assert box and 'data-level="2"' in box[0] and 'data-within="310115125"' in box[0]
    pins = client.get("/console/map/wall.geojson?level=2").json()
    assert {f["properties"]["number"] for f in pins["features"]} == set(mine)
    assert pins["counts"] == {ZHANGJIANG_L3[:12]: 2} and pins["total"] == 2


def test_the_wall_map_is_for_the_walls_readers(client: TestClient, users: Users) -> None:
    sign_in(client, users.add("f-wall", "field_staff", "all"))
    r = client.get("/console/map/wall.geojson")
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/plain")
    sign_in(client, users.add("s-bad", "supervisor", "all"))
    for bad in ("level=0", "level=x", "level=9"):
        r = client.get(f"/console/map/wall.geojson?{bad}")
        assert r.status_code == 400 and "level must be 1…3" in r.text


def test_the_cells_answer_says_what_the_cap_cut(
    client: TestClient, users: Users, monkeypatch
) -> None:
    sign_in(client, users.add("d-cap", "dispatcher", "all"))
    whole = client.get("/console/map/cells.geojson?level=1&z=9").json()
    assert whole["truncated"] is False and whole["matched"] == len(whole["features"]) == 36
    monkeypatch.setattr(vector, "MAX_FEATURES", 10)
    capped = client.get("/console/map/cells.geojson?level=1&z=9").json()
    assert capped["truncated"] is True and capped["matched"] == 36
    assert len(capped["features"]) == 10 and capped["limit"] == 10


def test_a_big_grid_is_warmed_at_start(ctx: ServiceContext, monkeypatch) -> None:
    assert map_views.start_warming(ctx) is None  # the sample grid is built on demand
    monkeypatch.setattr(map_views, "WARM_FROM", 1)
    monkeypatch.setattr(vector, "_cache", {})
    monkeypatch.setattr(vector, "_keys", {})
    thread = map_views.start_warming(ctx)
    assert thread is not None
    thread.join()
    assert {key[1] for key in vector._cache if key[0] == id(ctx.grid)} == {1, 2, 3}
    # the content key: a packed grid's is its pack's key, a grid read from files is digested
    assert vector.content_key(ctx.grid)
    assert ctx.grid.key or id(ctx.grid) in vector._keys


def test_a_cells_answer_is_made_once_per_view(
    client: TestClient, users: Users, monkeypatch
) -> None:
    made = []
    real = map_views.features

    def counted(*args, **kw):  # type: ignore[no-untyped-def]
        made.append(kw.get("zoom"))
        return real(*args, **kw)

    monkeypatch.setattr(map_views, "features", counted)
    monkeypatch.setattr(map_views, "ANSWERS", GzipCache(map_views.ANSWERS_BYTES))
    sign_in(client, users.add("d-twice", "dispatcher", "all"))
    query = "/console/map/cells.geojson?level=3&z=13&bbox=121.49,31.22,121.52,31.25"
    first, again = client.get(query), client.get(query)
    assert first.content == again.content and len(made) == 1
    assert again.headers["content-encoding"] == "gzip" and again.json()["features"]
    plain = client.get(query, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == again.json()
    client.get(query.replace("z=13", "z=14"))
    assert len(made) == 2  # another zoom is another answer
    monkeypatch.setattr(map_views.ANSWERS, "max_bytes", 1)
    client.get(query.replace("z=13", "z=15"))
    assert len(map_views.ANSWERS) == 1  # only the newest is kept past the budget
