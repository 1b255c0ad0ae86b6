"""The dispatcher's desk over a real store (issue 18): queues paged on the server with counts
equal to what the pages hold, newest first, search by case number, text and place, a 网格 filter
that takes a name, bad filters answered beside the field (never JSON), bulk dispatch and void,
and the pages asking services, not the store."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from gridops.services.context import ServiceContext
from gridops.services.intake import IntakeReport, submit
from gridops.tickets import Role, Source

from .conftest import LUJIAZUI_L3, NOW, TestClient, Users, sign_in

ROW = re.compile(r'<tr data-number="([A-Z0-9]+)"')


def many(ctx: ServiceContext, n: int, l3: str = LUJIAZUI_L3, **kw: object) -> list[str]:
    """``n`` new tickets a second apart (never routed: they stay in the new queue)."""
    from datetime import timedelta

    p = ctx.grid.cells[l3].geometry.representative_point()
    out = []
    for i in range(n):
        [t] = submit(
            ctx,
            [
                IntakeReport(
                    category="E0102",
                    lon=p.x + i * 1e-6,
                    lat=p.y,
                    crs=ctx.grid.crs,
                    source=Source.HOTLINE,
                    description=f"第{i}件 垃圾",
                    **kw,
                )
            ],
            actor="apikey:t",
            role=Role.PUBLIC,
            now=NOW + timedelta(seconds=i),
        )
        out.append(t.number)
    return out


def rows(html: str) -> list[str]:
    return ROW.findall(html)


def test_a_queue_of_more_than_fifty_pages_through_every_ticket_once_with_matching_counts(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    made = many(ctx, 57)
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    first = client.get("/console/dispatch?queue=new")
    assert 'id="count-new">57<' in first.text and len(rows(first.text)) == 50
    assert 'data-total="57"' in first.text and 'data-pages="2"' in first.text
    second = client.get("/console/dispatch?queue=new&page=2")
    seen = rows(first.text) + rows(second.text)
    assert sorted(seen) == sorted(made) and len(set(seen)) == 57  # every one, once
    assert seen[0] == made[0]  # oldest first by default
    newest = client.get("/console/dispatch?queue=new&newest=1")
    assert rows(newest.text)[0] == made[-1]  # the newest arrival is on the first page
    by20 = [
        rows(client.get(f"/console/dispatch?queue=new&per=20&page={p}").text) for p in (1, 2, 3)
    ]
    assert [len(r) for r in by20] == [20, 20, 17] and sum(by20, []) == made
    live = client.get("/console/dispatch/live?queue=new&page=2")
    assert rows(live.text) == rows(second.text)  # the live fragment keeps the page


def test_search_by_number_text_and_place_and_a_cell_filter_by_name(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    here = many(ctx, 3)
    there = many(ctx, 2, "310115004001001")
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    assert rows(client.get(f"/console/dispatch?q={here[1][-8:]}").text) == [here[1]]
    assert rows(client.get("/console/dispatch?q=第2件").text) == [here[2]]
    weifang = client.get("/console/dispatch?q=潍坊")  # a place name, in the search box
    assert sorted(rows(weifang.text)) == sorted(there) and 'id="count-new">2<' in weifang.text
    by_name = client.get("/console/dispatch?cell=陆家嘴")  # 街镇 name in the 网格 filter
    assert by_name.status_code == 200 and sorted(rows(by_name.text)) == sorted(here)
    assert 'id="count-new">3<' in by_name.text
    nowhere = client.get("/console/dispatch?cell=月球背面")
    assert nowhere.status_code == 400 and nowhere.headers["content-type"].startswith("text/html")
    assert 'id="error-cell"' in nowhere.text and 'value="月球背面"' in nowhere.text  # kept
    assert rows(nowhere.text) == [] and 'id="count-new">0<' in nowhere.text


def test_a_cell_given_by_its_code_shows_by_name_and_the_filter_never_widens(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    """The maps' links give the 网格 filter a cell's code: the box shows the cell's name in the
    page's language when that name, sent back, selects that cell alone (a 街镇); a name that
    would select other cells too, or none (an English 居村: "community 1" is in every 街镇),
    keeps the code in the box and shows the name beside it."""
    from gridops.services.desk import places
    from gridops.web.console.desk_form import read_view
    from gridops.web.console.i18n import translator

    def box(html: str) -> str:
        found = re.search(r'<input name="cell" id="f-cell" value="([^"]*)"', html)
        assert found, "no cell box"
        return found.group(1)

    here = many(ctx, 2)
    sign_in(client, users.add("d-cellname", "dispatcher", "all"))
    street = LUJIAZUI_L3[:9]
    for lang, name in (("zh", "陆家嘴街道"), ("en", "Lujiazui")):
        page = client.get(f"/console/dispatch?cell={street}&l1={street}&lang={lang}").text
        assert box(page) == name and 'id="f-cell-name"' not in page
        again = client.get(f"/console/dispatch?cell={name}&l1={street}&lang={lang}").text
        assert sorted(rows(again)) == sorted(here) == sorted(rows(page))
        search = read_view({"cell": name}, translator(lang), ctx.grid, {}).search
        assert search.cells == frozenset({street})
    community = LUJIAZUI_L3[:12]
    # in Chinese a 居村's name says its 街镇 (陆家嘴街道第1居委, as the console writes it, the
    # grid's space aside): it selects that cell alone and shows; "community 1" is everywhere
    zh = client.get(f"/console/dispatch?cell={community}&lang=zh").text
    assert box(zh) == "陆家嘴街道第1居委" and 'id="f-cell-name"' not in zh
    assert places(ctx.grid, "陆家嘴街道第1居委") == frozenset({community})
    en = client.get(f"/console/dispatch?cell={community}&lang=en").text
    assert box(en) == community  # the code: its name would select more cells
    beside = re.search(r'<small class="hint" id="f-cell-name">(.*?)</small>', en)
    assert beside and re.sub(r"<[^>]+>", "", beside.group(1)).strip()
    assert 'aria-describedby="f-cell-name"' in en
    from gridops.web.console.explain import Speaker

    said = Speaker(translator("en"), "en", ctx.ops, ctx.grid).place_text(community)
    assert said != community and places(ctx.grid, said) != frozenset({community})


def test_a_ticket_that_left_the_queues_is_found_by_its_number_and_in_all_open(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    """An acceptor reads a case number to the dispatcher after routing dispatched it: the
    desk finds it under 全部在办 (every open ticket) and offers to open it from any tab; a
    closed or other district's ticket is only offered to whoever may read it."""
    from gridops.services.routing import route_batch

    [a] = many(ctx, 1)
    route_batch(ctx, 10, now=NOW)
    assert ctx.store.get_by_number(a).status.value == "dispatched"
    [b] = many(ctx, 1, LUJIAZUI_L3[:-1] + "2")
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    new = client.get(f"/console/dispatch?q={a}")
    assert rows(new.text) == [] and 'id="count-open">1<' in new.text
    assert re.search(rf'id="found"[^>]*>案件 {a} 当前为「已派遣」，不在此列表中。 '
                     rf'<a href="/console/tickets/{a}">打开案件</a>', new.text)  # fmt: skip
    everything = client.get(f"/console/dispatch?queue=open&q={a}")
    assert rows(everything.text) == [a] and 'id="found"' not in everything.text
    assert sorted(rows(client.get("/console/dispatch?queue=open").text)) == sorted([a, b])
    en = client.get(f"/console/dispatch?q={a}&lang=en")
    assert f"Case {a} is dispatched: not in this list." in en.text
    client.cookies.clear()
    sign_in(client, users.add("d-far", "dispatcher", "sc-310115004"))  # 潍坊: not theirs
    assert 'id="found"' not in client.get(f"/console/dispatch?q={a}").text
    client.cookies.clear()
    sign_in(client, users.add("d-all", "dispatcher", "all"))  # reads every ticket: a 404
    unknown = client.get("/console/tickets/C0NOPE123")
    assert unknown.status_code == 404 and "没有找到这个案件，请核对案件编号。" in unknown.text
    client.cookies.clear()
    sign_in(client, users.add("d-far2", "dispatcher", "sc-310115004"))
    typo = client.get("/console/tickets/C0NOPE123")  # one answer for a typo and a ban
    assert typo.status_code == 403 and "没有找到案件 C0NOPE123" in typo.text
    assert "未找到" in typo.text and "无权访问" not in typo.text


