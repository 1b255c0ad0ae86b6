"""The web map in Chromium (MapLibre GL JS, vendored): without a basemap the grid is the map;
with one, tiles come from a local tile server this test starts (PNGs made with Pillow, each
marking where a known point lies in the tiles' own CRS) and the ticket's pin lands on that mark
for every CRS; nothing is fetched from any other host. On the desk: pins are links to their
tickets, a click on a cell filters the list to it, map and list count the same tickets, the
pins follow live updates, and a sub-centre dispatcher starts on their own 街镇. Shots in zh
and en at 1440 and 390 px under tests/artifacts/map/; axe-core: no critical or serious."""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from gridops.grids.crs import to_grid_crs
from gridops.services.intake import IntakeReport, submit
from gridops.tickets import Role, Source

from .browser import axe
from .conftest import ARTIFACTS, NOW, Server

pytestmark = pytest.mark.slow
SHOTS = ARTIFACTS / "map"
L3 = "310115005001001"  # in 陆家嘴 (310115005)
RED = (230, 0, 0)


def mercator_px(lon: float, lat: float, z: int) -> tuple[float, float]:
    """The global Web-Mercator pixel of (lon, lat) at zoom ``z`` (256 px tiles)."""
    n = 256 * 2**z
    s = math.sin(math.radians(lat))
    return (lon + 180) / 360 * n, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n


class Tiles:
    """A local tile server: grey tiles with a grid of lines, and a red ring around ``mark``
    (lon, lat in the tiles' CRS) wherever it falls; every path asked for is kept."""

    def __init__(self) -> None:
        self.mark: tuple[float, float] | None = None
        self.asked: list[str] = []
        tiles = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                tiles.asked.append(self.path)
                found = re.fullmatch(r"/t/(\d+)/(\d+)/(\d+)\.png", self.path)
                if not found:
                    self.send_error(404)
                    return
                body = tiles.tile(*(int(v) for v in found.groups()))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def tile(self, z: int, x: int, y: int) -> bytes:
        from PIL import Image, ImageDraw

        img = Image.new("RGB", (256, 256), (214, 218, 222))
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 0, 255, 255), outline=(180, 186, 192))
        if self.mark is not None:
            px, py = mercator_px(*self.mark, z)
            cx, cy = px - x * 256, py - y * 256
            if -40 < cx < 296 and -40 < cy < 296:
                draw.ellipse((cx - 22, cy - 22, cx + 22, cy + 22), outline=RED, width=5)
        out = io.BytesIO()
        img.save(out, "PNG")
        return out.getvalue()


@pytest.fixture(scope="module")
def tiles() -> Iterator[Tiles]:
    t = Tiles()
    yield t
    t.httpd.shutdown()
    t.httpd.server_close()


@pytest.fixture(autouse=True)
def no_basemap(server: Server) -> Iterator[None]:
    yield
    state = server.app.state.web
    state.ctx = replace(state.ctx, settings=replace(state.ctx.settings, basemap_url=""))


def use_basemap(server: Server, url: str, crs: str) -> None:
    state = server.app.state.web
    settings = replace(state.ctx.settings, basemap_url=url, basemap_crs=crs,
                       basemap_attribution="© 测试底图 test tiles")  # fmt: skip
    state.ctx = replace(state.ctx, settings=settings)


def report(server: Server, l3: str, description: str, seconds: int = 0) -> str:
    ctx = server.ctx
    p = ctx.grid.cells[l3].geometry.representative_point()
    [t] = submit(
        ctx,
        [IntakeReport(category="E0102", lon=p.x + seconds * 1e-6, lat=p.y, crs=ctx.grid.crs,
                      description=description, source=Source.HOTLINE)],
        actor="apikey:hotline", role=Role.PUBLIC,
        now=NOW - timedelta(minutes=30) + timedelta(seconds=seconds),
    )  # fmt: skip
    return t.number


