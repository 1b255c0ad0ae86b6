"""A far report in the app (Chromium as a phone, English): done sent 1 km from the point asks
why first — presets and free text, in a dialog that passes axe — and the reason reaches the
server, the ticket page and the task's screen in 待核查 (the check step)."""

from __future__ import annotations

from typing import Any

import pytest

from gridops.services.actions import act
from gridops.services.routing import route_batch
from gridops.store.field_moves import FieldMoves

from .browser import AXE, scene
from .conftest import NOW, Server
from .test_app import shade
from .test_browser_app import phone, report, shot

pytestmark = pytest.mark.slow
CELL = "310115005003002"
DONE = "#task-view form.done button[type=submit]"


def test_a_far_done_asks_why_and_the_reason_reaches_the_check(server: Server, browser: Any) -> None:
    number = report(server, server.users.api_key(), "Bins overflowing", "E0102", CELL)
    route_batch(server.ctx, 10, now=NOW)
    t = server.ctx.store.get_by_number(number)
    worker = f"{t.assignee}-far"
    act(server.ctx, t.id, "reassign", actor="d-app", role="dispatcher", now=NOW,
        owner_unit=t.owner_unit, assignee=worker)  # fmt: skip
    token = server.users.add(worker, "grid_worker", t.owner_unit)
    page = phone(browser, server, token, t.lon + 0.01, t.lat, bypass_csp=True)  # 1 km east
    page.goto("/console/app/?lang=en")
    page.wait_for_selector("body[data-ready='1']")
    page.tap(f'#cards a.card[data-number="{number}"]')
    page.tap("#accept")
    page.wait_for_selector("#task-view form.done")
    page.wait_for_selector("#task-view [data-dist] .dist")  # the phone knows where it is
    page.fill("#task-view form.done textarea[name=note]", "Rubbish cleared")
    page.set_input_files(
        "#ph-after", files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": shade((9, 9, 9))}]
    )
    page.tap(DONE)
    try:
        page.wait_for_selector("#far-ask[open]")
    except Exception as exc:
        raise AssertionError(f"the tap did nothing: {scene(page, DONE)}") from exc
    assert "beyond the 200 m this category allows" in page.inner_text("#far-ask")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    assert [v["id"] for v in found if v.get("impact") in ("critical", "serious")] == []
    shot(page, "far-ask-en-390")
    page.tap("#far-cancel")  # back to the form: nothing queued
    assert page.locator("#far-ask").count() == 0 and page.is_hidden("#outbox")
    page.tap("#task-view form.done button[type=submit]")
    page.fill("#far-ask textarea", "Road closed for works")
    page.tap("#far-send")
    # the move is queued on the phone (IndexedDB) before it is sent: wait for the server's copy
    done_moves: list[Any] = []
    for _ in range(300):
        done_moves = [m for m in FieldMoves(server.ctx.store.engine).of_ticket(number)
                      if m.action == "done"]  # fmt: skip
        if done_moves:
            break
        page.wait_for_timeout(100)
    [done] = done_moves
    assert done.presence is not None and done.presence.reason == "Road closed for works"
    page.tap("#tab-check")
    page.tap(f'#cards a.card[data-number="{number}"]')
    page.wait_for_selector("#task-view .far-reason")
    assert "Road closed for works" in page.inner_text("#task-view .badge.far")
    shot(page, "check-far-reason-en-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.context.close()
