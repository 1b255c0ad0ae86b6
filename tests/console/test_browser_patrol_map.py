"""The day's patrol tracks on the supervisor's map (Chromium): two walks drawn in their walkers'
colours over the grid, in 中文 and English at 1440 and 390 px (tests/artifacts/map/), axe: no
critical or serious; the table's swatches say whose track is whose."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import axe
from .conftest import ARTIFACTS, Server
from .test_browser_map import Session
from .test_patrol_map import walked

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("lang", "width"), [("zh", 390), ("en", 1440)])
def test_a_supervisor_sees_the_days_tracks_on_the_map(
    browser: Any, server: Server, lang: str, width: int
) -> None:
    walked(server.ctx, f"gw-map-{lang}")
    walked(server.ctx, f"gw-map2-{lang}", east=0.0003)
    s = Session(browser, server, server.users.add(f"s-map-{lang}", "supervisor", "all"),
                width=width, axe=True)  # fmt: skip
    s.page.goto(f"/console/patrols?day=2026-11-24&lang={lang}")
    s.page.wait_for_selector("#tracks-map[data-tracks-shown]")
    assert int(s.page.get_attribute("#tracks-map", "data-tracks-shown") or 0) >= 2
    s.page.wait_for_function(  # both lines drawn (not only fetched)
        """() => { const m = document.getElementById('tracks-map').map;
             return m.loaded() && new Set(m.queryRenderedFeatures({layers: ['tracks']})
               .map(f => f.properties.user)).size >= 2; }"""
    )
    (ARTIFACTS / "map").mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(ARTIFACTS / "map" / f"patrols-{lang}-{width}.png"), full_page=True)
    assert axe(s.page) == []
    assert s.page.evaluate("document.documentElement.scrollWidth") <= width
    s.close()