class Session:
    """A signed-in page that records every host it asks and every CSP complaint."""

    def __init__(
        self, browser: Any, server: Server, token: str, width: int = 1440, axe: bool = False
    ) -> None:
        height = 900 if width > 600 else 844
        self.context = browser.new_context(base_url=server.url, bypass_csp=axe,
                                           viewport={"width": width, "height": height})  # fmt: skip
        self.page = self.context.new_page()
        self.hosts: set[str] = set()
        self.csp: list[str] = []
        self.page.on("request", lambda r: self.hosts.add(urlsplit(r.url).netloc))
        self.page.on("console", lambda m: self.csp.append(m.text)
                     if "Content Security Policy" in m.text else None)  # fmt: skip
        self.page.goto("/console/login")
        self.page.fill("#token", token)
        self.page.click("#login")
        self.page.wait_for_load_state()

    def ready(self, box: str = "#glmap", pins: int = 1) -> None:
        """Wait until the map has drawn its cells and loaded its pins ``pins`` times."""
        self.page.wait_for_selector(f"{box}[data-ready='1']:not([hidden])")
        self.page.wait_for_function(
            """([box, pins]) => { const el = document.querySelector(box), d = el.dataset;
                 return Number(d.cellsShown) > 0 && Number(d.pinsLoaded || d.pinsShown || 0) >= pins
                   && el.map.loaded() && el.map.areTilesLoaded(); }""",
            arg=[box, pins],
        )

    def close(self) -> None:
        self.context.close()


def pin_xy(page: Any, number: str) -> tuple[float, float]:
    """Where the pin of ``number`` is drawn on the page (CSS px)."""
    return tuple(page.evaluate(
        """(n) => { const box = document.getElementById('glmap'); const m = box.map;
             const f = m.querySourceFeatures('pins').find(f => f.properties.number === n);
             box.scrollIntoView({block: 'center'});
             const p = m.project(f.geometry.coordinates); const r = box.getBoundingClientRect();
             return [r.left + p.x, r.top + p.y]; }""",
        number,
    ))  # fmt: skip


def is_red(r: int, g: int, b: int) -> bool:
    return r > 200 and g < 60 and b < 60


def is_pin_blue(r: int, g: int, b: int) -> bool:
    return r < 60 and 90 < g < 130 and b > 200  # #1f6feb


def centre(png: bytes, match: Any) -> tuple[float, float]:
    """The centre of the box around the pixels ``match`` finds in a screenshot."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    px = img.load()
    found = [(x, y) for y in range(img.height) for x in range(img.width) if match(*px[x, y])]
    assert len(found) > 20, f"nothing {match.__name__} in the shot"
    xs, ys = [p[0] for p in found], [p[1] for p in found]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def test_without_a_basemap_the_grid_is_the_map(browser: Any, server: Server) -> None:
    number = report(server, L3, "井盖缺失 map test")
    token = server.users.add("map-disp", "dispatcher", "all")
    s = Session(browser, server, token)
    s.page.goto("/console/dispatch?queue=new")
    s.ready()
    assert s.page.locator("#map-fallback").is_hidden()
    shown = s.page.evaluate("document.getElementById('glmap').map.queryRenderedFeatures("
                            "{layers: ['labels']}).length")  # fmt: skip
    assert shown > 0, "no cell labels drawn"
    total = s.page.get_attribute("#page-info", "data-total")
    assert s.page.get_attribute("#glmap", "data-pins-total") == total != "0"
    assert s.hosts == {urlsplit(server.url).netloc}
    assert s.csp == []
    x, y = pin_xy(s.page, number)
    with s.page.expect_navigation():
        s.page.mouse.click(x, y)
    assert s.page.url.endswith(f"/console/tickets/{number}")
    s.close()


@pytest.mark.parametrize("crs", ["WGS84", "GCJ-02", "BD-09", "EPSG:4214"])
def test_the_pin_lands_on_the_basemaps_street(
    browser: Any, server: Server, tiles: Tiles, crs: str
) -> None:
    """The ticket page's mini-map on a basemap in ``crs``: the tile server rings where the
    ticket's point lies in that CRS; the pin is drawn inside the ring (±3 px)."""
    number = report(server, L3, f"pixel test {crs}", seconds=7)
    ticket = server.ctx.store.get_by_number(number)
    wgs = to_grid_crs(ticket.point_lon, ticket.point_lat, server.ctx.grid.crs, "EPSG:4326")
    tiles.mark = to_grid_crs(*wgs, "EPSG:4326", crs)
    use_basemap(server, tiles.url + "/t/{z}/{x}/{y}.png", crs)
    tiles.asked.clear()
    token = server.users.add(f"map-pixel-{crs.replace(':', '')}", "dispatcher", "all")
    s = Session(browser, server, token, width=900)
    s.page.goto(f"/console/tickets/{number}")
    s.ready("#minimap")
    zoom = s.page.evaluate("""() => new Promise(done => {
        const box = document.getElementById('minimap'), m = box.map;
        m.once('idle', () => done(m.getZoom()));
        m.jumpTo({center: JSON.parse(box.dataset.pin), zoom: 17});
    })""")
    assert zoom == 17
    box = s.page.locator("#minimap")
    shot = box.screenshot()
    ring, pin = centre(shot, is_red), centre(shot, is_pin_blue)
    assert abs(ring[0] - pin[0]) <= 3 and abs(ring[1] - pin[1]) <= 3, (crs, ring, pin)
    if crs in ("GCJ-02", "BD-09"):  # unconverted, the pin would be hundreds of px off
        raw = s.page.evaluate("(p) => document.getElementById('minimap').map.project(p)",
                              list(wgs))  # fmt: skip
        assert math.dist((raw["x"], raw["y"]), pin) > 100
    assert max(int(p.split("/")[2]) for p in tiles.asked) >= 17  # the street-level tiles
    assert s.hosts == {urlsplit(server.url).netloc, urlsplit(tiles.url).netloc}
    assert s.csp == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"mini-{crs.replace(':', '')}.png").write_bytes(shot)
    s.close()


