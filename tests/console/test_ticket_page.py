"""The ticket page (issue 18): a unit and a person picked by name, never an id typed from
memory; every reason, note and photo in the timeline; photos before and after (an Open311
media_url a link, never /console/media/https://…); the routing decision in words; the
escalation group the category suggests; the flash in the page's language."""

from __future__ import annotations

import re

from gridops.services.actions import act
from gridops.services.context import ServiceContext
from gridops.services.intake import IntakeReport, submit
from gridops.services.routing import route_batch
from gridops.tickets import Role, Source

from .conftest import LUJIAZUI_L3, NOW, TestClient, Users, photo, sign_in

ZHANGJIANG_L3 = "310115125001001"
GREENING = "dept-greening@310115125"  # 张江镇市容所


def report(ctx: ServiceContext, l3: str = ZHANGJIANG_L3, category: str = "E0102", **kw) -> str:
    p = ctx.grid.cells[l3].geometry.representative_point()
    kw.setdefault("source", Source.HOTLINE)
    [t] = submit(
        ctx,
        [
            IntakeReport(
                category=category, lon=p.x, lat=p.y, crs=ctx.grid.crs, description="垃圾", **kw
            )
        ],
        actor="apikey:t",
        role=Role.PUBLIC,
        now=NOW,
    )
    return t.number


def details(html: str) -> str:
    """The timeline's details column, as text."""
    cells = re.findall(r'<td class="details">(.*?)</td>', html, re.S)
    return re.sub(r"<[^>]+>", " ", " ".join(cells))


