"""Every path of a shift in Chromium, by clicks and typing only (issue 18): an inspector on a
phone answers two verifications (exists, does not exist); a dispatcher dispatches by typing a
unit's name and picking a person, re-dispatches a returned ticket to the other worker,
escalates one to joint enforcement, suspends and resumes one; two grid workers on phones (the
field app) accept, return and report done; a supervisor fails a check (rework), force-closes
one and reopens a closed one; the inspector passes the checks. After each move the page of the
user who made it — and of the user who sees it next — is read. The reports come in through
Open311 and the hotline and the routing stage runs in-process: neither is a console user.
The same shift in English: tests/console/test_browser_shift_paths_en.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gridops.services.intake import IntakeReport, submit
from gridops.services.routing import route_batch
from gridops.tickets import Role, Source

from .browser import login, scene, shot
from .conftest import NOW, Server, photo, point_in
from .test_browser_app import phone
from .test_browser_app import report as public_report

pytestmark = pytest.mark.slow
POST = "gw-310115005001001"  # 张伟 and 李娜's grid-worker post (config/roster.yaml)
POST_NAME = {"zh": "单元网格310115005001001网格员", "en": "grid-worker post 310115005001001"}
#: What the pages say, in each language: time left on a countdown, a paused clock.
SAYS = {"zh": {"left": "剩余", "paused": "已暂停计时"},
        "en": {"left": " left", "paused": "clock paused"}}  # fmt: skip
JPEG = {"name": "p.jpg", "mimeType": "image/jpeg"}


def hotline(server: Server, cell: str, text: str, i: int) -> str:
    """A 12345 report of the morning (E0102 needs no verification: it waits for dispatch)."""
    ctx = server.ctx
    p = ctx.grid.cells[cell].geometry.representative_point()
    report = IntakeReport(category="E0102", lon=p.x, lat=p.y, crs=ctx.grid.crs,
                          source=Source.HOTLINE, description=text)  # fmt: skip
    [t] = submit(ctx, [report], actor="apikey:hotline", role=Role.PUBLIC,
                 now=NOW - timedelta(minutes=10) + timedelta(seconds=i))  # fmt: skip
    return t.number


class Desk:
    """A signed-in console page (dispatcher or supervisor) and its moves."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.tapped = ""  # the last button tapped to send a move

    def open(self, number: str) -> None:
        self.page.goto(f"/console/tickets/{number}")

    def status(self) -> str:
        return str(self.page.get_attribute("#status", "data-status"))

    def do(self, form: str, **typed: str) -> None:
        for name, value in typed.items():
            self.page.fill(f"#{form}-{name}", value)
        self.page.click(f"#act-{form} button")
        self.page.wait_for_load_state()

    def events(self) -> list[str]:
        return [str(e.get_attribute("data-type")) for e in self.page.locator("tr.event").all()]

    def detail(self, event: str) -> str:
        return str(self.page.locator(f'tr.event[data-type="{event}"] td.details').last.inner_text())

    def dispatch_by_name(self, unit: str, person: str) -> None:
        """Type the unit's name, leave the field, pick the person by name, 派遣."""
        p = self.page
        p.fill("#dispatch-owner_unit", unit)
        p.press("#dispatch-owner_unit", "Tab")
        p.locator("#people-dispatch label.person", has_text=person).locator("input").check()
        self.do("dispatch")