def away_from_pins(server: Server, l3: str) -> tuple[float, float]:
    """A point well inside cell ``l3`` (grid CRS), as far as can be from where report() puts
    its pins (the cell's representative point)."""
    import shapely

    cell = server.ctx.grid.cells[l3].geometry
    pins = cell.representative_point()
    inner = cell.buffer(-0.0002)
    w, s, e, n = inner.bounds
    points = [shapely.Point(w + (e - w) * i / 20, s + (n - s) * j / 20)
              for i in range(21) for j in range(21)]  # fmt: skip
    best = max((p for p in points if inner.contains(p)), key=pins.distance)
    return best.x, best.y


def centre_on(page: Any, spot: tuple[float, float], zoom: int) -> list[float]:
    """Put ``spot`` (WGS84) in the web map's centre at ``zoom``: the page's pixel there."""
    return page.evaluate(
        """([p, z]) => { const box = document.getElementById('glmap'), m = box.map;
             m.jumpTo({center: p, zoom: z}); box.scrollIntoView({block: 'center'});
             const r = box.getBoundingClientRect();
             return [r.left + r.width / 2, r.top + r.height / 2]; }""",
        [list(spot), zoom],
    )


def test_a_cell_click_filters_the_list_and_the_map_agrees(browser: Any, server: Server) -> None:
    for i in range(3):
        report(server, L3, f"cell click {i}", seconds=20 + i)
    report(server, "310115125001001", "elsewhere", seconds=30)  # 张江镇
    token = server.users.add("map-cell", "dispatcher", "all")
    s = Session(browser, server, token)
    s.page.goto("/console/dispatch?queue=new&level=3&l1=310115005")
    s.ready()
    spot = to_grid_crs(*away_from_pins(server, L3), server.ctx.grid.crs, "EPSG:4326")
    where = centre_on(s.page, spot, 16)
    s.page.wait_for_function("() => document.getElementById('glmap').map.loaded()")
    hit = s.page.evaluate(
        """([x, y]) => { const box = document.getElementById('glmap');
             const r = box.getBoundingClientRect();
             return box.map.queryRenderedFeatures([x - r.left, y - r.top],
                                                  {layers: ['cells', 'pins', 'clusters']})
               .map(f => f.layer.id + ':' + (f.properties.code || '')); }""",
        where,
    )  # fmt: skip
    assert f"cells:{L3}" in hit and not any(h.startswith(("pins", "clusters")) for h in hit), hit
    with s.page.expect_navigation():
        s.page.mouse.click(*where)
    assert f"cell={L3}" in s.page.url
    s.ready()
    total = s.page.get_attribute("#page-info", "data-total")
    assert total == s.page.get_attribute("#glmap", "data-pins-total")
    assert int(total or 0) >= 3 and s.page.locator("#queue-table tr[data-number]").count() >= 3
    assert s.page.get_attribute("#glmap", "data-selected") == L3
    assert s.page.locator("#f-cell").input_value() == L3
    SHOTS.mkdir(parents=True, exist_ok=True)
    s.page.locator("#map-panel").screenshot(path=str(SHOTS / "desk-selected-cell.png"))
    s.close()


