"""The supervisor's map in Chromium (issue 18: "the map shaded by any chosen indicator"): the
街镇 of the desk shaded by the indicator picked, the shades and the legend following the picker
in place, every cell's value equal to the report service's (gridops.services.reports), cells
without a value drawn as "no data", a click on a 街镇 drilling into its 居村 (shaded by the same
indicator); zh and en at 1440 and 390 px, shot under tests/artifacts/, axe-core clean."""

from __future__ import annotations

from typing import Any

import pytest

from gridops.metrics import load_indicator_config
from gridops.metrics.periods import parse_period
from gridops.services.actions import act
from gridops.services.reports import indicator_rows

from .conftest import ARTIFACTS, NOW, Server
from .test_browser_desk import login, violations
from .test_supervise_desk import routed

pytestmark = pytest.mark.slow
BOX = "#shademap"
#: 街镇 → (tickets reported a week ago, how many of them handled)
MADE = {"310115005001001": (6, 2), "310115004001001": (4, 3), "310115125001001": (2, 0)}


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    ctx = server.ctx
    for l3, (n, handled) in MADE.items():
        for number in routed(ctx, n, l3, days_ago=7)[:handled]:
            t = ctx.store.get_by_number(number)
            t = act(ctx, t.id, "accept", actor="w-1", role="field_staff", now=NOW)
            act(ctx, t.id, "handle", actor="w-1", role="field_staff", now=NOW, note="已清理")
    return server.users.add("sup-map", "supervisor", "all")


def expected(server: Server, indicator: str, by: str = "l1") -> dict[str, float | None]:
    """Each group's value of ``indicator`` as the report service gives it."""
    ctx = server.ctx
    config = load_indicator_config(ctx.settings.config_dir / "indicators.yaml")
    period = parse_period("2026-11", ctx.settings.timezone)
    rows = indicator_rows(ctx.store, config, by=by, period=period, now=NOW)
    return {r.key: r.rates[indicator].value for r in rows}


def shaded(page: Any, loads: int) -> dict[str, Any]:
    """The map once its shades were loaded ``loads`` times: each 街镇's feature-state value,
    the fill colour's stops and what the legend says."""
    page.wait_for_selector(f"{BOX}[data-ready='1']:not([hidden])")
    page.wait_for_function(
        """([box, loads]) => { const el = document.querySelector(box), d = el.dataset;
             return Number(d.cellsShown) > 0 && Number(d.shadeLoaded || 0) >= loads
               && el.map.loaded(); }""",
        arg=[BOX, loads],
    )
    return page.evaluate(
        """(box) => { const el = document.querySelector(box), m = el.map;
             const codes = Object.keys(el.shade.values);
             const state = Object.fromEntries(codes.map(c =>
               [c, m.getFeatureState({source: 'cells', id: c,
                 ...(m.getSource('cells').type === 'vector' ? {sourceLayer: 'cells'} : {})}).v
                 ?? null]));
             return {state, indicator: el.dataset.shadeIndicator, data: el.shade,
                     fill: m.getPaintProperty('cells', 'fill-color'),
                     low: document.getElementById('legend-low').textContent,
                     high: document.getElementById('legend-high').textContent,
                     note: document.getElementById('legend-note').textContent,
                     same: document.querySelector('.shade-legend .same').checkVisibility()
                       ? document.getElementById('legend-same').textContent : null,
                     range: document.querySelector('.shade-legend .range').checkVisibility()};
           }""",
        BOX,
    )


