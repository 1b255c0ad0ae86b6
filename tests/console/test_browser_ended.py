"""A page whose session ends says so (Chromium): the desk of a dispatcher signed out from another
tab, by its live stream or by its polling, shows a notice in its language over a dimmed list
instead of freezing silently; the notice's link signs in again in a new tab, and back on the
first, it is live again with what was typed in it kept. Data answers of a script (polls, map
data) are a plain 401 in the reader's language, never the login page."""

from __future__ import annotations

from typing import Any

import pytest

from gridops.services.intake import IntakeReport, submit
from gridops.tickets import Role, Source

from .browser import login, shot
from .conftest import NOW, Server

pytestmark = pytest.mark.slow
L3 = "310115125001001"
NOTICE = {"zh": "登录已结束", "en": "Your session has ended"}


def report(server: Server, description: str) -> str:
    ctx = server.ctx
    p = ctx.grid.cells[L3].geometry.representative_point()
    [t] = submit(
        ctx,
        [IntakeReport(category="E0102", lon=p.x, lat=p.y, crs=ctx.grid.crs,
                      description=description, source=Source.HOTLINE)],
        actor="apikey:hotline", role=Role.PUBLIC, now=NOW,
    )  # fmt: skip
    return t.number


@pytest.mark.parametrize(("lang", "how", "width"), [("zh", "stream", 1440), ("en", "poll", 390)])
def test_a_desk_whose_session_ended_says_so_and_signs_in_again(
    browser: Any, server: Server, lang: str, how: str, width: int
) -> None:
    token = server.users.add(f"ended-{lang}", "dispatcher", "all")
    page = login(browser, server, token, width=width)
    if how == "poll":  # a browser (or proxy) without Server-Sent Events: the desk polls
        page.add_init_script("delete window.EventSource;")
    url = f"/console/dispatch?queue=new&lang={lang}"
    page.goto(url)
    live = page.locator("#live")
    asking = "polling" if how == "poll" else "streaming"
    page.wait_for_function("(k) => document.getElementById('live').dataset[k]", arg=asking)
    assert page.locator("#ended").is_hidden()

    csrf = page.input_value("header form input[name=csrf]")  # signed out from another tab:
    out = page.context.request.post("/console/logout", form={"csrf": csrf}, max_redirects=0)
    assert out.status == 303
    report(server, "after sign-out")  # the list changes: the stream renders, and finds no session

    notice = page.locator("#ended")
    notice.wait_for(state="visible", timeout=60_000)
    assert NOTICE[lang] in notice.inner_text()
    assert page.evaluate("document.body.classList.contains('ended')")
    assert not live.get_attribute("data-polling")  # it stopped asking
    shot(page, f"ended-{lang}-{width}")

    search = page.locator("input[name=q]")
    search.fill("typed before signing in again")
    with page.expect_popup() as opened:  # a new tab: nothing typed here is lost
        notice.locator("a").click()
    again = opened.value
    again.fill("#token", token)
    with again.expect_navigation():
        again.click("#login")
    assert again.url.endswith(url)  # the new tab lands on the same desk
    page.bring_to_front()
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # back on the first tab
    notice.wait_for(state="hidden")
    assert not page.evaluate("document.body.classList.contains('ended')")
    assert search.input_value() == "typed before signing in again"
    number = report(server, "after signing in again")
    page.locator(f"#live [data-number='{number}']").first.wait_for(timeout=60_000)
    page.context.close()


def test_a_scripts_request_without_a_session_is_a_plain_401_in_its_language(
    server: Server,
) -> None:
    import httpx

    for lang, words in (("zh", "请先登录"), ("en", "Sign in first")):
        for path in ("/console/dispatch/live", "/console/map/pins.geojson"):
            r = httpx.get(server.url + path, params={"lang": lang},
                          headers={"X-Requested-With": "poll"})  # fmt: skip
            assert r.status_code == 401, path
            assert r.headers["content-type"].startswith("text/plain")
            assert words in r.text, (path, r.text)
    page = httpx.get(server.url + "/console/dispatch")  # a person's page: the login page
    assert page.status_code == 303 and "/console/login" in page.headers["location"]


DATA_LINKS = ("/console/map/cells.geojson?level=1", "/console/map/pins.geojson",
              "/console/map/wall.geojson", "/console/supervise/map.json",
              "/console/patrols/tracks.geojson", "/console/app/tasks")  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_data_link_opened_in_the_address_bar_is_a_page_not_json(
    browser: Any, server: Server, lang: str
) -> None:
    """The maps' and the app's data answers are for their scripts; a person who opens one (a
    link copied from the network panel, a bookmark) gets a page in their language, signed in
    or not — never raw JSON or GeoJSON."""
    words = {"zh": "这是数据，不是页面", "en": "This is data, not a page"}[lang]
    page = login(browser, server, server.users.add(f"data-{lang}", "supervisor", "all"))
    signed_out = browser.new_context(base_url=server.url).new_page()
    for who in (page, signed_out):
        for link in DATA_LINKS:
            answer = who.goto(f"{link}{'&' if '?' in link else '?'}lang={lang}")
            assert answer is not None and answer.status == 406, link
            assert who.evaluate("document.contentType") == "text/html", link
            assert who.locator("#error-title").inner_text() == words, link
    page.context.close()
    signed_out.context.close()