class Phone:
    """A signed-in field app (390 px) and its taps."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def tab(self, name: str, number: str) -> Any:
        """Reopen the app, open tab ``name``; the card of ``number`` there."""
        self.cards(name)
        return self.page.locator(f'#cards a.card[data-number="{number}"]')

    def cards(self, name: str) -> list[str]:
        """The numbers on tab ``name`` once the app has reloaded its list from the server."""
        p = self.page
        p.reload()
        p.wait_for_selector("body[data-ready='1']")
        p.tap(f"#tab-{name}")
        return [str(c.get_attribute("data-number")) for c in p.locator("#cards a.card").all()]

    def open(self, name: str, number: str) -> None:
        self.tab(name, number).tap()
        self.page.wait_for_selector("#task-view:not([hidden]) h2")

    def sent(self) -> None:
        self.page.wait_for_selector("#outbox", state="hidden", timeout=30_000)

    def accept(self, number: str) -> None:
        self.open("todo", number)
        self.page.tap("#accept")
        self.page.wait_for_selector("#task-view form.done")
        self.sent()

    def done(self, note: str) -> None:
        p = self.page
        # before and after: some categories require both (the app refuses the done without)
        p.set_input_files("#ph-before", files=[JPEG | {"buffer": photo()}])
        p.set_input_files("#ph-after", files=[JPEG | {"buffer": photo()}])
        p.fill("#task-view form.done textarea[name=note]", note)
        self.tapped = "#task-view form.done button[type=submit]"
        p.tap(self.tapped)
        self.sent_or_far()
        self.sent()

    def give_back(self, number: str, why: str) -> None:
        p = self.page
        self.open("todo", number)
        p.tap("#task-view details.ret summary")
        p.tap("#task-view form.return input[type=radio] >> nth=0")
        p.fill("#task-view form.return textarea", why)
        p.tap("#task-view form.return button[type=submit]")
        p.wait_for_selector("#list-view:not([hidden])")
        self.sent()

    def sent_or_far(self) -> None:
        """After a done, verify or check: a phone beyond the category's radius is asked why
        first (the dialog appears only once the phone knows where it is): give a preset."""
        p = self.page
        try:
            p.wait_for_selector("#list-view:not([hidden]), #far-ask[open]")
        except Exception as exc:
            raise AssertionError(f"the tap did nothing: {scene(p, self.tapped)}") from exc
        if p.locator("#far-ask[open]").count():
            p.tap("#far-ask input[name=far_preset] >> nth=0")
            p.tap("#far-send")
            p.wait_for_selector("#list-view:not([hidden])")

    def answer(self, form: str, number: str, button: str, reason: str = "", note: str = "") -> None:
        """Verify or check ``number`` from its tab: fill the form, tap ``button``."""
        p = self.page
        self.open(form if form == "check" else "verify", number)
        if note:
            p.fill(f"#task-view form.{form} textarea[name=note]", note)
        if reason:
            p.fill(f"#task-view form.{form} textarea[name=reason]", reason)
        if form == "verify":
            p.set_input_files("#ph-after", files=[JPEG | {"buffer": photo()}])
        self.tapped = f'#task-view form.{form} button[value="{button}"]'
        p.tap(self.tapped)
        self.sent_or_far()
        self.sent()


def test_every_path_of_a_shift_by_clicks_and_typing(server: Server, browser: Any) -> None:
    shift(server, browser, "zh")


def in_language(page: Any, lang: str, home: str) -> Any:
    """``page`` switched to ``lang`` (kept in the context's cookie) on ``home``."""
    page.goto(f"{home}?lang={lang}")
    if home.startswith("/console/app"):
        page.wait_for_selector("body[data-ready='1']")
    else:
        page.wait_for_load_state()
    return page


def left(says: dict[str, str], text: str) -> bool:
    """Whether a countdown's text says time is left (剩余 2小时, 2h 5m left)."""
    return text.startswith(says["left"]) if says["left"] == "剩余" else says["left"] in text


def shift(server: Server, browser: Any, lang: str) -> None:
    """The whole shift, every page in ``lang``."""
    says = SAYS[lang]
    post_name = POST_NAME[lang]
    ctx = server.ctx
    users = server.users
    CELLS = sorted(
        c.code
        for c in ctx.grid.cells_at(3)  # one cell a ticket: no duplicates
        if c.code.startswith("310115005") and not c.code.startswith("310115005001")
    )
    # -- the morning's reports (citizens and the hotline: not console users) ------------------
    key = users.api_key()
    seen, gone = (  # E0103 needs 核实
        public_report(server, key, text, "E0103", cell)
        for text, cell in (("渣土堆在路边", CELLS[0]), ("路边有渣土", CELLS[1]))
    )
    route_batch(ctx, 10, now=NOW)

    inspector = Phone(in_language(phone(
        browser, server, users.add("i-shift", "inspector", "sc-310115005"),
        *point_in(ctx, CELLS[0])), lang, "/console/app/"))  # fmt: skip
    zhang = Phone(in_language(phone(browser, server, users.add("zhang-wei", "grid_worker", POST),
                                    *point_in(ctx, CELLS[2])), lang, "/console/app/"))  # fmt: skip
    li = Phone(in_language(phone(browser, server, users.add("li-na", "grid_worker", POST),
                                 *point_in(ctx, CELLS[3])), lang, "/console/app/"))  # fmt: skip
    desk = Desk(in_language(login(browser, server, users.add(
        "d-paths", "dispatcher", "sc-310115005")), lang, "/console/dispatch"))  # fmt: skip
    boss = Desk(in_language(login(browser, server, users.add(
        "s-paths", "supervisor", "sc-310115005")), lang, "/console/supervise"))  # fmt: skip

    # -- verify yes / no: the inspector's phone ---------------------------------------------
    assert {seen, gone} <= set(inspector.cards("verify"))
    inspector.answer("verify", seen, "verify_exists", note="现场属实")
    inspector.answer("verify", gone, "verify_absent", reason="现场未发现渣土")
    assert {seen, gone}.isdisjoint(inspector.cards("verify"))
    shot(inspector.page, "shift-inspector-verified-390" + ("" if lang == "zh" else "-en"))
    desk.open(gone)
    assert desk.status() == "void"
    assert "现场未发现渣土" in desk.detail("verified_absent")
    assert route_batch(ctx, 10, now=NOW) == 1  # the routing stage dispatches what exists
    desk.open(seen)
    assert desk.status() == "dispatched"
    assert desk.events()[:3] == ["report", "verify", "verified"]
    assert desk.page.locator('tr.event[data-type="verified"] a.thumb').count() == 1

    # -- dispatch by name: type the post's name, pick the person -----------------------------
    mend, swap, joint, pause, forced = (  # the hotline's, after the routing stage has run
        hotline(server, c, f"垃圾 {i}", i) for i, c in enumerate(CELLS[2:7])
    )
    en = lang == "en"  # people by the name of the page's language (roster.yaml's name_en)
    zh, li_na = ("Zhang Wei" if en else "张伟", "zhang-wei"), ("Li Na" if en else "李娜", "li-na")
    for number, (person, user) in ((mend, zh), (swap, zh), (joint, li_na), (pause, li_na),
                                   (forced, li_na)):  # fmt: skip
        desk.open(number)
        desk.dispatch_by_name(post_name, person)
        assert desk.status() == "dispatched", number
        assert f"{person} {user}" in desk.detail("dispatch")  # the name, the id beside it
    assert {mend, swap} <= set(zhang.cards("todo"))
    assert {joint, pause, forced} <= set(li.cards("todo"))

    # -- return and re-dispatch to the other worker ----------------------------------------
    zhang.give_back(swap, "点位在隔壁网格")
    assert swap not in zhang.cards("todo")
    desk.page.click("header nav a[href='/console/dispatch']")
    desk.page.wait_for_load_state()
    assert desk.page.inner_text("#count-returned") == "1"
    desk.page.click('#queues a[data-queue="returned"]')
    desk.page.wait_for_load_state()
    desk.page.click(f'#queue-table tr[data-number="{swap}"] a')
    desk.page.wait_for_load_state()
    assert desk.status() == "returned"
    assert "点位在隔壁网格" in desk.detail("return")
    shot(desk.page, "shift-returned-ticket" + ("" if lang == "zh" else "-en"))
    desk.dispatch_by_name(post_name, li_na[0])
    assert desk.status() == "dispatched"
    assert swap in li.cards("todo")

    # -- escalate to joint enforcement ----------------------------------------------------
    desk.open(joint)
    if desk.page.locator("#escalate-group option[selected]").count() == 0:
        desk.page.select_option("#escalate-group", index=1)
    desk.do("escalate", reason="需城管、绿化联合处置")
    assert desk.status() == "escalated"
    assert "需城管、绿化联合处置" in desk.detail("escalate")
    assert joint not in li.cards("todo")

    # -- suspend and resume ------------------------------------------------------------
    desk.open(pause)
    desk.do("suspend", approval="值班长 王主任", reason="施工围挡，暂无法进入")
    assert desk.status() == "suspended"
    assert "施工围挡，暂无法进入" in desk.detail("suspend")
    assert says["paused"] in desk.page.inner_text("#countdown")
    desk.do("resume", note="围挡已拆除")
    assert desk.status() == "dispatched"
    assert desk.events()[-2:] == ["suspend", "resume"]
    assert left(says, desk.page.inner_text("#countdown"))

    # -- handle, check fail, rework, check pass -----------------------------------------
    zhang.accept(mend)
    zhang.done("已清理")
    li.accept(swap)
    li.done("已清理")
    boss.page.click("header nav a[href='/console/supervise']")
    boss.page.wait_for_load_state()
    boss.page.click(f'#list-check tr[data-number="{mend}"] a')
    boss.page.wait_for_load_state()
    boss.do("check_fail", reason="仍有垃圾")
    assert boss.status() == "rework"
    assert "仍有垃圾" in boss.detail("check_fail")
    assert left(says, boss.page.inner_text("#countdown"))  # rework runs on the clock
    zhang.open("doing", mend)
    assert "仍有垃圾" in zhang.page.inner_text("#task-view .hint")
    shot(zhang.page, "shift-rework-task-390" + ("" if lang == "zh" else "-en"))
    zhang.page.tap("#accept")
    zhang.page.wait_for_selector("#task-view form.done")
    zhang.sent()
    zhang.done("已返工清理干净")
    inspector.answer("check", mend, "check_pass")
    inspector.answer("check", swap, "check_pass")
    for number in (mend, swap):
        boss.open(number)
        assert boss.status() == "closed", number

    # -- force-close (confirmed) and reopen ----------------------------------------------
    boss.open(forced)
    boss.do("force_close", reason="已由物业自行清理")
    assert boss.page.locator("#confirm-question").count() == 1
    shot(boss.page, "shift-force-close-confirm" + ("" if lang == "zh" else "-en"))
    boss.page.click("#confirm-yes")
    boss.page.wait_for_load_state()
    assert boss.status() == "closed"
    assert "已由物业自行清理" in boss.detail("force_close")
    assert forced not in li.cards("todo")
    boss.open(mend)
    boss.do("reopen", reason="群众再次反映")
    assert boss.status() == "rework"
    assert "群众再次反映" in boss.detail("reopen")
    assert left(says, boss.page.inner_text("#countdown"))  # a fresh deadline
    assert mend in zhang.cards("doing")
    shot(boss.page, "shift-reopened-ticket" + ("" if lang == "zh" else "-en"))

    for user in (inspector, zhang, li, desk, boss):
        user.page.context.close()
