"""The supervisor's desk in Chromium (issue 18), by clicks and typing only: pick a period (a
range typed wrong, then right), group by person, sort a column, page the overdue list to its
end (the true count), drill 街镇 → 居村 and read whole names, export what is shown; then every
supervisor page in 中文 and English at 1440 and 390 px, shot (tests/artifacts/) and checked
with axe-core: no critical or serious violation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gridops.metrics import split_name

from .browser import login, violations
from .conftest import ARTIFACTS, LUJIAZUI_L3, Server
from .test_supervise_desk import routed

pytestmark = pytest.mark.slow
WIDTHS = (1440, 390)
OVERDUE = 45  # more than two pages of 20


@pytest.fixture(scope="module")
def desk(server: Server) -> dict[str, Any]:
    made = routed(server.ctx, OVERDUE, days_ago=20)
    routed(server.ctx, 6, "310115004001001")
    token = server.users.add("sup-all", "supervisor", "all")
    return {"token": token, "overdue": made}


def shoot(page: Any, name: str, lang: str, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"supervise-{name}-{lang}-{width}.png"), full_page=True)


def keys(page: Any, table: str = "#rates") -> list[str]:
    return [r.get_attribute("data-key") for r in page.locator(f"{table} tbody tr[data-key]").all()]


def test_a_supervisor_works_the_desk_by_clicks_and_typing(
    server: Server, browser: Any, desk: dict[str, Any]
) -> None:
    page = login(browser, server, desk["token"], viewport={"width": 1440, "height": 900})
    page.goto("/console/supervise?lang=zh")
    assert page.inner_text("#period-label") == "2026-11"
    # a range typed wrong: the message beside the field, what was typed kept
    page.check("#span-range")
    page.fill("#f-start", "2026-11-01")
    page.fill("#f-end", "2026-10-01")
    page.click("#apply")
    page.wait_for_load_state()
    assert "早于" in page.inner_text("#error-end")
    assert page.input_value("#f-end") == "2026-10-01"
    page.fill("#f-end", "2026-11-30")
    page.click("#apply")
    page.wait_for_load_state()
    assert page.inner_text("#period-label") == "2026-11-01..2026-11-30"
    assert page.locator("#error-summary").count() == 0
    assert keys(page) == ["310115005", "310115004"]  # n, highest first
    # sort by n, the other way
    page.click('#rates th a[data-sort="n"]')
    page.wait_for_load_state()
    assert keys(page) == ["310115004", "310115005"]
    # drill into the 街镇: whole 居村 names
    page.click('#rates tr[data-key="310115005"] a.drill')
    page.wait_for_load_state()
    for key in keys(page):
        whole = split_name(server.ctx.grid.cells[key].name)[0]
        assert whole in page.inner_text(f'#rates tr[data-key="{key}"]')
    page.click("#up")
    page.wait_for_load_state()
    assert "310115004" in keys(page)
    # by person: the people the tickets went to
    page.click("#view-person")
    page.wait_for_load_state()
    people = {t.assignee for t in server.ctx.store.find(limit=1000)} - {""}
    assert set(keys(page)) <= people and len(keys(page)) == min(50, len(people))
    assert page.get_attribute("#rows-info", "data-total") == str(len(people))
    # the overdue list, paged to its end: every overdue ticket once, the true count
    assert page.inner_text("#count-overdue") == str(OVERDUE)
    seen: list[str] = []
    while True:
        seen += [
            r.get_attribute("data-number") or ""
            for r in page.locator("#list-overdue tbody tr[data-number]").all()
        ]
        nxt = page.locator("#overdue-pager a.next")
        if nxt.count() == 0:
            break
        nxt.click()
        page.wait_for_load_state()
    assert sorted(seen) == sorted(desk["overdue"])
    # what is shown, exported
    with page.expect_download() as got:
        page.click("#xlsx-indicators")
    assert got.value.suggested_filename.endswith(".xlsx")
    body = page.request.get(page.get_attribute("#csv-indicators", "href") or "").text()
    assert body.splitlines()[0].lstrip("\ufeff").startswith("编码,名称,n,立案率")
    page.context.close()


def test_every_supervisor_page_in_both_languages_at_both_widths(
    server: Server, browser: Any, desk: dict[str, Any]
) -> None:
    addresses = {
        "level1": "/console/supervise?view=1",
        "level2": "/console/supervise?view=2&parent=310115005",
        "level3": f"/console/supervise?view=3&parent={LUJIAZUI_L3[:12]}",
        "unit": "/console/supervise?view=unit&span=week",
        "person": "/console/supervise?view=person&sort=close_rate&dir=desc",
        "bad-range": "/console/supervise?span=range&start=2026-13-01&end=2026-11-02",
        "overdue-page2": "/console/supervise?opage=2",
    }
    problems = {}
    for lang in ("zh", "en"):
        for width in WIDTHS:
            page = login(browser, server, desk["token"], viewport={"width": width, "height": 900})
            page.goto(f"/console/supervise?lang={lang}")
            for name, url in addresses.items():
                page.goto(url)
                page.wait_for_load_state()
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                shoot(page, name, lang, width)
            page.context.close()
        for name, url in addresses.items():
            found = violations(browser, server, desk["token"], url, lang)
            if found:
                problems[f"{name} {lang}"] = [
                    (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:4],
                     v["nodes"][0].get("failureSummary", "")[:300])
                    for v in found
                ]  # fmt: skip
    (ARTIFACTS / "supervise-axe.json").write_text(
        json.dumps(problems, ensure_ascii=False, indent=1)
    )
    assert problems == {}
    assert all(re.match(r"[A-Z0-9]+$", n) for n in desk["overdue"])