def stops(fill: Any) -> tuple[float, float]:
    """The lowest and highest value of the fill's colour ramp (map.js ``ramp``)."""
    interpolate = fill[3]
    return interpolate[3], interpolate[5]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_is_shaded_by_the_indicator_picked(
    server: Server, browser: Any, token: str, lang: str
) -> None:
    page = login(browser, server, token, viewport={"width": 1440, "height": 900})
    page.goto(f"/console/supervise?view=1&ind=handling_rate&lang={lang}")
    first = shaded(page, 1)
    want = expected(server, "handling_rate")
    assert first["indicator"] == "handling_rate"
    assert first["state"] == {k: v for k, v in want.items() if v is not None} | {
        k: None for k, v in want.items() if v is None
    }
    assert want["310115005"] == pytest.approx(2 / 6) and want["310115004"] == pytest.approx(3 / 4)
    assert want["310115125"] == 0.0
    assert stops(first["fill"]) == (0.0, 0.75)
    framed = page.evaluate(  # the map frames the 街镇 with figures, not the whole district
        """([box, codes]) => { const el = document.querySelector(box), m = el.map;
             const [w, s, e, n] = JSON.parse(el.dataset.bounds), b = m.getBounds();
             const seen = new Set(m.queryRenderedFeatures({layers: ['cells']})
               .map(f => f.properties.code));
             return {narrower: b.getEast() - b.getWest() < e - w,
                     all: codes.every(c => seen.has(c))}; }""",
        [BOX, [code[:9] for code in MADE]],
    )
    assert framed == {"narrower": True, "all": True}
    assert (first["low"], first["high"]) == ("0.0%", "75.0%")
    assert first["range"] and first["same"] is None
    n = first["data"]["total"]
    assert n == 12 and (f"n = {n}" in first["note"])
    assert ("处置率" in first["note"]) == (lang == "zh") and ("andling" in first["note"]) == (
        lang == "en"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#shade").screenshot(path=str(ARTIFACTS / f"supervise-map-{lang}-1440.png"))
    # another indicator: the shades, the ramp, the legend and the address follow, in place
    page.evaluate("document.getElementById('shademap').dataset.mark = 'same'")
    page.select_option("#f-ind", "rework_rate")
    second = shaded(page, 2)
    want = expected(server, "rework_rate")
    assert second["indicator"] == "rework_rate"
    assert second["state"] == want  # 张江 handled nothing: no rework rate, drawn as no data
    assert want["310115125"] is None and want["310115005"] == 0.0
    assert second["state"] != first["state"] and stops(second["fill"]) != stops(first["fill"])
    # one value wherever there is one (0.0%): said once, no "lowest 0.0% … highest 0.0%"
    assert set(want.values()) == {0.0, None}
    assert second["same"] == "0.0%" and not second["range"]
    assert page.get_attribute(BOX, "data-mark") == "same"  # not a reload
    assert "ind=rework_rate" in page.url
    assert "ind=rework_rate" in (page.get_attribute("#view-2", "href") or "")
    # a click on 潍坊 drills into its 居村, shaded by the same indicator
    box = page.evaluate(
        """(box) => { const el = document.querySelector(box), m = el.map;
             const f = m.queryRenderedFeatures({layers: ['cells']})
               .find(f => f.properties.code === '310115004');
             el.scrollIntoView({block: 'center'});
             const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0]
               : f.geometry.coordinates[0][0];
             const p = m.project(ring.reduce((a, c) => [a[0] + c[0] / ring.length,
                                                        a[1] + c[1] / ring.length], [0, 0]));
             const r = el.getBoundingClientRect();
             return [r.left + p.x, r.top + p.y]; }""",
        BOX,
    )
    with page.expect_navigation():
        page.mouse.click(*box)
    assert "view=2" in page.url and "parent=310115004" in page.url
    third = shaded(page, 1)
    assert third["indicator"] == "rework_rate"
    assert third["state"] == {
        k: v for k, v in expected(server, "rework_rate", "l2").items() if k[:9] == "310115004"
    }
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_on_a_phone_and_for_axe(
    server: Server, browser: Any, token: str, lang: str
) -> None:
    page = login(browser, server, token, viewport={"width": 390, "height": 844})
    page.goto(f"/console/supervise?view=1&ind=handling_rate&lang={lang}")
    shaded(page, 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#shade").screenshot(path=str(ARTIFACTS / f"supervise-map-{lang}-390.png"))
    page.context.close()
    url = "/console/supervise?view=1&ind=handling_rate"
    assert [v["id"] for v in violations(browser, server, token, url, lang)] == []
