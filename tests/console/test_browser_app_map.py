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


def test_a_closed_tasks_map_is_removed_with_its_slot(server: Server, browser: Any) -> None:
    """Answering a verification takes its task off the phone: the task view's map goes with
    it (map.remove()), or MapLibre's ResizeObserver, still watching a box no longer in the
    page, throws "Cannot read properties of null (reading 'querySelector')" into the page."""
    from .conftest import photo

    cell = CELLS[2]
    number = report(server, server.users.api_key(), "渣土堆在路边 地图", "E0103", cell)
    route_batch(server.ctx, 10, now=NOW)
    t = server.ctx.store.get_by_number(number)
    assert t.status.value == "verifying", t.status
    token = server.users.add("map-verifier", "grid_worker", t.owner_unit)
    page = phone(browser, server, token, t.lon, t.lat)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"{e}\n{e.stack}"))
    page.tap("#tab-verify")
    page.tap(f'#cards a.card[data-number="{number}"]')
    page.wait_for_function(
        """() => { const box = document.querySelector('#task-view .map-slot.drawn');
             return box && box.dataset.ready === '1' && box.map.loaded(); }"""
    )
    page.evaluate(
        """() => { window.__maps = [];
             for (const box of document.querySelectorAll('#task-view .map-slot.drawn'))
               window.__maps.push(box.map); }"""
    )
    page.fill("#task-view form.verify textarea[name=note]", "现场属实")
    page.set_input_files("#ph-after", files=[{"name": "v.jpg", "mimeType": "image/jpeg",
                                              "buffer": photo()}])  # fmt: skip
    page.tap('#task-view form.verify button[value="verify_exists"]')
    page.wait_for_selector("#list-view:not([hidden])")
    page.wait_for_selector("#outbox", state="hidden", timeout=30_000)
    page.wait_for_function(
        f"""() => !document.querySelector('#cards a.card[data-number="{number}"]')"""
    )
    assert server.ctx.store.get_by_number(number).status.value != "verifying"
    page.set_viewport_size({"width": 360, "height": 700})  # what makes observers fire
    page.wait_for_timeout(300)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    # the map of a task no longer shown is gone with its slot (none left behind, none alive)
    alive = page.evaluate(
        """() => window.__maps.filter(m => !m._removed
             && !document.querySelector('#task-view:not([hidden])')?.contains(m.getContainer()))
             .length"""
    )
    assert errors == [] and alive == 0, (errors, alive)
    page.context.close()
