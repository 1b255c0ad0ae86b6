"""The inspector's check (核查) in the field app, in Chromium as a 390-px phone: the 待核查 tab
holds the work reported done in their area; a task's screen shows the place before and after
the work side by side (the report's photo and the worker's 处置前 beside the worker's 处置后);
fail needs a reason (said on the phone, nothing queued without one); pass and fail are queued
offline like every move and applied once the signal returns. 中文 and English, 390 and
1440 px shots under tests/artifacts/, axe-core: no critical or serious violation."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from gridops.services.actions import act
from gridops.services.routing import route_batch

from .conftest import ARTIFACTS, NOW, Server, sign_in
from .test_app import shade
from .test_browser_app import phone, report

pytestmark = pytest.mark.slow
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
CELLS = {"zh": ("310115005005001", "310115005006001"), "en": ("310115005007001", "310115005008001")}
LONE = {"zh": "310115005009001", "en": "310115005010001"}
RED, BLUE = (200, 30, 30), (30, 30, 200)


def handled_with_photos(server: Server, cells: tuple[str, ...], tag: str) -> list[str]:
    """Tickets reported in ``cells`` (with a photo), routed, accepted and reported done through
    the app by their worker with a photo before and one after."""
    key = server.users.api_key()
    numbers = [report(server, key, f"{tag} 垃圾 {i}", "E0102", c) for i, c in enumerate(cells)]
    route_batch(server.ctx, 10, now=NOW)
    for i, number in enumerate(numbers):
        t = server.ctx.store.get_by_number(number)
        worker = f"w-{tag}-{i}"
        act(server.ctx, t.id, "reassign", actor="d-app", role="dispatcher", now=NOW,
            owner_unit=t.owner_unit, assignee=worker)  # fmt: skip
        with httpx.Client(base_url=server.url) as client:
            csrf = sign_in(client, server.users.add(worker, "grid_worker", t.owner_unit))  # type: ignore[arg-type]
            for action, files in (
                ("accept", None),
                ("done", [("before", ("b.jpg", shade(RED), "image/jpeg")),
                          ("after", ("a.jpg", shade(BLUE), "image/jpeg"))]),
            ):  # fmt: skip
                data = {"key": uuid.uuid4().hex, "ticket": number, "action": action,
                        "note": "已清理"}  # fmt: skip
                r = client.post("/console/app/moves", data=data, files=files,
                                headers={"X-CSRF-Token": csrf})  # fmt: skip
                assert r.status_code == 200, r.text
    return numbers


def open_check(page: Any, number: str) -> None:
    page.tap("#tab-check")
    page.tap(f'#cards a.card[data-number="{number}"]')
    page.wait_for_selector("#task-view form.check")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_inspector_checks_on_a_phone_offline(server: Server, browser: Any, lang: str) -> None:
    passed, failed = handled_with_photos(server, CELLS[lang], lang)
    t = server.ctx.store.get_by_number(passed)
    token = server.users.add(f"insp-{lang}", "inspector", "sc-310115005")  # 陆家嘴's
    page = phone(browser, server, token, t.lon, t.lat)
    page.goto(f"/console/app/?lang={lang}")
    page.wait_for_selector("body[data-ready='1']")
    assert page.inner_text('[data-count="check"]') == "2"
    open_check(page, passed)
    before = page.locator("#check-before img")
    after = page.locator("#check-after img")
    assert before.count() == 1 and after.count() == 1  # the worker's 处置前 and 处置后
    b, a = before.bounding_box(), after.bounding_box()
    assert abs(b["y"] - a["y"]) < 1 and b["x"] + b["width"] <= a["x"]  # side by side
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.wait_for_function(  # each loaded (an image that failed has no natural width)
        "() => [...document.querySelectorAll('#check-photos img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.inner_text("#check-before figcaption") == ("处置前" if lang == "zh" else "Before")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"app-check-{lang}-390.png"), full_page=True)
    page.context.set_offline(True)  # the signal goes: the check is queued on the phone
    page.tap("#task-view form.check button[value=check_pass]")
    page.wait_for_selector("#list-view:not([hidden])")
    # at the other place: fail without a reason is said, nothing queued; with one, queued
    there = server.ctx.store.get_by_number(failed)
    page.context.set_geolocation({"longitude": there.lon, "latitude": there.lat})
    open_check(page, failed)
    page.tap("#task-view form.check button[value=check_fail]")
    assert page.inner_text("#toast") == ("请填写原因" if lang == "zh" else "Give a reason")
    assert page.locator("#outbox").inner_text().startswith("1")  # the pass only
    page.fill("#task-view form.check textarea[name=reason]", "地面仍有垃圾")
    page.tap("#task-view form.check button[value=check_fail]")
    page.wait_for_function("() => document.getElementById('outbox').textContent.startsWith('2')")
    assert server.ctx.store.get_by_number(passed).status.value == "handled"  # nothing sent yet
    page.context.set_offline(False)
    page.wait_for_selector("#outbox", state="hidden", timeout=30_000)
    assert server.ctx.store.get_by_number(passed).status.value == "closed"
    redo = server.ctx.store.get_by_number(failed)
    assert redo.status.value == "rework" and redo.last_reason == "地面仍有垃圾"
    kinds = [e.type for e in server.ctx.store.events(redo.id)]
    assert kinds.count("check_fail") == 1  # applied once
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_check_screen_at_both_widths_passes_axe(
    server: Server, browser: Any, lang: str
) -> None:
    [number] = handled_with_photos(server, (LONE[lang],), f"axe-{lang}")
    t = server.ctx.store.get_by_number(number)
    token = server.users.add(f"insp-axe-{lang}", "inspector", "sc-310115005")
    for width in (390, 1440):
        page = phone(browser, server, token, t.lon, t.lat, bypass_csp=True)
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(f"/console/app/?lang={lang}")
        page.wait_for_selector("body[data-ready='1']")
        open_check(page, number)
        page.wait_for_selector("#check-after img")
        page.screenshot(path=str(ARTIFACTS / f"app-check-{lang}-{width}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("async () => (await axe.run(document)).violations")
        assert [v["id"] for v in found if v.get("impact") in ("critical", "serious")] == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.context.close()