@pytest.mark.parametrize(("lang", "name"), [("zh", "老港镇"), ("en", "Laogang")])
def test_a_clicked_cell_shows_by_its_name_and_applying_again_keeps_it(
    browser: Any, server: Server, lang: str, name: str
) -> None:
    """A click on a 街镇 put its bare code (310115144) in the 网格 box: the box shows its name
    in the page's language, and the form applied again still selects that one cell."""
    laogang = "310115144"
    report(server, laogang + "001001", f"cell name {lang}", seconds=50 if lang == "zh" else 51)
    token = server.users.add(f"map-name-{lang}", "dispatcher", "all")
    s = Session(browser, server, token)
    s.page.goto(f"/console/dispatch?queue=new&level=1&lang={lang}")
    s.ready()
    spot = to_grid_crs(*away_from_pins(server, laogang), server.ctx.grid.crs, "EPSG:4326")
    where = centre_on(s.page, spot, 12)
    s.page.wait_for_function("() => document.getElementById('glmap').map.loaded()")
    with s.page.expect_navigation():
        s.page.mouse.click(*where)
    assert f"cell={laogang}" in s.page.url
    s.ready()
    assert s.page.locator("#f-cell").input_value() == name
    total = s.page.get_attribute("#page-info", "data-total")
    assert s.page.get_attribute("#glmap", "data-selected") == laogang and int(total or 0) >= 1
    with s.page.expect_navigation():
        s.page.click("#apply")
    s.ready()
    assert s.page.get_attribute("#glmap", "data-selected") == laogang
    assert s.page.get_attribute("#page-info", "data-total") == total
    assert s.page.locator("#f-cell").input_value() == name
    s.close()


def test_the_pins_follow_live_updates(browser: Any, server: Server) -> None:
    token = server.users.add("map-live", "dispatcher", "all")
    s = Session(browser, server, token)
    s.page.goto("/console/dispatch?queue=new")
    s.ready()
    before = int(s.page.get_attribute("#glmap", "data-pins-total") or 0)
    number = report(server, L3, "arrives while the desk is open", seconds=40)
    s.page.wait_for_selector(f"#queue-table tr[data-number='{number}']")
    s.page.wait_for_function(
        "(n) => Number(document.getElementById('glmap').dataset.pinsTotal) === n", arg=before + 1
    )
    assert s.page.get_attribute("#page-info", "data-total") == str(before + 1)
    s.close()


def test_a_sub_centre_dispatcher_starts_on_their_own_street(browser: Any, server: Server) -> None:
    report(server, "310115125001001", "张江 only", seconds=50)
    token = server.users.add("map-sc", "dispatcher", "sc-310115125")
    s = Session(browser, server, token)
    s.page.goto("/console/dispatch")
    s.ready()
    box = s.page.locator("#glmap")
    assert box.get_attribute("data-within") == "310115125"
    assert box.get_attribute("data-level") == "2"
    codes = s.page.evaluate(
        "[...new Set(document.getElementById('glmap').map"
        ".querySourceFeatures('cells', {sourceLayer: 'cells'}).map(f => f.properties.code))]"
    )
    assert codes and all(c.startswith("310115125") for c in codes)
    assert box.get_attribute("data-pins-total") == s.page.get_attribute("#page-info", "data-total")
    s.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1440, 390])
def test_desk_map_shots_and_axe(browser: Any, server: Server, lang: str, width: int) -> None:
    numbers = [report(server, "310115125001001", f"shot {i}", seconds=60 + i) for i in range(4)]
    token = server.users.add(f"map-shot-{lang}-{width}", "dispatcher", "all")
    s = Session(browser, server, token, width=width)
    s.page.goto(f"/console/dispatch?queue=new&lang={lang}")
    s.ready()
    SHOTS.mkdir(parents=True, exist_ok=True)
    s.page.locator("#map-panel").screenshot(path=str(SHOTS / f"desk-{lang}-{width}.png"))
    zoom_in = s.page.get_attribute(".maplibregl-ctrl-zoom-in", "aria-label")
    assert zoom_in == {"zh": "放大", "en": "Zoom in"}[lang]
    s.page.goto(f"/console/tickets/{numbers[0]}")
    s.ready("#minimap")
    s.page.screenshot(path=str(SHOTS / f"ticket-{lang}-{width}.png"), full_page=True)
    assert s.csp == []
    s.close()
    checked = Session(browser, server, token, width=width, axe=True)
    for url, box in ((f"/console/dispatch?queue=new&lang={lang}", "#glmap"),
                     (f"/console/tickets/{numbers[0]}?lang={lang}", "#minimap")):  # fmt: skip
        checked.page.goto(url)
        checked.ready(box)
        assert axe(checked.page) == [], url
    checked.close()
