"""The dispatcher's desk in a real browser (Debian's Chromium via Playwright, on real uvicorn):
by clicks and typing only, a dispatcher pages through a queue of more than 50 with counts that
match, finds a ticket by search, dispatches it to a unit typed by name and a person picked from
that unit, and reads the reason of a return in the timeline. Every page of the desk is shot in
中文 and English at 1440 and 390 px (tests/artifacts/) and checked with axe-core (vendored under
tests/console/vendor/axe-core): no critical or serious violation."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from gridops.services.actions import act
from gridops.services.intake import IntakeReport, submit
from gridops.services.routing import route_batch, suggestion
from gridops.tickets import Role, Source

from .browser import login, violations
from .conftest import ARTIFACTS, NOW, Server

pytestmark = pytest.mark.slow
WIDTHS = (1440, 390)
QUEUED = 55  # more than a page of 50
GREENING = "dept-greening@310115125"  # 张江镇市容所


def report(server: Server, l3: str, description: str, seconds: int, **kw: Any) -> str:
    ctx = server.ctx
    p = ctx.grid.cells[l3].geometry.representative_point()
    kw.setdefault("source", Source.HOTLINE)
    [t] = submit(
        ctx,
        [
            IntakeReport(
                category="E0102",
                lon=p.x + seconds * 1e-6,
                lat=p.y,
                crs=ctx.grid.crs,
                description=description,
                **kw,
            )
        ],
        actor="apikey:hotline",
        role=Role.PUBLIC,
        now=NOW - timedelta(minutes=30) + timedelta(seconds=seconds),
    )
    return t.number


def rows(page: Any) -> list[str]:
    return [
        r.get_attribute("data-number")
        for r in page.locator("#queue-table tbody tr[data-number]").all()
    ]


@pytest.fixture(scope="module")
def desk(server: Server) -> dict[str, Any]:
    """55 new tickets in 张江镇, one to find among them, one returned with a reason."""
    queued = [report(server, "310115125001001", f"暴露垃圾 第{i}处", i) for i in range(QUEUED)]
    target = report(server, "310115125002001", "东方路口绿化带旁堆放垃圾", QUEUED + 1)
    returned = report(server, "310115005001001", "路边垃圾", QUEUED + 2)
    ctx = server.ctx
    assert route_batch(ctx, 5, now=NOW) >= 1  # routes the oldest few (and `returned`? no)
    t = ctx.store.get_by_number(returned)
    if t.status.value == "reported":
        act(
            ctx,
            t.id,
            "dispatch",
            actor="d-0",
            role=Role.DISPATCHER,
            now=NOW,
            owner_unit="gw-310115005001001",
            time_limit=ctx.ops.taxonomy["E0102"].time_limit,
        )
        t = ctx.store.get_by_number(returned)
    act(
        ctx,
        t.id,
        "return",
        actor="w-1",
        role=Role.GRID_WORKER,
        now=NOW,
        reason="此处属绿化养护范围，非本网格",
    )
    token = server.users.add("d-desk", "dispatcher", "all")
    return {"queued": queued, "target": target, "returned": returned, "token": token}


def test_a_dispatcher_works_the_desk_by_clicks_and_typing(
    server: Server, browser: Any, desk: dict[str, Any]
) -> None:
    page = login(browser, server, desk["token"])
    assert page.url.endswith("/console/dispatch")
    # the queue: more than one page, the tab's count is what the pages hold
    total = int(page.inner_text("#count-new"))
    assert total > 50 and int(page.get_attribute("#page-info", "data-total") or 0) == total
    seen = rows(page)
    assert len(seen) == 50
    page.click("#next-page")
    page.wait_for_load_state()
    assert int(page.inner_text("#count-new")) == total
    seen += rows(page)
    assert len(seen) == len(set(seen)) == total
    page.click("#f-newest")
    page.click("#apply")
    page.wait_for_load_state()
    assert rows(page)[0] == desk["returned"] or rows(page)[0] == desk["target"]

    # find the ticket by a piece of its description, open it
    page.fill("#f-q", "东方路口")
    page.press("#f-q", "Enter")
    page.wait_for_load_state()
    assert rows(page) == [desk["target"]] and page.inner_text("#count-new") == "1"
    page.click(f'#queue-table tr[data-number="{desk["target"]}"] a')
    page.wait_for_load_state()
    assert page.get_attribute("#status", "data-status") == "reported"
    assert page.locator("#suggested").count() == 1  # what routing would decide, in words

    # dispatch: the unit typed by name, a person picked from that unit's people
    unit = page.locator("#dispatch-owner_unit")
    unit.fill("")
    unit.type("张江镇市容")
    page.wait_for_function(
        "() => document.querySelector('#units-dispatch option[value=\"张江镇市容所\"]')"
    )
    unit.press("Tab")  # the change: the unit's people are listed
    person = page.locator(f'#people-dispatch input[value="{GREENING}-1"]')
    person.wait_for()
    assert "在班" in page.inner_text("#people-dispatch")
    person.check()
    page.click("#act-dispatch button")
    page.wait_for_load_state()
    assert page.get_attribute("#status", "data-status") == "dispatched"
    assert page.inner_text("#flash") == f"已派遣 {desk['target']}"
    moved = server.ctx.store.get_by_number(desk["target"])
    assert (moved.owner_unit, moved.assignee) == (GREENING, f"{GREENING}-1")

    # the returned ticket: the reason of its return in the timeline
    page.goto("/console/dispatch")
    page.click('#queues a[data-queue="returned"]')
    page.wait_for_load_state()
    page.click(f'#queue-table tr[data-number="{desk["returned"]}"] a')
    page.wait_for_load_state()
    returned = page.locator('tr.event[data-type="return"] td.details')
    assert "此处属绿化养护范围，非本网格" in returned.inner_text()
    page.context.close()


def test_clicks_to_dispatch_a_suggestion_and_to_a_named_person(
    server: Server, browser: Any, desk: dict[str, Any]
) -> None:
    """Verify-and-dispatch takes 2 clicks (open the ticket, 派遣: the suggested unit and person
    are filled in); a routed ticket to a named person of its unit takes 3 (open, the person,
    改派). Finding the ticket is typing, not clicking."""
    fresh = report(server, "310115005001002", "人行道上有垃圾袋", QUEUED + 20)
    routed = report(server, "310115005002001", "垃圾桶满溢", QUEUED + 21)
    ctx = server.ctx
    t = ctx.store.get_by_number(routed)
    plan = suggestion(ctx, t, NOW)  # routed as the routing stage would (only this one)
    act(ctx, t.id, "dispatch", actor="router", role=Role.SYSTEM, now=NOW,
        owner_unit=plan.pop("owner_unit"), assignee=plan.pop("assignee"),
        time_limit=ctx.ops.taxonomy[t.category].time_limit, routing=plan)  # fmt: skip
    assert server.ctx.store.get_by_number(routed).status.value == "dispatched"
    assert server.ctx.store.get_by_number(fresh).status.value == "reported"  # left to the desk
    clicks = 0
    page = login(browser, server, desk["token"])

    def click(selector: str) -> None:
        nonlocal clicks
        clicks += 1
        page.click(selector)
        page.wait_for_load_state()

    page.fill("#f-q", "人行道上")
    page.press("#f-q", "Enter")
    page.wait_for_load_state()
    click(f'#queue-table tr[data-number="{fresh}"] a')
    suggested = page.locator("#people-dispatch input:checked").get_attribute("value")
    click("#act-dispatch button")
    moved = server.ctx.store.get_by_number(fresh)
    assert clicks == 2 and moved.status.value == "dispatched" and moved.assignee == suggested
    assert moved.owner_unit == "gw-310115005001002" and suggested  # the suggestion, a person

    clicks = 0
    t = server.ctx.store.get_by_number(routed)
    person = next(p for p in (f"{t.owner_unit}-1", f"{t.owner_unit}-2") if p != t.assignee)
    page.goto(f"/console/tickets/{routed}")  # from a queue row or a search: one click
    clicks = 1
    click(f'#people-reassign input[value="{person}"]')
    click("#act-reassign button")
    assert clicks == 3 and server.ctx.store.get_by_number(routed).assignee == person
    page.context.close()


def shoot(page: Any, name: str, lang: str, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-{name}-{lang}-{width}.png"), full_page=True)


def test_every_desk_page_in_both_languages_at_both_widths(
    server: Server, browser: Any, desk: dict[str, Any]
) -> None:
    other = report(server, "310115125003001", "井盖松动", QUEUED + 10)
    addresses = {
        "queue": "/console/dispatch?queue=new",
        "queue-search": "/console/dispatch?queue=new&q=" + "暴露垃圾" + "&per=20",
        "bad-filter": "/console/dispatch?cell=" + "月球背面",
        "ticket-new": f"/console/tickets/{other}",
        "ticket-returned": f"/console/tickets/{desk['returned']}",
    }
    problems = {}
    for lang in ("zh", "en"):
        for width in WIDTHS:
            page = login(browser, server, desk["token"], viewport={"width": width, "height": 900})
            page.goto(f"/console/dispatch?lang={lang}")
            for name, url in addresses.items():
                page.goto(url)
                page.wait_for_load_state()
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                shoot(page, name, lang, width)
            page.goto(f"/console/tickets/{other}")
            page.fill("#act-void input[name=reason]", "重复上报")
            page.click("#act-void button")
            page.wait_for_load_state()
            assert page.locator("#confirm-form").count() == 1
            shoot(page, "confirm-void", lang, width)
            page.goto("/console/dispatch?queue=new")
            page.locator("#queue-table tbody input[name=n]").first.check()
            page.click("#bulk-void")
            page.wait_for_load_state()
            assert page.locator("#bulk-form").count() == 1
            shoot(page, "bulk-void", lang, width)
            page.context.close()
        for name, url in addresses.items():
            found = violations(browser, server, desk["token"], url, lang)
            if found:
                problems[f"{name} {lang}"] = [
                    (
                        v["id"],
                        v["impact"],
                        [n["target"] for n in v["nodes"]][:4],
                        v["nodes"][0].get("failureSummary", "")[:300],
                    )
                    for v in found
                ]
    (ARTIFACTS / "desk-axe.json").write_text(json.dumps(problems, ensure_ascii=False, indent=1))
    assert problems == {}
    assert re.match(r"E\d+", other)


def test_an_empty_queue_says_so_readably_on_a_phone(server: Server, browser: Any) -> None:
    """At 390 px the rows become cards whose first cell floats at the top right: the one cell
    of an empty queue floated too, half hidden behind the row's edge."""
    token = server.users.add("d-empty", "dispatcher", "all")
    page = login(browser, server, token, viewport={"width": 390, "height": 844},
                 has_touch=True, is_mobile=True)  # fmt: skip
    page.goto("/console/dispatch?q=no-such-ticket-anywhere")
    cell = page.locator("#queue-table td.empty")
    assert cell.is_visible()
    box = cell.bounding_box()
    row = page.locator("#queue-table tr:has(td.empty)").bounding_box()
    assert box is not None and row is not None
    assert box["y"] >= row["y"] and box["y"] + box["height"] <= row["y"] + row["height"] + 0.5
    assert page.evaluate("getComputedStyle(document.querySelector('td.empty')).position") == (
        "static"
    )
    page.context.close()


