"""The web map, second round, in Chromium: the wall's map (shaded by open tickets, the newest
pins, no controls, kept across the wall's live swaps), the notes under a map when a coarser level
is drawn or a cap cut the pins (in the page's language), and the desk's map not fetching tiles
again that it holds or that the browser keeps.
Shots in zh and en under tests/artifacts/map/ (wall at 1920 and 390 px, notes at 1440 px)."""

from __future__ import annotations

from typing import Any

import pytest

from gridops.grids import tiles
from gridops.grids.crs import to_grid_crs
from gridops.web.console import map_tiles, map_views
from gridops.web.gzip_cache import GzipCache

from .browser import axe
from .conftest import Server
from .test_browser_map import L3, SHOTS, Session, report

pytestmark = pytest.mark.slow
WALL = "#wallmap"


def wall_ready(s: Session, pins: int = 1) -> None:
    s.page.wait_for_selector(f"{WALL}[data-ready='1']:not([hidden])")
    s.page.wait_for_function(
        """([box, pins]) => { const el = document.querySelector(box), d = el.dataset;
             return Number(d.cellsShown) > 0 && Number(d.pinsLoaded || 0) >= pins
               && el.map.loaded(); }""",
        arg=[WALL, pins],
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_wall_shows_open_tickets_on_a_still_map(
    browser: Any, server: Server, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        report(server, L3, f"wall {lang} {i}", seconds=50 + i)
    token = server.users.add(f"wall-map-{lang}", "supervisor", "all")
    monkeypatch.setattr(map_views, "WALL_PINS", 2)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1920, 390):
        s = Session(browser, server, token, width=width)
        s.page.set_viewport_size({"width": width, "height": 1080 if width > 600 else 844})
        s.page.goto(f"/console/wall?lang={lang}")
        wall_ready(s)
        assert s.page.locator("#wall-map-svg").is_hidden()
        assert s.page.locator(f"{WALL} .maplibregl-ctrl-zoom-in").count() == 0  # nothing to press
        shade = s.page.evaluate(
            "() => document.querySelector('#wallmap').map"
            ".getFeatureState({source: 'cells', sourceLayer: 'cells', id: '310115005'}).n"
        )
        assert shade >= 3  # 陆家嘴 is shaded by its open tickets
        total = int(s.page.get_attribute(WALL, "data-pins-total") or 0)
        assert s.page.get_attribute(WALL, "data-pins-shown") == "2" and total >= 3
        words = s.page.locator(".map-note[data-kind='pins']").inner_text()
        n = f"{total:,}"
        assert words == (f"地图标出最新的 2 件（未结案件共 {n} 件）" if lang == "zh"
                         else f"The map marks the newest 2 of {n} open tickets")  # fmt: skip
        assert s.page.evaluate("document.documentElement.scrollWidth") <= width
        s.page.screenshot(path=str(SHOTS / f"wall-{lang}-{width}.png"))
        size = s.page.evaluate(
            "document.querySelector('#wallmap').map.getLayoutProperty('labels', 'text-size')"
        )
        assert size == (16 if width == 1920 else 12)  # read from across the room
        if width > 600:  # the wall's live swap keeps the map, which follows the new ticket
            s.page.evaluate("document.querySelector('#wallmap').kept = 'yes'")
            loaded = int(s.page.get_attribute(WALL, "data-pins-loaded") or 0)
            report(server, L3, f"wall live {lang}", seconds=60)
            s.page.wait_for_function(
                "(n) => Number(document.querySelector('#wallmap').dataset.pinsTotal) === n",
                arg=total + 1,
            )
            assert s.page.evaluate("document.querySelector('#wallmap').kept") == "yes"
            assert int(s.page.get_attribute(WALL, "data-pins-loaded") or 0) > loaded
            assert s.page.locator(WALL).count() == 1
        assert s.csp == []
        s.close()
    a = Session(browser, server, token, width=1920, axe=True)
    a.page.goto(f"/console/wall?lang={lang}")
    wall_ready(a)
    assert axe(a.page) == []
    a.close()


TILES = "() => Number(document.getElementById('glmap').dataset.tilesAsked || 0)"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_coarser_level_and_a_cap_are_said_under_the_desks_map(
    browser: Any, server: Server, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a screen would hold more cells of the view's level than SCREEN_CELLS, the tiles
    hold the level above and a note says to zoom in; zoomed in, the unit cells and no note."""
    for i in range(3):
        report(server, L3, f"cap {lang} {i}", seconds=70 + i)
    monkeypatch.setattr(map_views, "PIN_CAP", 2)
    monkeypatch.setattr(tiles, "SCREEN_CELLS", 20)
    monkeypatch.setattr(tiles, "_spread", {})
    monkeypatch.setattr(
        map_tiles, "TILES", GzipCache(map_tiles.TILES_BYTES)
    )  # none made under the usual rule
    token = server.users.add(f"map-cap-{lang}", "dispatcher", "all")
    s = Session(browser, server, token)
    s.page.goto(f"/console/dispatch?queue=new&level=3&lang={lang}")  # the whole district
    s.ready()
    assert int(s.page.get_attribute("#glmap", "data-cells-level") or 0) < 3
    cells = s.page.locator(".map-note[data-kind='cells']").inner_text()
    pins = s.page.locator(".map-note[data-kind='pins']").inner_text()
    total = s.page.get_attribute("#page-info", "data-total")
    if lang == "zh":
        assert cells == "此缩放级别下地图画的是上级网格：放大后显示每个网格"
        assert pins == f"地图只标出了 {2} 件案件（列表共 {total} 件）：请用筛选缩小范围"
    else:
        assert (
            cells == "At this zoom the map draws a higher level's cells: zoom in to see each cell"
        )
        assert pins == (f"The map marks 2 of the list's {total} tickets: narrow the list "
                        "with a filter to see them all")  # fmt: skip
    s.page.locator("#map-panel").screenshot(path=str(SHOTS / f"desk-coarser-{lang}.png"))
    p = server.ctx.grid.cells[L3].geometry.representative_point()
    spot = list(to_grid_crs(p.x, p.y, server.ctx.grid.crs, "EPSG:4326"))
    s.page.evaluate("""(p) => new Promise(done => { const m = document.getElementById('glmap').map;
        m.once('idle', () => done()); m.jumpTo({center: p, zoom: 16.5}); })""", spot)  # fmt: skip
    s.page.wait_for_function("() => document.getElementById('glmap').dataset.cellsLevel === '3'")
    assert s.page.locator(".map-note[data-kind='cells']").count() == 0
    s.close()


def test_tiles_seen_are_not_fetched_again(browser: Any, server: Server) -> None:
    token = server.users.add("map-pan", "dispatcher", "all")
    s = Session(browser, server, token)
    s.page.goto("/console/dispatch?queue=new&level=3&l1=310115005")
    s.ready()
    move = """(how) => new Promise(done => { const m = document.getElementById('glmap').map;
        m.once('idle', () => done(Math.floor(m.getZoom())));
        if (how === 'pan') m.panBy([300, 200], {duration: 0});
        else if (how === 'back') m.panBy([-300, -200], {duration: 0});
        else m.zoomTo(m.getZoom() - 2, {duration: 0});
    })"""
    first = s.page.evaluate(TILES)
    assert first > 0
    s.page.evaluate(move, "pan")
    s.page.evaluate(move, "back")
    panned = s.page.evaluate(TILES)
    s.page.evaluate(move, "pan")
    s.page.evaluate(move, "back")
    assert s.page.evaluate(TILES) == panned  # the map holds what it has drawn
    s.page.evaluate(move, "out")  # two steps out: tiles of a coarser zoom
    assert s.page.evaluate(TILES) > panned
    s.close()


def test_a_tile_is_kept_by_the_browser(
    browser: Any, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiles carry the grid's content in their URL: a second visit takes them from the
    browser's cache, and none reaches the server."""
    served: list[tuple[Any, ...]] = []
    keep = map_tiles.kept_tile

    def counted(key: tuple[Any, ...], make: Any) -> tuple[bytes, bytes]:
        served.append(key)
        return keep(key, make)

    monkeypatch.setattr(map_tiles, "kept_tile", counted)
    token = server.users.add("map-cache", "dispatcher", "all")
    s = Session(browser, server, token)
    s.page.goto("/console/dispatch?queue=new&level=3&l1=310115005")
    s.ready()
    first = len(served)
    assert first > 0
    s.page.goto("/console/dispatch?queue=new&level=3&l1=310115005")
    s.ready()
    assert int(s.page.evaluate(TILES)) > 0 and len(served) == first
    s.close()
