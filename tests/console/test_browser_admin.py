"""The admin pages in Chromium (issue 18), by clicks and typing only: an admin adds a field
worker by typing a unit's name, reads the token shown once, disables and enables them, adds an
API key with a lifetime and revokes it, and finds it all in the account log; every admin page
in 中文 and English at 1440 and 390 px, shot (tests/artifacts/) and checked with axe-core: no
critical or serious violation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .browser import login, violations
from .conftest import ARTIFACTS, Server

pytestmark = pytest.mark.slow
WIDTHS = (1440, 390)


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    return server.users.add("root", "admin")


def test_an_admin_manages_users_and_keys_by_clicks_and_typing(
    server: Server, browser: Any, token: str
) -> None:
    page = login(browser, server, token, viewport={"width": 1440, "height": 900})
    page.click("header nav a[href='/console/admin/users']")
    page.wait_for_load_state()
    page.fill("#f-id", "w-laogang")
    page.fill("#f-name", "王师傅")
    page.select_option("#f-role", "field_staff")
    page.fill("#f-units", "老港镇市容")
    page.click("#add-user-button")
    page.wait_for_load_state()
    shown = page.inner_text("#secret-value")
    assert len(shown) > 20
    row = page.locator('tr[data-user="w-laogang"]')
    assert "老港镇市容" in row.inner_text() and "处置人员" in row.inner_text()
    row.locator("button", has_text="停用").click()
    page.wait_for_load_state()
    assert "已停用" in page.locator('tr[data-user="w-laogang"] td.state').inner_text()
    assert page.locator("#secret-value").count() == 0  # the token is never shown again
    page.locator('tr[data-user="w-laogang"] button', has_text="启用").click()
    page.wait_for_load_state()
    page.click("#admin-nav a[href='/console/admin/keys']")
    page.wait_for_load_state()
    page.fill("#f-name", "hotline-12345")
    page.fill("#f-expires", "soon")
    page.click("#add-key-button")
    page.wait_for_load_state()
    assert "最长十年" in page.inner_text("#error-expires")
    assert page.input_value("#f-name") == "hotline-12345"
    page.fill("#f-expires", "90d")
    page.click("#add-key-button")
    page.wait_for_load_state()
    assert page.locator("#secret-value").count() == 1
    page.click("#revoke-hotline-12345")
    page.wait_for_load_state()
    assert "已停用" in page.locator('tr[data-key="hotline-12345"] td.state').inner_text()
    page.click("#admin-nav a[href='/console/admin/log']")
    page.wait_for_load_state()
    actions = [r.get_attribute("data-action") for r in page.locator("#log-table tbody tr").all()]
    assert actions[:5] == ["apikey.revoke", "apikey.add", "user.update", "user.update",
                           "user.add"]  # fmt: skip
    assert page.locator('#access-table tr[data-kind="sign_in"][data-subject="root"]').count() >= 1
    page.context.close()


def test_every_admin_page_in_both_languages_at_both_widths(
    server: Server, browser: Any, token: str
) -> None:
    addresses = {
        "users": "/console/admin/users",
        "keys": "/console/admin/keys",
        "log": "/console/admin/log",
    }
    problems = {}
    for lang in ("zh", "en"):
        for width in WIDTHS:
            page = login(browser, server, token, viewport={"width": width, "height": 900})
            page.goto(f"/console/admin/users?lang={lang}")
            for name, url in addresses.items():
                page.goto(url)
                page.wait_for_load_state()
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                path = ARTIFACTS / f"admin-{name}-{lang}-{width}.png"
                page.screenshot(path=str(path), full_page=True)
            page.context.close()
        for name, url in addresses.items():
            found = violations(browser, server, token, url, lang)
            if found:
                problems[f"{name} {lang}"] = [
                    (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:4],
                     v["nodes"][0].get("failureSummary", "")[:300])
                    for v in found
                ]  # fmt: skip
    (ARTIFACTS / "admin-axe.json").write_text(json.dumps(problems, ensure_ascii=False, indent=1))
    assert problems == {}
