"""The field app's task screen with its small map (issue 21), in Chromium as a phone: online,
the task's pin on its unit cell on a still map (static/map.js); offline (reloaded from the
service worker), the slot holds the address in words. Shots zh/en at 390 px (tests/artifacts/)."""

from __future__ import annotations

from typing import Any

import pytest

from gridops.services.actions import act
from gridops.services.routing import route_batch

from .conftest import ARTIFACTS, NOW, Server
from .test_browser_app import CELLS, phone, report

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_task_screen_maps_the_task_and_falls_back_to_its_address_offline(
    server: Server, browser: Any, lang: str
) -> None:
    cell = CELLS[0 if lang == "zh" else 1]
    number = report(server, server.users.api_key(), f"地图 {lang}", "E0102", cell)
    route_batch(server.ctx, 10, now=NOW)
    t = server.ctx.store.get_by_number(number)
    worker = f"map-{t.assignee}-{lang}"
    act(server.ctx, t.id, "reassign", actor="d-app", role="dispatcher", now=NOW,
        owner_unit=t.owner_unit, assignee=worker)  # fmt: skip
    token = server.users.add(worker, "grid_worker", t.owner_unit)
    page = phone(browser, server, token, t.lon, t.lat)
    page.goto(f"/console/app/?lang={lang}")
    page.wait_for_selector("body[data-ready='1']")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.tap(f'#cards a.card[data-number="{number}"]')
    page.wait_for_selector("#task-view .map-slot.drawn canvas")
    page.wait_for_function(
        """() => { const box = document.querySelector('#task-view .map-slot.drawn');
             return box.dataset.ready === '1' && Number(box.dataset.cellsShown) > 0
               && box.dataset.pinsShown === '1' && box.map.loaded(); }"""
    )
    assert errors == []
    slot = page.locator("#task-view .map-slot")
    assert slot.get_attribute("data-selected") == cell
    assert slot.get_attribute("data-still") == "1"
    assert slot.locator(".maplibregl-ctrl-zoom-in").count() == 0
    place = page.locator("#task-view .where strong").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"app-task-map-{lang}-390.png"), full_page=True)
    page.context.set_offline(True)
    page.reload()  # on the task's own address (#task/…), from the service worker
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#task-view .map-slot")
    offline = page.locator("#task-view .map-slot")
    assert "drawn" not in (offline.get_attribute("class") or "")
    assert offline.locator("canvas").count() == 0
    assert offline.inner_text() == place and place
    page.screenshot(path=str(ARTIFACTS / f"app-task-offline-{lang}-390.png"), full_page=True)
    page.context.close()
