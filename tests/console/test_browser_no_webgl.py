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
