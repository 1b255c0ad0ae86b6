"""Without WebGL (an old office PC, a locked-down wall screen, WebGL switched off), every page
with a map still says something useful where the map would be (Chromium with WebGL off): the
desk draws the grid as SVG, the supervisor's indicator map points to the table of the same
figures, the wall draws the district as SVG, shaded by open tickets — in the page's language,
never an empty box."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser import login
from .conftest import CHROMIUM, CHROMIUM_ARGS, Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def no_webgl(browser: Any) -> Iterator[Any]:
    args = [*CHROMIUM_ARGS, "--disable-webgl", "--disable-3d-apis"]
    b = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True, args=args)
    yield b
    b.close()


PAGES = {  # page → (what stands in for the map, its words in zh and en; the map's box)
    "/console/dispatch?level=1": ("#map-fallback svg", None, "#glmap"),
    "/console/supervise": ("#shade-no-webgl", ("上方表格", "table above"), "#shademap"),
    "/console/wall": ("#wall-map-svg svg", None, "#wallmap"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_map_page_says_something_without_webgl(
    no_webgl: Any, server: Server, lang: str
) -> None:
    token = server.users.add(f"nogl-{lang}", "supervisor", "all")
    page = login(no_webgl, server, token, width=1440)
    assert not page.evaluate("() => !!document.createElement('canvas').getContext('webgl')")
    for url, (stand_in, words, box) in PAGES.items():
        page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        page.wait_for_load_state("networkidle")
        assert page.locator(stand_in).first.is_visible(), (url, stand_in)
        if words:
            assert words[0 if lang == "zh" else 1] in page.locator(stand_in).inner_text(), url
        assert page.locator(box).is_hidden(), url  # no empty box
        if url == "/console/wall":  # every 街镇, titled in the page's language
            titles = page.locator("#wall-map-svg svg path title").all_text_contents()
            assert len(titles) == len(server.ctx.grid.cells_at(1))
            assert all(("在办" in x) == (lang == "zh") for x in titles), titles[:3]
    page.context.close()


def test_a_browser_that_drew_the_web_map_gets_the_desk_without_its_svg_until_webgl_is_gone(
    browser: Any, no_webgl: Any, server: Server
) -> None:
    """map.js remembers a browser with WebGL (cookie gridops_gl): the desk then leaves out its
    SVG fallback (565 KB for a 街镇's unit cells on the 120 k-cell grid). The same cookie in a
    browser without WebGL is forgotten and the page asked for again with its SVG, once."""
    token = server.users.add("gl-memory", "dispatcher", "all")
    page = login(browser, server, token, width=1440)
    page.context.clear_cookies(name="gridops_gl")  # as a browser new to the console
    url = "/console/dispatch?level=3&l1=310115005"
    page.goto(url)
    page.wait_for_selector("#glmap[data-ready='1']")
    assert page.locator("#map-fallback svg.gridmap").count() == 1  # the first visit has it
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["gridops_gl"]["value"] == "1" and cookies["gridops_gl"]["path"] == "/console"
    page.goto(url)
    page.wait_for_selector("#glmap[data-ready='1']")
    assert page.locator("svg.gridmap").count() == 0 and page.locator("#map[data-omitted]").count()
    asked = page.goto(url + "&map=svg")  # by hand (a browser without script): there again
    assert page.locator("#map-fallback svg.gridmap").count() == 1
    forget = asked.all_headers().get("set-cookie", "") if asked else ""
    assert "gridops_gl=" in forget and "Max-Age=0" in forget  # (this map.js sets it again)
    page.context.close()
    plain = login(no_webgl, server, token, width=1440)
    # map.js failing to load in a browser that drew the web map before: the SVG, asked again
    again = login(browser, server, token, width=1440)
    again.context.route("**/console/static/map/map.js", lambda route: route.abort())
    again.goto(url, wait_until="commit")
    again.wait_for_selector("#map-fallback svg.gridmap", state="visible")
    assert again.url.endswith("&map=svg")
    again.context.close()
    host = server.url.split("//")[1].split(":")[0]
    plain.context.add_cookies([{"name": "gridops_gl", "value": "1", "domain": host,
                                "path": "/console"}])  # fmt: skip
    reloads: list[str] = []
    plain.on("framenavigated", lambda f: reloads.append(f.url) if f == plain.main_frame else None)
    plain.goto(url, wait_until="commit")  # (its load event never comes: the page reloads)
    plain.wait_for_selector("#map-fallback svg.gridmap", state="visible")
    assert len(reloads) == 2 and reloads[1].endswith("&map=svg")  # asked again, once
    assert "gridops_gl" not in {c["name"] for c in plain.context.cookies()}
    plain.context.close()