def test_the_bulk_bar_offers_only_what_the_role_may_do(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    many(ctx, 2)
    sign_in(client, users.add("acc-1", "acceptor", "all"))
    acceptor = client.get("/console/dispatch").text  # an acceptor voids, never dispatches
    assert 'id="bulk-void"' in acceptor and 'id="bulk-dispatch"' not in acceptor
    assert 'id="bulk-unit"' not in acceptor and 'name="n"' in acceptor
    client.cookies.clear()
    sign_in(client, users.add("s-1", "supervisor", "all"))
    supervisor = client.get("/console/dispatch").text  # reads the desk, acts on no batch
    assert 'id="bulk-bar"' not in supervisor and 'name="n"' not in supervisor
    assert 'id="select-all"' not in supervisor and len(rows(supervisor)) == 2
    client.cookies.clear()
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    dispatcher = client.get("/console/dispatch").text
    assert 'id="bulk-dispatch"' in dispatcher and 'id="bulk-void"' in dispatcher


def test_a_browser_that_draws_the_web_map_gets_no_svg_fallback(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    url = "/console/dispatch?level=3&l1=310115005"
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="gridmap"' in client.get(url).text
    client.cookies.set("gridops_gl", "1", path="/console")
    lean = client.get(url)
    assert 'class="gridmap"' not in lean.text and 'id="map" data-omitted="1"' in lean.text
    assert "显示简易地图（无脚本）" in lean.text and "&amp;map=svg" in lean.text
    asked = client.get(url + "&map=svg")
    assert 'class="gridmap"' in asked.text and "gridops_gl=" in asked.headers["set-cookie"]


def test_english_pages_say_an_address_by_its_latin_alias(
    client: TestClient, ctx: ServiceContext, users: Users, tmp_path: Path
) -> None:
    from gridops.services.addresses import import_addresses

    [n] = many(ctx, 1)
    t = ctx.store.get_by_number(n)
    f = tmp_path / "a.csv"
    f.write_text(f"id,address,lon,lat,aliases\nA1,浦东新区陆家嘴街道锦绣路1号,{t.point_lon},"
                 f"{t.point_lat},锦绣路一号|No. 1 Jinxiu Road\n", "utf-8")  # fmt: skip
    import_addresses(ctx.store, ctx.grid, f, now=NOW)
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    for url in ("/console/dispatch", f"/console/tickets/{n}"):
        zh, en = client.get(url + "?lang=zh").text, client.get(url + "?lang=en").text
        assert ">浦东新区陆家嘴街道锦绣路1号<" in zh and "No. 1 Jinxiu Road" not in zh
        assert ">No. 1 Jinxiu Road<" in en and "锦绣路1号" not in en


@pytest.mark.parametrize(
    "url",
    [
        "/console/dispatch?level=9",
        "/console/dispatch?queue=nope&per=7&page=x&sort=z",
        "/console/dispatch/live?level=abc",
        "/console/supervise?view=9",
        "/console/supervise/export.csv?table=nope",
        "/console/tickets/E0102/do/x",
        "/console/no-such-page",
        "/console/media/" + "a" * 64 + ".jpg",
    ],
)
def test_no_console_address_answers_json_to_a_signed_in_browser(
    client: TestClient, users: Users, url: str
) -> None:
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    r = client.get(url)
    assert r.headers["content-type"].startswith("text/html"), (r.status_code, r.text[:200])
    assert r.status_code in (200, 400, 403, 404, 405)
    assert ("<html" in r.text) or ("/live" in url and 'id="queue-table"' in r.text)


def test_console_and_its_login_never_answer_json(client: TestClient, users: Users) -> None:
    home = client.get("/console", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/console/login?next=/console"
    login = client.get(home.headers["location"])
    assert login.status_code == 200 and 'name="next" value="/console"' in login.text
    for bad in ("https://evil.example/", "//evil", "/console/x:y", "x" * 900):
        r = client.get("/console/login", params={"next": bad})
        assert r.status_code == 200 and 'name="next" value=""' in r.text  # dropped, not refused
    posted = client.post("/console/login", data={})  # no token, no CSRF: a page, not a 422
    assert posted.status_code == 403 and posted.headers["content-type"].startswith("text/html")
    wrong_method = client.put("/console/dispatch")
    assert wrong_method.status_code == 405 and "text/html" in wrong_method.headers["content-type"]
    from .conftest import login_form

    token = users.add("d-1", "dispatcher", "all")
    r = client.post("/console/login", data=login_form(client, token=token, next="/console"))
    assert r.status_code == 200 and r.url.path == "/console/dispatch"


def test_bulk_dispatch_to_suggestions_or_a_named_unit_and_bulk_void_after_confirming(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    a, b, c, d = many(ctx, 4, "310115125001001")  # 张江镇
    csrf = sign_in(client, users.add("d-1", "dispatcher", "all"))
    r = client.post("/console/dispatch/bulk", data={"csrf": csrf, "op": "dispatch", "n": [a, b]})
    assert r.status_code == 200 and 'id="outcomes"' in r.text
    for number in (a, b):
        t = ctx.store.get_by_number(number)
        assert t.status.value == "dispatched" and t.routing == {}  # by hand, to the suggestion
        assert t.owner_unit  # the routing suggestion's owner
    form = {"csrf": csrf, "op": "dispatch", "n": [c], "owner_unit": "张江镇市容"}
    r = client.post("/console/dispatch/bulk", data=form)
    assert ctx.store.get_by_number(c).owner_unit == "dept-greening@310115125"
    ask = client.post("/console/dispatch/bulk", data={"csrf": csrf, "op": "void", "n": [d, a]})
    assert ask.status_code == 200 and 'id="bulk-confirm"' in ask.text
    assert ctx.store.get_by_number(d).status.value == "reported"  # nothing yet
    no_reason = client.post(
        "/console/dispatch/bulk", data={"csrf": csrf, "op": "void", "n": [d], "confirmed": "1"}
    )
    assert no_reason.status_code == 400 and ctx.store.get_by_number(d).status.value == "reported"
    done = client.post(
        "/console/dispatch/bulk",
        data={"csrf": csrf, "op": "void", "n": [d, a], "reason": "重复", "confirmed": "1"},
    )
    assert ctx.store.get_by_number(d).status.value == "void"
    assert ctx.store.get_by_number(a).status.value == "dispatched"  # the workflow refused it
    assert re.search(rf'data-number="{a}" class="failed"', done.text)
    bad_unit = client.post(
        "/console/dispatch/bulk",
        data={"csrf": csrf, "op": "dispatch", "n": [b], "owner_unit": "查无此单位"},
    )
    assert bad_unit.status_code == 400 and 'value="查无此单位"' in bad_unit.text
    forged = client.post("/console/dispatch/bulk", data={"csrf": "x", "op": "void", "n": [b]})
    assert forged.status_code == 403


#: Console modules that may use a store module, and why: none now — sessions, the access log,
#: the change marker, the indicator counts and the wall's map are read through services.
STORE_USERS: dict[str, str] = {}


def test_the_console_pages_ask_services_never_the_store() -> None:
    """Who may see what is decided in one place: no console module imports a store module
    (its error types aside) but those listed above with their reason."""
    here = Path(__file__).resolve().parents[2] / "gridops" / "web" / "console"
    pages = sorted(p.stem for p in here.glob("*.py"))
    assert {"dispatch_views", "ticket_views", "app_data", "supervise_views"} <= set(pages)
    for name in pages:
        if name in STORE_USERS:
            continue
        tree = ast.parse((here / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found = node.module
            elif isinstance(node, ast.Import):
                found = node.names[0].name
            else:
                continue
            assert not found.startswith("gridops.store") or found == "gridops.store.errors", (
                name,
                found,
            )
