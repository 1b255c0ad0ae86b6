"""End to end in a real browser (Debian's Chromium, headless, via Playwright): one ticket's whole
life across the three roles — reported (Open311), dispatched (the routing stage in-process),
accepted, done with a photo (field staff at 375 px), checked and closed, evaluated (supervisor)
— asserting what each page shows. A screenshot of every page goes to tests/artifacts/."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gridops.services.routing import route_batch

from .browser import login, shot
from .conftest import LUJIAZUI_L3, NOW, Server, photo, point_in

pytestmark = pytest.mark.slow
PHONE = {"width": 375, "height": 760}


def report(server: Server, key: str, description: str, code: str = "E0102") -> str:
    lon, lat = point_in(server.ctx, LUJIAZUI_L3)
    form = {"api_key": key, "service_code": code, "lat": str(lat), "long": str(lon),
            "description": description, "phone": "13812345678"}  # fmt: skip
    r = httpx.post(f"{server.url}/open311/v2/requests.json", data=form)
    assert r.status_code in (200, 201), r.text
    return str(r.json()[0]["service_request_id"])


def test_one_ticket_through_three_roles(server: Server, browser: Any) -> None:
    key = server.users.api_key()
    dispatcher = login(browser, server, server.users.add("d-1", "dispatcher", "all"))
    # This dispatcher works the server's SVG map: the fallback the page keeps when the web
    # map's script does not run (test_browser_map.py works the web map itself).
    dispatcher.context.route("**/console/static/map/map.js", lambda route: route.abort())
    dispatcher.context.clear_cookies(name="gridops_gl")  # a browser map.js never ran in
    dispatcher.reload()
    shot(dispatcher, "login-landing")
    assert dispatcher.url.endswith("/console/dispatch")
    assert dispatcher.inner_text("#count-new") == "0"
    assert dispatcher.locator("svg.gridmap path.cell").count() == 36  # level 1: 36 街镇
    width = dispatcher.eval_on_selector(
        "svg.gridmap path.cell", "e => getComputedStyle(e).strokeWidth"
    )
    assert width not in ("", "0px")  # cell borders drawn from the style sheet, no inline style

    # report: the dispatcher's queue shows it without a reload (pushed, or polled)
    number = report(server, key, "暴露垃圾 路口")
    dispatcher.wait_for_selector(f'#queue-table tr[data-number="{number}"]')
    assert dispatcher.inner_text("#count-new") == "1"
    swaps = [dispatcher.get_attribute("#live", a) for a in ("data-streamed", "data-polled")]
    assert sum(int(n or 0) for n in swaps) >= 1
    shot(dispatcher, "dispatch-queue")

    # the map: level 3 is drawn for the selected sub-district only, shaded by open tickets
    dispatcher.click('svg.gridmap path[data-code="310115005"]')
    dispatcher.wait_for_load_state()
    assert "cell=310115005" in dispatcher.url
    dispatcher.click("#level-3")
    dispatcher.wait_for_load_state()
    cells = dispatcher.locator("svg.gridmap path.cell")
    assert 0 < cells.count() < 200
    lit = dispatcher.locator(f'svg.gridmap path[data-code="{LUJIAZUI_L3}"]')
    assert lit.get_attribute("data-open") == "1" and "s1" in (lit.get_attribute("class") or "")
    shot(dispatcher, "dispatch-map-level3")

    # dispatch: the routing stage, in-process
    assert route_batch(server.ctx, 10, now=NOW) == 1
    routed = server.ctx.store.get_by_number(number)
    dispatcher.goto(f"/console/tickets/{number}")
    assert dispatcher.get_attribute("#status", "data-status") == "dispatched"
    assert dispatcher.locator("#routing .reasons li").count() >= 1
    assert [e.get_attribute("data-type") for e in dispatcher.locator("tr.event").all()] == [
        "report",
        "dispatch",
    ]
    assert "13812345678" in dispatcher.inner_text("#reporter")  # dispatchers see contact data
    assert dispatcher.inner_text("#countdown").startswith("剩余")
    shot(dispatcher, "ticket-dispatched")

    # field staff on a phone: accept, then report done with a photo
    worker = routed.assignee
    field = login(browser, server, server.users.add(worker, "grid_worker", routed.owner_unit),
                  viewport=PHONE)  # fmt: skip
    assert field.url.endswith("/console/app/")  # field roles land on the app
    field.click("#classic")  # and its link leads back to the classic page
    field.wait_for_url("**/console/field")
    task = field.locator(f'article.task[data-number="{number}"]')
    assert "剩余" in task.locator(".countdown").inner_text()
    shot(field, "field-tasks")
    task.locator("form.accept button").click()
    field.wait_for_load_state()
    task = field.locator(f'article.task[data-number="{number}"]')
    task.locator("form.done input[name=note]").fill("已清运")
    task.locator("form.done input[name=photos]").set_input_files(
        files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": photo()}]
    )
    task.locator("form.done button").click()
    field.wait_for_load_state()
    assert field.locator(f'article.task[data-number="{number}"]').count() == 0
    assert field.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(field, "field-after-done")

    # supervisor: the check queue, the photo, check → closed, call-back → evaluated
    supervisor = login(browser, server, server.users.add("s-1", "supervisor", "sc-310115005"))
    assert supervisor.url.endswith("/console/supervise")
    assert supervisor.locator(f'#list-check tr[data-number="{number}"]').count() == 1
    shot(supervisor, "supervise-before")
    supervisor.click(f'#list-check tr[data-number="{number}"] a')
    supervisor.wait_for_load_state()
    assert supervisor.get_attribute("#status", "data-status") == "handled"
    assert supervisor.inner_text("#handling-note") == "已清运"
    assert supervisor.evaluate("document.querySelector('#photos img').naturalWidth") == 32
    supervisor.click("#act-check_pass button")
    supervisor.wait_for_load_state()
    assert supervisor.get_attribute("#status", "data-status") == "closed"
    supervisor.select_option("#act-callback select[name=satisfaction]", "5")
    supervisor.click("#act-callback button")
    supervisor.wait_for_load_state()
    assert supervisor.get_attribute("#status", "data-status") == "evaluated"
    assert supervisor.inner_text("#satisfaction") == "5"
    types = [e.get_attribute("data-type") for e in supervisor.locator("tr.event").all()]
    assert types == ["report", "dispatch", "accept", "handle", "check_pass", "evaluate"]
    shot(supervisor, "ticket-evaluated")

    # the dashboard: the sub-district's row with n, drill down 1 → 2 → 3, English, CSV
    supervisor.goto("/console/supervise?view=1")
    row = supervisor.locator('#rates tr[data-key="310115005"]')
    assert row.locator("td").nth(0).inner_text() == "1"  # n, beside the name (a row header)
    assert "n=1" in row.inner_text() and row.locator(".grade").inner_text() == "—"  # n < min_n
    assert supervisor.locator('#rates tr[data-key="310115004"]').count() == 0  # out of scope
    row.locator("a.drill").click()
    supervisor.wait_for_load_state()
    supervisor.locator('#rates tr[data-key="310115005001"] a.drill').click()
    supervisor.wait_for_load_state()
    assert supervisor.locator(f'#rates tr[data-key="{LUJIAZUI_L3}"]').count() == 1
    assert supervisor.locator("#trend svg.trend polyline, #trend svg.trend circle").count() >= 1
    supervisor.click("#lang")
    supervisor.wait_for_load_state()
    assert "Indicators" in supervisor.inner_text("#indicators h1")
    shot(supervisor, "supervise-level3-en")
    csv = supervisor.request.get(supervisor.get_attribute("#csv-indicators", "href") or "").text()
    assert LUJIAZUI_L3 in csv and "On-time close n" in csv
    for page in (dispatcher, field, supervisor):
        page.context.close()


def test_dispatcher_voids_in_the_browser_and_field_page_refuses_them(
    server: Server, browser: Any
) -> None:
    key = server.users.api_key()
    number = report(server, key, "重复上报")
    page = login(browser, server, server.users.add("d-2", "dispatcher", "all"))
    page.goto(f"/console/tickets/{number}")
    page.fill("#act-void input[name=reason]", "不属于受理范围")
    page.click("#act-void button")
    page.wait_for_load_state()
    assert "不属于受理范围" in page.inner_text("#confirm")  # 作废 asks first
    page.click("#confirm-yes")
    page.wait_for_load_state()
    assert page.get_attribute("#status", "data-status") == "void"
    page.goto("/console/field")
    assert page.inner_text("#reason") == "您的角色或所辖单位不允许此操作"
    assert page.text_content("#detail").startswith("dispatcher has no field page")
    shot(page, "forbidden")
    page.context.close()


def test_grid_worker_self_reports_at_the_phone_location(server: Server, browser: Any) -> None:
    lon, lat = point_in(server.ctx, LUJIAZUI_L3)
    token = server.users.add("gw-9", "grid_worker", f"gw-{LUJIAZUI_L3}")
    page = login(browser, server, token, viewport=PHONE, permissions=["geolocation"],
                 geolocation={"longitude": lon, "latitude": lat})  # fmt: skip
    page.goto("/console/field")  # the classic page (the app is where the role lands)
    page.click("#locate")
    page.wait_for_function("() => document.getElementById('lon').value !== ''")
    assert abs(float(page.input_value("#lon")) - lon) < 1e-5
    page.fill("#onsite-form input[name=note]", "已当场清理")
    page.click("#onsite-form button[type=submit]")
    page.wait_for_load_state()
    number = page.inner_text("#flash").split()[-1]  # 已提交自行处置 E…
    made = server.ctx.store.get_by_number(number)
    assert made.onsite and made.status.value == "handled" and LUJIAZUI_L3 in made.cells
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "field-onsite")
    page.context.close()


def test_dispatch_ticket_and_dashboard_pages_fit_a_375_px_phone(
    server: Server, browser: Any
) -> None:
    number = report(server, server.users.api_key(), "窄屏")
    page = login(browser, server, server.users.add("s-narrow", "supervisor", "all"),
                 viewport=PHONE)  # fmt: skip
    pages = {
        "dispatch": "/console/dispatch",
        "dispatch-level3": "/console/dispatch?level=3&l1=310115005",
        "ticket": f"/console/tickets/{number}",
        "supervise": "/console/supervise",
    }
    for name, url in pages.items():
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
        shot(page, f"phone-{name}")
    page.context.close()


def test_a_reported_ticket_reaches_the_dispatch_page_over_the_stream(
    server: Server, browser: Any
) -> None:
    """Polling is refused by the network here: only the stream can bring the row."""
    page = login(browser, server, server.users.add("d-sse", "dispatcher", "all"))
    polls: list[str] = []
    page.context.route("**/console/dispatch/live*",
                       lambda route: (polls.append(route.request.url), route.abort()))  # fmt: skip
    assert page.url.endswith("/console/dispatch")
    page.wait_for_function("() => document.getElementById('live').dataset.streaming === '1'")
    number = report(server, server.users.api_key(), "推送")
    page.wait_for_selector(f'#queue-table tr[data-number="{number}"]', timeout=60_000)
    assert int(page.get_attribute("#live", "data-streamed") or 0) >= 1
    assert page.get_attribute("#live", "data-polled") is None and polls == []
    assert page.get_attribute("#live", "data-streaming") == "1"
    shot(page, "dispatch-streamed")
    page.context.close()


def test_the_dispatch_page_falls_back_to_polling_when_the_stream_fails(
    server: Server, browser: Any
) -> None:
    context = browser.new_context(base_url=server.url)
    context.route("**/console/dispatch/stream*", lambda route: route.abort())
    page = context.new_page()
    page.goto("/console/login")
    page.fill("#token", server.users.add("d-poll", "dispatcher", "all"))
    page.click("#login")
    page.wait_for_load_state()
    page.wait_for_function("() => document.getElementById('live').dataset.polling === '1'",
                           timeout=60_000)  # fmt: skip
    number = report(server, server.users.api_key(), "轮询")
    page.wait_for_selector(f'#queue-table tr[data-number="{number}"]', timeout=60_000)
    assert int(page.get_attribute("#live", "data-polled") or 0) >= 1
    assert page.get_attribute("#live", "data-streamed") is None
    context.close()


def test_a_task_dispatched_to_my_unit_reaches_the_field_page_over_the_stream(
    server: Server, browser: Any
) -> None:
    """Polling is refused by the network: only the stream can bring the task, without a reload.
    While a reason is being typed the list is left alone; it updates once the field is cleared."""
    token = server.users.add("gw-live", "grid_worker", f"gw-{LUJIAZUI_L3}")
    page = login(browser, server, token, viewport=PHONE)
    polls: list[str] = []
    page.context.route("**/console/field/live*",
                       lambda route: (polls.append(route.request.url), route.abort()))  # fmt: skip
    assert page.url.endswith("/console/app/")  # field roles land on the app
    page.click("#classic")  # and its link leads back to the classic page
    page.wait_for_url("**/console/field")
    page.wait_for_function("() => document.getElementById('live').dataset.streaming === '1'")
    loaded = page.evaluate("performance.getEntriesByType('navigation').length")
    number = report(server, server.users.api_key(), "推送到手机", code="E0104")  # not a duplicate
    assert route_batch(server.ctx, 10, now=NOW) >= 1
    assert server.ctx.store.get_by_number(number).owner_unit == f"gw-{LUJIAZUI_L3}"
    page.wait_for_selector(f'article.task[data-number="{number}"]', timeout=60_000)
    assert int(page.get_attribute("#live", "data-streamed") or 0) >= 1
    assert page.get_attribute("#live", "data-polled") is None and polls == []
    assert page.evaluate("performance.getEntriesByType('navigation').length") == loaded
    shot(page, "field-streamed")

    # a half-typed reason is not wiped by a pushed list
    reason = page.locator(f'article.task[data-number="{number}"] form.return input[name=reason]')
    reason.fill("不在本网格")
    second = report(server, server.users.api_key(), "第二件", code="E0201")
    assert route_batch(server.ctx, 10, now=NOW) >= 1
    page.wait_for_function("() => document.getElementById('live').pending !== undefined",
                           timeout=60_000)  # fmt: skip
    assert page.locator(f'article.task[data-number="{second}"]').count() == 0
    assert reason.input_value() == "不在本网格"
    reason.fill("")
    page.locator("#onsite-form input[name=note]").focus()
    page.wait_for_selector(f'article.task[data-number="{second}"]', timeout=60_000)
    page.context.close()
