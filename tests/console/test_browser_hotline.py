"""The hotline desk in a real browser (Debian's Chromium via Playwright, on real uvicorn): an
acceptor takes a call by typing what the caller says — the address candidates appear with
their cells as the address is typed, the category is suggested from the description — and the
ticket, once routed, is the unit's of the address's cell. Shot in 中文 and English at 1440 and
390 px (tests/artifacts/hotline-*.png), checked with axe-core: no critical or serious
violation."""

from __future__ import annotations

from typing import Any

import pytest

from gridops.services.routing import route_batch
from gridops.tickets import Status

from .browser import AXE, CSP, login
from .conftest import ARTIFACTS, NOW, Server
from .test_hotline import LUJIAZUI, with_addresses

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def acceptor(server: Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    with_addresses(server.ctx, tmp_path_factory.mktemp("addresses"))
    return server.users.add("acc-hotline", "acceptor", "all")


def loaded(page: Any, before: int) -> None:
    """Wait for the look-up fragment to have been swapped in after ``before`` swaps."""
    page.wait_for_function(
        "(n) => Number(document.getElementById('look').dataset.loaded || 0) > n", arg=before
    )


def swaps(page: Any) -> int:
    return int(page.evaluate("() => Number(document.getElementById('look').dataset.loaded || 0)"))


def test_a_call_by_address_is_routed_to_the_cells_unit(browser, server: Server, acceptor):
    CSP.clear()
    page = login(browser, server, acceptor)
    page.click("#nav-hotline")
    page.fill("#call-phone", "13812345678")
    page.fill("#call-name", "王先生")
    n = swaps(page)
    page.type("#call-address", "锦秀路1", delay=20)  # a typo, the 号 not said
    loaded(page, n)
    page.wait_for_selector("#candidates input[value=L1]")
    cell_text = page.inner_text("#candidates")
    assert "浦东新区陆家嘴街道锦绣路1号" in cell_text and LUJIAZUI in cell_text
    assert page.is_checked("#candidates input[value=L1]")  # the only candidate
    n = swaps(page)
    page.type("#call-description", "小区门口路灯坏了，晚上不亮", delay=10)
    loaded(page, n)
    assert page.is_checked("#categories input[value=C0118]")
    page.click("#call-take")
    page.wait_for_selector("#number")
    assert "已受理" in page.inner_text("#flash")
    number = page.inner_text("#number")
    ticket = server.ctx.store.get_by_number(number)
    assert ticket.cells[-1] == LUJIAZUI and ticket.source.value == "hotline"
    route_batch(server.ctx, 50, now=NOW)
    routed = server.ctx.store.get(ticket.id)
    assert routed.status is not Status.REPORTED
    page.reload()
    assert "浦东新区陆家嘴街道锦绣路1号" in page.inner_text("#address")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hotline-ticket-zh-1440.png"), full_page=True)
    if routed.status is Status.DISPATCHED:
        unit = server.ctx.ops.org.units[routed.owner_unit]
        assert unit.zh in page.inner_text("#owner")
    # a repeat call from the same number at the same place shows the open ticket
    page.goto("/console/hotline")
    page.fill("#call-phone", "138 1234 5678")
    n = swaps(page)
    page.type("#call-address", "锦绣路1号", delay=10)
    loaded(page, n)
    page.wait_for_selector("#repeats")
    assert number in page.inner_text("#repeats")
    assert CSP == []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1440, 390])
def test_the_desk_in_both_languages_at_both_widths(browser, server, acceptor, lang, width):
    CSP.clear()
    page = login(browser, server, acceptor, width)
    page.goto(f"/console/hotline?lang={lang}")
    page.fill("#call-phone", "13900000000")
    n = swaps(page)
    page.type("#call-address", "张杨路88号", delay=10)
    loaded(page, n)
    n = swaps(page)
    said = "路边有人乱扔垃圾" if lang == "zh" else "garbage dumped"
    page.type("#call-description", said, delay=5)
    loaded(page, n)
    assert page.locator("#candidates input[name=address_id]").count() == 2
    page.click("#call-take")
    page.wait_for_selector("#error-summary")
    said = page.inner_text("#error-address")
    assert said == ("地址不唯一，请在候选地址中选择一个" if lang == "zh" else
                    "The address matches several: choose one of the candidates")  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"hotline-{lang}-{width}.png"), full_page=True)
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width + 1, f"the page scrolls sideways at {width} px"
    assert CSP == []
    page.context.close()
    context = browser.new_context(base_url=server.url, bypass_csp=True)
    check = context.new_page()
    check.goto("/console/login")
    check.fill("#token", acceptor)
    check.click("#login")
    check.wait_for_load_state()
    check.goto(f"/console/hotline?lang={lang}")
    check.add_script_tag(path=str(AXE))
    found = check.evaluate("async () => (await axe.run(document)).violations")
    context.close()
    assert [v["id"] for v in found if v.get("impact") in ("critical", "serious")] == []


@pytest.mark.parametrize(("lang", "width"), [("zh", 1440), ("en", 390)])
def test_while_the_address_book_loads_the_acceptor_is_told_then_the_call_is_taken(
    browser, server: Server, acceptor, monkeypatch, lang, width
):
    import threading
    import weakref

    from gridops.services import address_books

    gate, real = threading.Event(), address_books.load_addresses
    monkeypatch.setattr(address_books, "_SHELVES", weakref.WeakKeyDictionary())  # a fresh start
    monkeypatch.setattr(address_books, "LOOKUP_WAIT_S", 0.05)
    monkeypatch.setattr(
        address_books, "load_addresses", lambda e, *a: gate.wait(30) and real(e, *a)
    )
    try:
        page = login(browser, server, acceptor, width)
        page.goto(f"/console/hotline?lang={lang}")
        n = swaps(page)
        page.type("#call-address", "锦绣路1号", delay=10)
        loaded(page, n)
        said = page.inner_text("#address-loading")
        assert said.startswith("地址库正在载入" if lang == "zh" else "The address database is")
        n = swaps(page)
        page.type("#call-description", "路灯坏了" if lang == "zh" else "street light out", delay=5)
        loaded(page, n)
        assert page.is_checked("#categories input[value=C0118]")  # suggestions still work
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"hotline-loading-{lang}-{width}.png"), full_page=True)
    finally:
        gate.set()
    n = swaps(page)
    page.type("#call-address", " ", delay=10)  # the caller repeats: the look-up runs again
    loaded(page, n)
    page.wait_for_selector("#candidates input[value=L1]")
    page.click("#call-take")
    page.wait_for_selector("#number")
    assert server.ctx.store.get_by_number(page.inner_text("#number")).cells[-1] == LUJIAZUI
    page.context.close()