def test_dispatch_to_a_unit_typed_by_name_and_a_person_picked_from_its_people(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = report(ctx)
    csrf = sign_in(client, users.add("d-1", "dispatcher", "all"))
    page = client.get(f"/console/tickets/{number}").text
    assert 'id="suggested"' in page  # not routed yet: what routing would decide, in words
    options = client.get("/console/pick/units", params={"q": "张江镇市容"}).text
    assert 'value="张江镇市容所"' in options and GREENING in options
    people = client.get("/console/pick/people", params={"unit": "张江镇市容所"}).text
    ids = re.findall(r'name="assignee" value="([^"]*)"', people)
    assert ids[0] == "" and f"{GREENING}-1" in ids  # "nobody" first, then the roster
    assert "在班" in people and "在办 0 件" in people  # on shift now (Tuesday 10:00), open work
    # ambiguous and unknown names: the page again, the message beside the field, typed kept
    r = client.post(
        f"/console/tickets/{number}/do/dispatch", data={"csrf": csrf, "owner_unit": "张江镇"}
    )
    assert r.status_code == 400 and 'id="error-dispatch-owner_unit"' in r.text
    assert 'value="张江镇"' in r.text and "对应多个单位" in r.text
    r = client.post(
        f"/console/tickets/{number}/do/dispatch",
        data={"csrf": csrf, "owner_unit": "张江镇市容", "assignee": "zhang-wei"},
    )
    assert r.status_code == 400 and 'id="error-dispatch-assignee"' in r.text
    assert ctx.store.get_by_number(number).status.value == "reported"  # nothing written
    person = f"{GREENING}-2"
    r = client.post(
        f"/console/tickets/{number}/do/dispatch",
        data={"csrf": csrf, "owner_unit": "张江镇市容", "assignee": person},
    )
    assert r.status_code == 200 and r.url.params["done"] == "dispatch"
    t = ctx.store.get_by_number(number)
    assert (t.status.value, t.owner_unit, t.assignee) == ("dispatched", GREENING, person)
    assert f"已派遣 {number}" in r.text and "dispatch: ok" not in r.text  # said in 中文


def test_every_reason_note_and_photo_of_the_timeline_is_shown(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = report(
        ctx, LUJIAZUI_L3, media=("https://example.org/before.jpg",), source=Source.PUBLIC
    )
    route_batch(ctx, 10, now=NOW)
    t = ctx.store.get_by_number(number)
    act(ctx, t.id, "return", actor=t.assignee, role=Role.GRID_WORKER, now=NOW, reason="不归我管")
    route_batch(ctx, 10, now=NOW)
    sys = {"actor": "d-1", "role": Role.DISPATCHER, "now": NOW}
    act(
        ctx,
        t.id,
        "reassign",
        owner_unit=f"gw-{LUJIAZUI_L3}",
        assignee="zhang-wei",
        reason="属地网格员处理",
        **sys,
    )
    act(ctx, t.id, "escalate", group="jeg-street-order", reason="需多部门", **sys)
    act(ctx, t.id, "accept", actor="zhang-wei", role=Role.GRID_WORKER, now=NOW)
    csrf = sign_in(client, users.add("zhang-wei", "grid_worker", f"gw-{LUJIAZUI_L3}"))
    r = client.post(
        f"/console/tickets/{number}/done",
        data={"csrf": csrf, "note": "已清运完毕"},
        files=[("photos", ("after.jpg", photo(), "image/jpeg"))],
    )
    assert r.status_code == 200 and "已提交处理反馈" in r.text
    act(ctx, t.id, "check_fail", actor="s-1", role=Role.SUPERVISOR, now=NOW, reason="边角未清")
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    page = client.get(f"/console/tickets/{number}").text
    said = details(page)
    for words in ("不归我管", "属地网格员处理", "需多部门", "已清运完毕", "边角未清"):
        assert words in said, words
    assert "/console/media/https" not in page  # the Open311 media_url: a link, not a 404
    assert re.search(r'<a href="https://example.org/before.jpg" class="external"', page)
    after = page.split('id="photos-after"', 1)[1].split("</figure>", 1)[0]
    stored = re.findall(r'<img src="/console/media/([0-9a-f]{64}\.jpg)"', after)
    assert len(stored) == 1 and client.get(f"/console/media/{stored[0]}").status_code == 200
    reasons = page.split('id="routing"', 1)[1].split("</section>", 1)[0]
    assert "不再派回" in reasons and "returned" not in reasons  # re-routing's reasons, in words


def test_an_onsite_fix_shows_its_photo_once_and_its_rework_has_a_countdown(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    p = ctx.grid.cells[LUJIAZUI_L3].geometry.representative_point()
    [t] = submit(
        ctx,
        [
            IntakeReport(
                category="E0102",
                lon=p.x,
                lat=p.y,
                crs=ctx.grid.crs,
                source=Source.GRID_WORKER,
                onsite_note="当场清理",
                media=("sim/photo-1.jpg",),
            )
        ],
        actor="gw-1",
        role=Role.GRID_WORKER,
        now=NOW,
    )
    act(ctx, t.id, "check_fail", actor="s-1", role=Role.SUPERVISOR, now=NOW, reason="未清干净")
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    page = client.get(f"/console/tickets/{t.number}").text
    photos = page.split('id="photos"', 1)[1].split("</div>", 1)[0]
    assert photos.count("sim/photo-1.jpg") == 1 and "/console/media/sim" not in page
    countdown = page.split('id="countdown"', 1)[1].split("<", 1)[0]
    assert "剩余" in countdown and "未计时" not in countdown


def test_the_escalation_group_is_the_one_the_category_suggests(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    order = report(ctx, category="E0506")  # 占道经营: jeg-street-order
    garbage = report(ctx, "310115125001002", category="E0104")  # 道路不洁: no joint group
    route_batch(ctx, 10, now=NOW)
    sign_in(client, users.add("d-1", "dispatcher", "all"))

    def chosen(number: str) -> list[str]:
        form = client.get(f"/console/tickets/{number}").text.split('id="act-escalate"')[1]
        return re.findall(r'<option value="([^"]*)" selected', form.split("</select>")[0])

    assert chosen(order) == ["jeg-street-order"]  # not the alphabetically first group
    assert chosen(garbage) == []  # nothing preselected: a "choose" option, required
    form = client.get(f"/console/tickets/{garbage}").text.split('id="act-escalate"')[1]
    assert '<option value="">' in form.split("</select>")[0]


def test_pickers_are_for_the_desk_only(client: TestClient, users: Users) -> None:
    sign_in(client, users.add("w-1", "field_staff", "sc-310115005"))
    r = client.get("/console/pick/units", params={"q": "张江"})
    assert r.status_code == 403 and "text/html" in r.headers["content-type"]


def test_the_assignee_is_named_by_their_name_beside_their_id(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    """The page showed only the id (fs) of the person a ticket was given to, not 张伟."""
    from gridops.store.accounts import Accounts
    from gridops.web.auth import create_user

    number = report(ctx)
    route_batch(ctx, 10, now=NOW)
    t = ctx.store.get_by_number(number)
    create_user(Accounts(ctx.store.engine), "zw-7", name="张伟", role="field_staff",
                units=[t.owner_unit], now=NOW, org=ctx.ops.org)  # fmt: skip
    act(ctx, t.id, "reassign", actor="d-1", role="dispatcher", now=NOW,
        owner_unit=t.owner_unit, assignee="zw-7")  # fmt: skip
    sign_in(client, users.add("d-1", "dispatcher", "all"))
    page = client.get(f"/console/tickets/{number}").text
    shown = page[page.index('id="assignee"') : page.index("</dd>", page.index('id="assignee"'))]
    assert '<span translate="no">张伟</span> <code>zw-7</code>' in shown
    timeline = page[page.index('id="timeline"') :]  # the reassign's line names them too
    assert '<span translate="no">张伟</span> <code>zw-7</code>' in timeline