#: Each card cell's label and value on the desk's phone layout: where the label (its
#: ``data-label``, drawn by ::before) ends and where each line of the value starts.
CARD_CELLS = """() => {
  const measure = document.createElement("canvas").getContext("2d"), out = [];
  for (const td of document.querySelectorAll("#queue-table tbody tr[data-number] td[data-label]")) {
    const b = getComputedStyle(td, "::before"), s = getComputedStyle(td);
    const r = td.getBoundingClientRect();
    measure.font = `${b.fontWeight} ${b.fontSize} ${b.fontFamily}`;
    const text = measure.measureText(td.dataset.label).width, box = parseFloat(b.width);
    const left = r.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft)
      + parseFloat(b.marginLeft);
    const range = document.createRange();
    range.selectNodeContents(td);
    const lines = [...range.getClientRects()].filter((x) => x.width > 0);
    out.push({label: td.dataset.label, end: left + Math.min(text, isNaN(box) ? text : box),
              bottom: r.top + parseFloat(s.paddingTop) + parseFloat(b.height || "0"),
              lines: lines.map((x) => [x.left, x.top])});
  }
  return out;
}"""

#: The filter boxes' placeholders: the text's width and the room the box gives it.
PLACEHOLDERS = """() => [...document.querySelectorAll("#desk-filters input[placeholder]")]
.map((i) => {
  const s = getComputedStyle(i), measure = document.createElement("canvas").getContext("2d");
  measure.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
  return [i.id, measure.measureText(i.placeholder).width,
          i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)];
})"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_on_a_phone_each_label_reads_apart_from_its_value_and_the_placeholders_whole(
    server: Server, browser: Any, desk: dict[str, Any], lang: str
) -> None:
    """At 390 px the queue's rows are cards, each cell labelled by its ``data-label``: "Address
    / nearby" ran into its value ("Address / nearbynear 浦东新区…"); the search boxes cut their
    placeholders ("Case no., description o")."""
    page = login(browser, server, desk["token"], width=390)
    page.goto(f"/console/dispatch?queue=new&lang={lang}")
    cells = page.evaluate(CARD_CELLS)
    assert len({c["label"] for c in cells}) >= 9, cells[:3]
    crowded = [
        (c["label"], line, round(c["end"], 1))
        for c in cells
        for line in c["lines"]
        if line[0] < c["end"] + 4 and line[1] < c["bottom"] - 1  # beside it, and too close
    ]
    assert crowded == [], crowded[:5]
    cut = [(i, round(text), round(room)) for i, text, room in page.evaluate(PLACEHOLDERS)
           if text > room]  # fmt: skip
    assert cut == [] and page.evaluate("document.documentElement.scrollWidth") <= 390, cut
    page.context.close()
