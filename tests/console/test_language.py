"""One language at a time: every console page and fragment — the desk with each queue, level,
search and bad filter, the pickers, the ticket page in every state with its routing reasons and
timeline, confirmations, bulk pages, the field page, the supervisor's pages, error pages — is
rendered in 中文 and in English, and its interface words must all be in that language (codes,
names and what people typed aside: tests/console/language.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from gridops.services.actions import act
from gridops.services.intake import IntakeReport, submit
from gridops.services.routing import route_batch
from gridops.tickets import Role, Source

from .conftest import LUJIAZUI_L3, NOW, TestClient, Users, photo, sign_in
from .language import foreign_words

SYS = {"actor": "d-1", "role": Role.DISPATCHER, "now": NOW}


@dataclass
class World:
    """Tickets in many states and the users to look at them."""

    numbers: dict[str, str]
    tokens: dict[str, str]
    csrf: dict[str, str]


def _report(ctx, l3: str = LUJIAZUI_L3, category: str = "E0102", **kw) -> str:
    p = ctx.grid.cells[l3].geometry.representative_point()
    kw.setdefault("source", Source.HOTLINE)
    made = submit(ctx, [IntakeReport(category=category, lon=p.x, lat=p.y, crs=ctx.grid.crs,
                                     description="路口有垃圾", **kw)],
                  actor="apikey:hotline", role=Role.PUBLIC, now=NOW)  # fmt: skip
    return made[0].number


@pytest.fixture
def world(client: TestClient, users: Users) -> Iterator[World]:
    ctx = client.app.state.web.ctx  # type: ignore[attr-defined]
    n: dict[str, str] = {}
    cells = sorted(c.code for c in ctx.grid.cells_at(3) if c.code.startswith("310115005"))
    n["new"] = _report(ctx, category="E0101", priority=1)  # urgent, never routed
    n["outside"] = _report(ctx, "310115004001001", media=("https://example.org/p.jpg",),
                           source=Source.PUBLIC)  # fmt: skip
    n["verifying"] = _report(ctx, cells[9], category="E0506", source=Source.PUBLIC)
    n["unverified"] = _report(ctx, cells[8], category="E0506", source=Source.PUBLIC)
    for i, key in enumerate(("routed", "returned", "escalated", "suspended")):
        n[key] = _report(ctx, cells[i + 1], category="E0506" if key == "escalated" else "E0104")
    n["handled"] = _report(ctx, category="E0104")  # the same grid worker's two tasks
    n["evaluated"] = _report(ctx, category="E0106")
    route_batch(ctx, 50, now=NOW)
    get = ctx.store.get_by_number
    act(ctx, n["returned"], "return", actor="w-1", role=Role.FIELD_STAFF, now=NOW,
        reason="不属于本网格")  # fmt: skip
    route_batch(ctx, 50, now=NOW)  # re-routed: "returned by …" among its reasons
    post = get(n["verifying"]).owner_unit  # the cell's grid-worker post verifies (核实)
    act(ctx, n["unverified"], "unverifiable", actor="gw-9", role=Role.GRID_WORKER, now=NOW,
        reason="封闭小区")  # fmt: skip
    act(ctx, n["escalated"], "escalate", group="jeg-street-order", reason="多部门", **SYS)
    act(ctx, n["suspended"], "suspend", approval="审批-1", reason="等许可", **SYS)
    for key in ("handled", "evaluated"):
        t = get(n[key])
        act(ctx, t.id, "accept", actor=t.assignee, role=Role.GRID_WORKER, now=NOW)
    tokens = {
        "dispatcher": users.add("d-1", "dispatcher", "all"),
        "supervisor": users.add("s-1", "supervisor", "all"),
        "worker": users.add(
            get(n["handled"]).assignee, "grid_worker", get(n["handled"]).owner_unit
        ),
        "post": users.add("gw-verify", "grid_worker", post),
        "admin": users.add("root", "admin"),
    }
    csrf = {"worker": sign_in(client, tokens["worker"])}
    for key in ("handled", "evaluated"):
        r = client.post(f"/console/tickets/{n[key]}/done",
                        data={"csrf": csrf["worker"], "note": "已清扫"},
                        files=[("photos", ("p.jpg", photo(), "image/jpeg"))])  # fmt: skip
        assert r.status_code == 200, r.text
    sup = {"actor": "s-1", "role": Role.SUPERVISOR, "now": NOW}
    act(ctx, n["evaluated"], "check_pass", **sup)
    act(ctx, n["evaluated"], "evaluate", satisfaction=4, **sup)
    p = ctx.grid.cells[LUJIAZUI_L3].geometry.representative_point()
    [onsite] = submit(ctx, [IntakeReport(category="E0102", lon=p.x, lat=p.y, crs=ctx.grid.crs,
                                         source=Source.GRID_WORKER, onsite_note="当场清理")],
                      actor="gw-1", role=Role.GRID_WORKER, now=NOW)  # fmt: skip
    act(ctx, onsite.id, "check_fail", actor="s-1", role=Role.SUPERVISOR, now=NOW, reason="仍脏")
    n["onsite_rework"] = onsite.number
    ctx.settings  # noqa: B018  (the context is the app's own)
    yield World(n, tokens, csrf)


def pages_of(world: World) -> dict[str, list[str]]:
    """Role → the GET addresses to read."""
    n = world.numbers
    desk = ["/console/dispatch"] + [f"/console/dispatch?queue={q}" for q in
                                    ("returned", "overdue", "escalated", "supervised")]  # fmt: skip
    desk += [
        "/console/dispatch?level=2", "/console/dispatch?level=3&cell=陆家嘴",
        "/console/dispatch?q=路口&sort=reported&dir=desc", "/console/dispatch?per=20&page=9",
        "/console/dispatch?cell=no-such-place&level=7&queue=x&sort=y&per=3",
        "/console/dispatch/live?queue=new", "/console/pick/units?q=陆家嘴",
        "/console/pick/people?unit=陆家嘴街道城运分中心", "/console/pick/people?unit=nothing",
        "/console/no-such-page", "/console/media/" + "0" * 64 + ".jpg",
    ]  # fmt: skip
    tickets = [f"/console/tickets/{number}" for number in n.values()]
    return {
        "dispatcher": desk + tickets + ["/console/field", "/console/supervise"],
        "supervisor": tickets[:4] + ["/console/supervise", "/console/supervise?view=unit",
                                     "/console/supervise?view=2&parent=310115005"],
        "worker": ["/console/field", "/console/field/live", f"/console/tickets/{n['handled']}",
                   "/console/dispatch"],
        "post": ["/console/field", f"/console/tickets/{n['verifying']}"],
        "admin": ["/console/admin/users", "/console/admin/keys", "/console/admin/log",
                  "/console/wall", "/console/wall/live",
                  "/console/supervise?view=person&span=week",
                  "/console/supervise?span=range&start=2026-11-09&end=x&sort=score&dir=asc"],
    }  # fmt: skip


def posts_of(world: World, csrf: str) -> list[tuple[str, dict[str, str]]]:
    """Forms a dispatcher sends that answer with a page (refusals, confirmations, bulk)."""
    n = world.numbers
    routed = f"/console/tickets/{n['routed']}/do"
    return [
        (f"{routed}/reassign", {"csrf": csrf, "owner_unit": "不存在的单位"}),
        (f"{routed}/reassign", {"csrf": csrf, "owner_unit": "陆家嘴"}),  # several match
        (
            f"{routed}/reassign",
            {"csrf": csrf, "owner_unit": "陆家嘴街道城运分中心", "assignee": "nobody-here"},
        ),  # fmt: skip
        (f"{routed}/extend", {"csrf": csrf, "amount": "soon", "approval": ""}),
        (f"{routed}/resume", {"csrf": csrf}),  # the workflow refuses: 409
        (f"/console/tickets/{n['new']}/do/void", {"csrf": csrf, "reason": "重复"}),  # confirm
        (f"/console/tickets/{n['new']}/do/merge", {"csrf": csrf, "duplicate_of": "E0"}),
        (f"{routed}/nonsense", {"csrf": csrf}),
        (f"{routed}/reassign", {"csrf": "forged", "owner_unit": "x"}),
        ("/console/dispatch/bulk", {"csrf": csrf, "op": "void", "n": n["new"]}),
        ("/console/dispatch/bulk", {"csrf": csrf, "op": "dispatch"}),
        (
            "/console/dispatch/bulk",
            {"csrf": csrf, "op": "dispatch", "n": n["outside"], "owner_unit": "查无此单位"},
        ),  # fmt: skip
        ("/console/dispatch/bulk", {"csrf": csrf, "op": "dispatch", "n": n["routed"]}),  # refused
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_and_fragment_speaks_one_language(
    client: TestClient, world: World, lang: str
) -> None:
    problems: dict[str, list[str]] = {}
    seen = 0
    for role, urls in pages_of(world).items():
        client.cookies.clear()
        csrf = sign_in(client, world.tokens[role])
        client.cookies.set("gridops_lang", lang)
        for url in urls:
            r = client.get(url)
            assert r.headers["content-type"].startswith("text/html"), (url, r.text[:200])
            seen += 1
            bad = foreign_words(r.text, lang)
            if bad:
                problems[f"{role} GET {url} ({r.status_code})"] = bad
        if role == "dispatcher":
            for url, form in posts_of(world, csrf):
                r = client.post(url, data=form)
                assert r.headers["content-type"].startswith("text/html"), (url, r.text[:200])
                seen += 1
                bad = foreign_words(r.text, lang)
                if bad:
                    problems[f"POST {url} {sorted(form)} ({r.status_code})"] = bad
    client.cookies.clear()
    for url in ("/console/login", "/console/login?next=/console"):
        r = client.get(url, params={"lang": lang})
        bad = foreign_words(r.text, lang)
        if bad:
            problems[f"GET {url}"] = bad
    assert seen > 40
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_no_english_page_shows_a_placeholder_name(client: TestClient, world: World) -> None:
    """Every category has a real English name: no English page (category filters and pickers
    with every category, the tickets of E0506, the field app's lists) says "placeholder" in
    what it shows (the inputs' ``placeholder`` attribute aside)."""
    import re

    extra = {"dispatcher": ["/console/hotline"], "worker": ["/console/app/", "/console/app/tasks"]}
    shown_names = 0
    for role, urls in pages_of(world).items():
        client.cookies.clear()
        sign_in(client, world.tokens[role])
        client.cookies.set("gridops_lang", "en")
        for url in urls + extra.get(role, []):
            r = client.get(url)
            text = re.sub(r"<[^>]*>", " ", r.text)  # what the page shows, not its attributes
            assert "placeholder" not in text.lower(), (role, url)
            shown_names += "trading on the roadway" in text
    assert shown_names >= 3  # E0506's English name, in filters, pickers and its tickets


def test_every_default_category_has_a_real_english_name() -> None:
    """In the shipped taxonomy (package data and the repository's config/), each class and
    category has an English name of its own, not a note about its code."""
    from pathlib import Path

    import yaml

    import gridops.defaults

    root = Path(__file__).resolve().parents[2]
    for path in (Path(gridops.defaults.__file__).parent / "config" / "categories.yaml",
                 root / "config" / "categories.yaml"):  # fmt: skip
        classes = yaml.safe_load(path.read_text())["classes"]
        for item in [*classes, *(c for k in classes for c in k["categories"])]:
            en = str(item.get("en") or "")
            assert en and en.isascii() and en != item["code"], (path, item["code"])
            assert "placeholder" not in en and "(" not in en, (path, item["code"], en)


def test_the_check_sees_what_it_must() -> None:
    """The extractor finds English in a Chinese page and Chinese in an English one, and leaves
    codes, typed text and marked names alone."""
    from .language import foreign_words

    page = ('<p>派遣 <code>sc-310115005</code> <span translate="no">John</span> '
            '<span class="untr" lang="zh-CN">陆家嘴</span> overdue '
            '<input placeholder="Search"></p>')  # fmt: skip
    assert foreign_words(page, "zh") == ["Search", "overdue"]
    assert foreign_words(page, "en") == ["派遣"]
    assert foreign_words('<a id="lang">English</a>剩余 2小时05分', "zh") == []
    assert NOW + timedelta(0) == NOW  # (the fixtures' clock)


def test_the_people_picker_names_people_in_the_pages_language(
    client: TestClient, users: Users
) -> None:
    """Roster names on English pages are their name_en (Zhang Wei; Grid worker …), not the
    Chinese name (they were, on every English desk and ticket page)."""
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    url = "/console/pick/people?unit=gw-310115005001001"
    en = client.get(url + "&lang=en").text
    assert "Zhang Wei" in en and "Grid worker gw-310115005001001-1" in en
    assert "张伟" not in en and "网格员" not in en
    zh = client.get(url + "&lang=zh").text
    assert "张伟" in zh and "网格员 gw-310115005001001-1" in zh
