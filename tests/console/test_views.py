"""The pages over a real store and Redis: role and scope refusals as a 403 page with the reason,
every dispatcher/supervisor action through its form, the on-site self-report, the language
switch, and CSV export."""

from __future__ import annotations

import re

import pytest

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from .conftest import LUJIAZUI_L3, NOW, TestClient, Users, photo, point_in, sign_in


def report(client: TestClient, ctx: ServiceContext, users: Users, l3: str = LUJIAZUI_L3) -> str:
    lon, lat = point_in(ctx, l3)
    form = {"api_key": users.api_key(), "service_code": "E0102", "lat": str(lat),
            "long": str(lon), "description": "垃圾"}  # fmt: skip
    r = client.post("/open311/v2/requests.json", data=form)
    assert r.status_code in (200, 201), r.text
    return str(r.json()[0]["service_request_id"])


def routed_worker(client: TestClient, ctx: ServiceContext, users: Users) -> tuple[str, str]:
    """A reported ticket routed to a grid worker, who is signed in: (number, csrf)."""
    number = report(client, ctx, users)
    route_batch(ctx, 10, now=NOW)
    routed = ctx.store.get_by_number(number)
    csrf = sign_in(client, users.add(routed.assignee, "grid_worker", routed.owner_unit))
    return number, csrf


def status(ctx: ServiceContext, number: str) -> str:
    return ctx.store.get_by_number(number).status.value


def test_field_staff_get_a_403_page_on_the_dispatch_console(
    client: TestClient, users: Users
) -> None:
    sign_in(client, users.add("w-1", "field_staff", "sc-310115005"))
    r = client.get("/console/dispatch")
    assert r.status_code == 403 and "may not read the dispatch queues" in r.text


