"""A shift in Chromium (issue 18), by clicks and typing only: a dispatcher dispatches 30 new
tickets from the desk to their suggested unit and person, re-dispatches the 5 that field staff
return (reading each reason), escalates 3 to joint enforcement and flags 2 for 督办; field staff
handle 10; a supervisor passes the check of 8 and fails 2 from the 待核查 list; the supervisor
then finds the shift in today's indicators, each rate with its n."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from gridops.services.actions import act
from gridops.services.intake import IntakeReport, submit
from gridops.tickets import Role, Source

from .browser import login
from .conftest import CHROMIUM, CHROMIUM_ARGS, NOW, Server

pytestmark = pytest.mark.slow
SHIFT = 30
RETURNED, ESCALATED, SUPERVISED, HANDLED, FAILED = 5, 3, 2, 10, 2


@pytest.fixture(scope="module")
def browser(browser: Any) -> Iterator[Any]:
    """Chromium without WebGL: the desk and the supervisor's pages show their server-drawn
    map instead of starting MapLibre on every one of this shift's ~150 page loads (software
    WebGL here: most of the test's time). The web maps have tests of their own."""
    args = [*CHROMIUM_ARGS, "--disable-webgl", "--disable-3d-apis"]
    b = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True, args=args)
    yield b
    b.close()


def new_tickets(server: Server) -> list[str]:
    """30 hotline reports of the morning, each in its own unit cell of 陆家嘴."""
    ctx = server.ctx
    cells = sorted(c.code for c in ctx.grid.cells_at(3) if c.code.startswith("310115005"))
    out = []
    for i, code in enumerate(cells[:SHIFT]):
        p = ctx.grid.cells[code].geometry.representative_point()
        report = IntakeReport(category="E0102", lon=p.x, lat=p.y, crs=ctx.grid.crs,
                              source=Source.HOTLINE, description=f"垃圾 {i}")  # fmt: skip
        [t] = submit(ctx, [report], actor="apikey:hotline", role=Role.PUBLIC,
                     now=NOW - timedelta(minutes=10) + timedelta(seconds=i))  # fmt: skip
        out.append(t.number)
    return out


def worker(server: Server, number: str, action: str, **fields: Any) -> None:
    """What the assignee does on their phone (the field app, not this test's subject)."""
    t = server.ctx.store.get_by_number(number)
    act(server.ctx, t.id, action, actor=t.assignee, role=Role.GRID_WORKER, now=NOW, **fields)


def rate(page: Any, key: str) -> str:
    return " ".join(
        page.inner_text(f'#rates tr[data-key="310115005"] td[data-rate="{key}"]').split()
    )


def test_a_shift_worked_in_the_browser_adds_up_in_the_indicators(
    server: Server, browser: Any
) -> None:
    numbers = new_tickets(server)
    desk = login(browser, server, server.users.add("d-shift", "dispatcher", "all"))

    def open_from(queue: str, number: str) -> None:
        desk.click("header nav a[href='/console/dispatch']")
        desk.wait_for_load_state()
        desk.click(f'#queues a[data-queue="{queue}"]')
        desk.wait_for_load_state()
        desk.click(f'#queue-table tr[data-number="{number}"] a')
        desk.wait_for_load_state()

    def do(form: str, **typed: str) -> None:
        for name, value in typed.items():
            desk.fill(f"#{form}-{name}", value)
        desk.click(f"#act-{form} button")
        desk.wait_for_load_state()

    for number in numbers:  # dispatch each to its suggestion: open, 派遣
        open_from("new", number)
        assert desk.locator("#people-dispatch input:checked").count() == 1
        do("dispatch")
        assert desk.get_attribute("#status", "data-status") == "dispatched", number
    for number in numbers[:RETURNED]:
        worker(server, number, "return", reason=f"非本网格职责 {number[-2:]}")
    desk.click("header nav a[href='/console/dispatch']")
    desk.wait_for_load_state()
    assert desk.inner_text("#count-returned") == str(RETURNED)
    for number in numbers[:RETURNED]:  # read the reason, dispatch again
        open_from("returned", number)
        reason = desk.locator('tr.event[data-type="return"] td.details').inner_text()
        assert f"非本网格职责 {number[-2:]}" in reason
        if desk.locator("#people-dispatch input:checked").count() == 0:
            desk.fill("#dispatch-owner_unit", "陆家嘴街道城运分中心")
            desk.press("#dispatch-owner_unit", "Tab")
            desk.locator("#people-dispatch input").first.check()
        do("dispatch")
        assert desk.get_attribute("#status", "data-status") == "dispatched", number
    for number in numbers[RETURNED : RETURNED + ESCALATED]:
        desk.goto(f"/console/tickets/{number}")  # opened from its notification
        if desk.locator("#escalate-group option[selected]").count() == 0:  # no default
            desk.select_option("#escalate-group", index=1)  # for this category: pick one
        do("escalate", reason="需城管、绿化联合处置")
        assert desk.get_attribute("#status", "data-status") == "escalated", number
    for number in numbers[-SUPERVISED:]:
        desk.goto(f"/console/tickets/{number}")
        do("supervise", reason="群众多次反映")
    desk.context.close()

    handled = numbers[RETURNED + ESCALATED : RETURNED + ESCALATED + HANDLED]
    for number in handled:
        worker(server, number, "accept")
        worker(server, number, "handle", note="已清理")

    sup = login(browser, server, server.users.add("s-shift", "supervisor", "all"))
    for i, number in enumerate(handled):
        sup.click("header nav a[href='/console/supervise']")
        sup.wait_for_load_state()
        sup.click(f'#list-check tr[data-number="{number}"] a')
        sup.wait_for_load_state()
        if i < HANDLED - FAILED:
            sup.click("#act-check_pass button")
        else:
            sup.fill("#check_fail-reason", "仍有垃圾")
            sup.click("#act-check_fail button")
        sup.wait_for_load_state()
    sup.click("header nav a[href='/console/supervise']")
    sup.wait_for_load_state()
    sup.check("#span-today")
    sup.click("#apply")
    sup.wait_for_load_state()
    row = sup.locator('#rates tr[data-key="310115005"]')
    assert row.locator("td").nth(0).inner_text() == str(SHIFT)
    assert rate(sup, "registration_rate") == "100.0% n=30"
    assert rate(sup, "dispatch_accuracy") == "83.3% n=30"  # 25 of 30 never returned
    assert rate(sup, "escalation_rate") == "10.0% n=30"
    assert rate(sup, "supervision_rate") == "6.7% n=30"
    assert rate(sup, "handling_rate") == "100.0% n=10"  # nothing else is due yet
    assert rate(sup, "close_rate") == "80.0% n=10"
    assert rate(sup, "rework_rate") == "20.0% n=10"
    assert sup.inner_text("#count-check") == "0"
    sup.context.close()
