"""Verification (核实) end to end in a real browser (Debian's Chromium via Playwright): a public
report of a category that needs verification is routed to its cell's grid-worker post; the grid
worker signs in on a phone, sees the task with its deadline countdown, answers "exists" with a
note and a photo; the routing stage dispatches it, and the dispatcher sees it dispatched with
the verification in its timeline. The task list updates live; "does not exist" is not sent
until its box is ticked."""

from __future__ import annotations

from typing import Any

import pytest

from gridops.services.routing import route_batch

from .browser import login, shot
from .conftest import LUJIAZUI_L3, NOW, Server, photo
from .test_browser import PHONE, report

pytestmark = pytest.mark.slow
POST = f"gw-{LUJIAZUI_L3}"


def test_a_grid_worker_verifies_in_the_browser_and_the_dispatcher_sees_it_dispatched(
    server: Server, browser: Any
) -> None:
    number = report(server, server.users.api_key(), "渣土堆在路边", code="E0103")
    route_batch(server.ctx, 10, now=NOW)
    assert server.ctx.store.get_by_number(number).status.value == "verifying"

    field = login(browser, server, server.users.add("gw-v1", "grid_worker", POST),
                  viewport=PHONE)  # fmt: skip
    assert field.url.endswith("/console/app/")  # field roles land on the app
    field.click("#classic")  # and its link leads back to the classic page
    field.wait_for_url("**/console/field")
    task = field.locator(f'#verify-list article.task[data-number="{number}"]')
    assert task.count() == 1
    assert "剩余" in task.locator(".countdown").inner_text()  # the verification deadline
    assert "核实任务" in field.inner_text("#verify-list h2")
    shot(field, "field-verification-task")
    # a new task shows up without a reload (the list holds a checkbox, which is not typing)
    second = report(server, server.users.api_key(), "水面漂浮物", code="E0105")
    route_batch(server.ctx, 10, now=NOW)
    field.wait_for_selector(f'#verify-list article[data-number="{second}"]', timeout=60_000)
    task.locator("form.verify-exists input[name=note]").fill("现场属实，已拍照")
    task.locator("form.verify-exists input[type=file]").set_input_files(
        files=[{"name": "v.jpg", "mimeType": "image/jpeg", "buffer": photo()}]
    )
    task.locator("form.verify-exists button").click()
    field.wait_for_load_state()
    assert field.locator(f'article.task[data-number="{number}"]').count() == 0
    assert field.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(field, "field-after-verification")

    assert route_batch(server.ctx, 10, now=NOW) == 1  # the routing stage, in-process
    dispatcher = login(browser, server, server.users.add("d-v1", "dispatcher", "sc-310115005"))
    dispatcher.goto(f"/console/tickets/{number}")
    assert dispatcher.get_attribute("#status", "data-status") == "dispatched"
    types = [e.get_attribute("data-type") for e in dispatcher.locator("tr.event").all()]
    assert types == ["report", "verify", "verified", "dispatch"]
    verified = dispatcher.locator('tr.event[data-type="verified"]')
    assert verified.locator("a.thumb").count() == 1  # the grid worker's photo, shown
    assert dispatcher.inner_text("#countdown").startswith("剩余")  # the handling deadline now
    shot(dispatcher, "ticket-verified-dispatched")
    for page in (field, dispatcher):
        page.context.close()


def test_does_not_exist_is_sent_only_once_confirmed(server: Server, browser: Any) -> None:
    number = report(server, server.users.api_key(), "绿地脏乱", code="E0106")
    route_batch(server.ctx, 10, now=NOW)
    field = login(browser, server, server.users.add("gw-v2", "grid_worker", POST),
                  viewport=PHONE)  # fmt: skip
    field.goto("/console/field")  # the classic page (the app is where the role lands)
    form = field.locator(f'article.task[data-number="{number}"] form.verify-absent')
    form.locator("input[name=reason]").fill("现场未发现")
    form.locator("button").click()  # the box is not ticked: the browser keeps the form
    assert form.locator("input[name=confirm]").evaluate("el => !el.validity.valid")
    assert server.ctx.store.get_by_number(number).status.value == "verifying"
    form.locator("input[name=confirm]").check()
    form.locator("button").click()
    field.wait_for_load_state()
    field.wait_for_selector("#flash")
    assert server.ctx.store.get_by_number(number).status.value == "void"
    assert server.ctx.store.get_by_number(number).last_reason == "现场未发现"
    shot(field, "field-verified-absent")
    field.context.close()