def test_a_dispatcher_out_of_scope_cannot_open_the_ticket(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = report(client, ctx, users)
    route_batch(ctx, 10, now=NOW)
    sign_in(client, users.add("d-9", "dispatcher", "sc-310115004"))
    r = client.get(f"/console/tickets/{number}")
    assert r.status_code == 403 and "sc-310115004" in r.text
    assert number not in client.get("/console/dispatch?queue=new").text
    ghost = number[:-5] + "99999"  # a case number that does not exist: the same page
    missing = client.get(f"/console/tickets/{ghost}")
    assert missing.status_code == 403 and missing.text.replace(ghost, "T") == r.text.replace(
        number, "T"
    )


def test_dispatcher_actions_through_the_forms(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    first, second = report(client, ctx, users), report(client, ctx, users)
    csrf = sign_in(client, users.add("d-1", "dispatcher", "all"))
    r = client.post(f"/console/tickets/{second}/do/merge",
                    data={"csrf": csrf, "duplicate_of": first})  # fmt: skip
    assert r.status_code == 200 and status(ctx, second) == "duplicate"
    merged = client.get(f"/console/tickets/{second}").text  # the case number, not the row's id
    assert re.search(rf'重复于.*<a href="/console/tickets/{first}"><code[^>]*>{first}<', merged)
    assert ctx.store.get_by_number(first).id not in merged
    r = client.post(f"/console/tickets/{first}/do/dispatch",
                    data={"csrf": csrf, "owner_unit": "sc-310115005"})  # fmt: skip
    assert r.status_code == 200 and status(ctx, first) == "dispatched"
    moved = {"csrf": csrf, "owner_unit": "ws-310115005001", "reason": "属地"}
    r = client.post(f"/console/tickets/{first}/do/reassign", data=moved)
    assert r.status_code == 200 and ctx.store.get_by_number(first).owner_unit == "ws-310115005001"
    held = ctx.store.get_by_number(first)
    box = re.search(r'<input id="reassign-owner_unit"[^>]*value="([^"]*)"', r.text)
    assert box and "第1居委" in box.group(1)  # the unit that holds it now, not routing's pick
    again = client.post(f"/console/tickets/{first}/do/reassign", data=moved)  # a no-op: refused
    assert again.status_code == 400 and "案件已在该单位" in again.text
    assert ctx.store.get_by_number(first).version == held.version  # nothing written
    joint = {"csrf": csrf, "group": "jeg-street-order", "reason": "多部门"}
    r = client.post(f"/console/tickets/{first}/do/escalate", data=joint)
    assert r.status_code == 200 and status(ctx, first) == "escalated"
    assert "联合执法" in r.text  # the detail page after the redirect
    r = client.post(f"/console/tickets/{first}/do/void", data={"csrf": csrf, "reason": "x"})
    assert r.status_code == 409 and status(ctx, first) == "escalated"  # the workflow refuses
    r = client.post(f"/console/tickets/{first}/do/dispatch",
                    data={"csrf": csrf, "owner_unit": "no-such-unit"})  # fmt: skip
    assert r.status_code in (400, 409)


def test_supervisor_flags_supervision_and_sees_it_in_the_queue(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = report(client, ctx, users)
    route_batch(ctx, 10, now=NOW)
    csrf = sign_in(client, users.add("s-1", "supervisor", "sc-310115005"))
    page = client.get(f"/console/tickets/{number}").text
    assert 'id="act-supervise"' in page and 'id="act-dispatch"' not in page
    r = client.post(f"/console/tickets/{number}/do/supervise", data={"csrf": csrf, "reason": "慢"})
    assert r.status_code == 200 and ctx.store.get_by_number(number).supervised
    queue = client.get("/console/dispatch?queue=supervised").text
    assert f'data-number="{number}"' in queue and 'id="count-supervised">1<' in queue


def test_grid_worker_self_reports_an_onsite_fix_with_a_photo(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    csrf = sign_in(client, users.add("gw-1", "grid_worker", f"gw-{LUJIAZUI_L3}"))
    page = client.get("/console/field").text
    assert 'id="onsite-form"' in page and 'id="locate"' in page
    lon, lat = point_in(ctx, LUJIAZUI_L3)
    category = next(c.code for c in ctx.ops.taxonomy.categories.values() if c.on_site)
    r = client.post(
        "/console/field/onsite",
        data={"csrf": csrf, "category": category, "lon": str(lon), "lat": str(lat),
              "note": "已当场清理"},
        files=[("photos", ("p.jpg", photo(), "image/jpeg"))],
    )  # fmt: skip
    assert r.status_code == 200, r.text
    made = ctx.store.get_by_number(r.url.params["msg"].split(": ")[1])
    assert made.status.value == "handled" and made.onsite and len(made.media) == 1
    bad = client.post("/console/field/onsite", data={"csrf": csrf, "category": category,
                      "lon": "east", "lat": str(lat), "note": "x"})  # fmt: skip
    assert bad.status_code == 400 and "lon" in bad.text


def test_the_language_switch_sticks_in_a_cookie(client: TestClient, users: Users) -> None:
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    assert "待派遣" in client.get("/console/dispatch").text
    assert "New" in client.get("/console/dispatch?lang=en").text
    assert "Overdue" in client.get("/console/dispatch").text  # the cookie remembers
    assert "超时" in client.get("/console/dispatch?lang=zh").text


@pytest.mark.parametrize("table", ["indicators", "league", "trend", "overdue", "check", "audit"])
def test_every_dashboard_table_exports_as_csv(
    client: TestClient, ctx: ServiceContext, users: Users, table: str
) -> None:
    report(client, ctx, users)
    sign_in(client, users.add("s-1", "supervisor", "all"))
    r = client.get(f"/console/supervise/export.csv?table={table}&view=1&period=2026-11&lang=en")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    body = r.content.decode("utf-8")
    assert body.startswith("\ufeff") and ("Case no." in body or "Code,Name,n" in body)
    if table == "indicators":
        assert "310115005" in body and "Close rate n" in body


def test_the_dashboard_refuses_roles_without_reports(client: TestClient, users: Users) -> None:
    sign_in(client, users.add("w-1", "field_staff", "sc-310115005"))
    r = client.get("/console/supervise")
    assert r.status_code == 403 and "may not read reports" in r.text


def test_field_staff_return_a_task_with_a_reason(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number, csrf = routed_worker(client, ctx, users)
    page = client.get("/console/field").text
    assert f'data-number="{number}"' in page and 'class="act return"' in page
    empty = client.post(f"/console/tickets/{number}/do/return",
                        data={"csrf": csrf, "reason": "", "next": "/console/field"})  # fmt: skip
    assert empty.status_code == 400 and "reason" in empty.text
    form = {"csrf": csrf, "reason": "不属于本网格", "next": "/console/field"}
    ask = client.post(f"/console/tickets/{number}/do/return", data=form)  # 退单 confirms first
    assert ask.status_code == 200 and 'id="confirm-form"' in ask.text and "不属于本网格" in ask.text
    assert ctx.store.get_by_number(number).status.value == "dispatched"
    r = client.post(f"/console/tickets/{number}/do/return", data=form | {"confirmed": "1"})
    assert r.status_code == 200 and r.url.path == "/console/field"
    returned = ctx.store.get_by_number(number)
    assert returned.status.value == "returned" and returned.last_reason == "不属于本网格"
    assert f'data-number="{number}"' not in r.text


def test_a_task_card_names_its_category_and_why_it_came_back_and_done_names_the_case(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    from gridops.services.actions import act

    number, csrf = routed_worker(client, ctx, users)
    t = ctx.store.get_by_number(number)
    for action, role, fields in (("accept", "grid_worker", {}),
                                 ("handle", "grid_worker", {"note": "清理"}),
                                 ("check_fail", "supervisor", {"reason": "仍有垃圾"}),
                                 ("accept", "grid_worker", {})):  # fmt: skip
        t = act(ctx, t.id, action, actor=t.assignee if role != "supervisor" else "s",
                role=role, now=NOW, **fields)  # fmt: skip
    page = client.get("/console/field").text
    card = page[page.index(f'data-number="{number}"') :]
    assert "<b>暴露垃圾</b>" in card[:800]  # the category's name, not only its code
    assert "仍有垃圾" in card[:1200]  # why it came back (返工)
    done = client.post(f"/console/tickets/{number}/done",
                       data={"csrf": csrf, "note": "已清理", "next": "/console/field"})  # fmt: skip
    assert done.status_code == 200 and f"已提交处理反馈 {number}" in done.text


def test_every_page_names_an_icon_that_is_served(client: TestClient, users: Users) -> None:
    """A page without one makes the browser ask for /favicon.ico: a 404 in every console log."""
    for path in ("/console/login", "/console/wall"):
        if path == "/console/wall":
            sign_in(client, users.add("s-icon", "supervisor", "all"))
        html = client.get(path).text
        found = re.search(r'<link rel="icon" href="([^"]+)"', html)
        assert found, f"{path} names no icon"
        r = client.get(found.group(1))
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert not found.group(1).startswith("/console/app/")  # the field app's cached files
