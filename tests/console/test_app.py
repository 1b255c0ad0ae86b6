"""The field app's server side (城管通): the five tabs as JSON, each write applied at most once
under the key the phone made, a move that conflicts answered with a message in the worker's
language, proof of presence (far from the point is marked), before/after photos when the
category asks for both, and the PWA's files (manifest, icons, service worker)."""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Any

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch
from gridops.store.field_moves import FieldMoves

from .conftest import NOW, TestClient, Users, photo, sign_in
from .test_views import routed_worker


def move(client: TestClient, csrf: str, number: str, action: str, key: str = "",
         files: Any = None, lang: str = "zh", **fields: str) -> Any:  # fmt: skip
    data = {"key": key or uuid.uuid4().hex, "ticket": number, "action": action, **fields}
    return client.post(f"/console/app/moves?lang={lang}", data=data, files=files,
                       headers={"X-CSRF-Token": csrf})  # fmt: skip


def shade(rgb: tuple[int, int, int]) -> bytes:
    """A small JPEG of one colour (different photos store under different names)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), rgb).save(out, "JPEG")
    return out.getvalue()


def events(ctx: ServiceContext, number: str) -> list[str]:
    ticket = ctx.store.get_by_number(number)
    return [e.type for e in ctx.store.events(ticket.id)]


def test_the_tabs_hold_my_task_with_its_place_and_navigation(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number, _ = routed_worker(client, ctx, users)
    r = client.get("/console/app/tasks")
    assert r.status_code == 200
    tabs = r.json()["tabs"]
    assert [t["number"] for t in tabs["todo"]] == [number]
    task = tabs["todo"][0]
    assert task["place"] and task["category_name"] == "暴露垃圾"
    assert task["nav"]["amap"].startswith("amapuri://route/plan/?dlat=")
    assert "coord_type=bd09ll" in task["nav"]["baidu"]
    assert task["nav"]["system"].startswith(f"geo:{task['lat']:.6f},{task['lon']:.6f}")
    assert "accept" in task["actions"] and task["due"]
    en = client.get("/console/app/tasks?lang=en").json()["tabs"]["todo"][0]
    assert en["category_name"] == "exposed garbage"


def test_a_task_says_its_street_address_and_its_cell_with_the_sub_district(
    client: TestClient, ctx: ServiceContext, users: Users, tmp_path: Any
) -> None:
    """The worker finds the job by the nearest standard address (标准地址库), then the cell;
    in English the community's name alone ("community 1") says its 街镇 too."""
    from gridops.services.addresses import import_addresses

    number, _ = routed_worker(client, ctx, users)
    ticket = ctx.store.get_by_number(number)

    def addresses(east: float, alias: str = "") -> None:
        f = tmp_path / "a.csv"
        f.write_text(f"id,address,lon,lat,aliases\nA1,浦东新区测试路1号,{ticket.point_lon + east},"
                     f"{ticket.point_lat},{alias}\nA2,浦东新区测试路99号,{ticket.point_lon + 0.01},"
                     f"{ticket.point_lat},\n", "utf-8")  # fmt: skip
        import_addresses(ctx.store, ctx.grid, f, now=NOW)

    def task(lang: str) -> dict[str, Any]:
        return client.get(f"/console/app/tasks?lang={lang}").json()["tabs"]["todo"][0]

    assert task("zh")["address"] == ""  # no address database yet: the cell alone
    addresses(0.0)
    zh, en = task("zh"), task("en")
    assert zh["address"] == en["address"] == "浦东新区测试路1号"
    assert zh["place"] == ctx.grid.cells[ticket.cells[1]].name.split(" (")[0].replace(" ", "")
    l1_en = ctx.grid.cells[ticket.cells[0]].name.split(" ", 1)[1]
    assert en["place"].startswith(f"{l1_en} · community ")
    addresses(0.0005)  # ~47 m east: said as near it, in the worker's language
    assert re.fullmatch(r"浦东新区测试路1号附近（约4\d米）", task("zh")["address"])
    assert re.fullmatch(r"near 浦东新区测试路1号 \(~4\d m\)", task("en")["address"])
    addresses(0.0, "测试路一号|No. 1 Test Road")  # an English page says its Latin alias
    assert (task("zh")["address"], task("en")["address"]) == (
        "浦东新区测试路1号",
        "No. 1 Test Road",
    )


def test_a_move_sent_twice_is_applied_once(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number, csrf = routed_worker(client, ctx, users)
    key = uuid.uuid4().hex
    first = move(client, csrf, number, "accept", key)
    again = move(client, csrf, number, "accept", key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() | {"replayed": True}
    assert events(ctx, number).count("accept") == 1
    other = move(client, csrf, number, "accept")  # a new key: a second accept, refused
    assert other.status_code == 409 and other.json()["conflict"] is True


def test_done_with_photos_and_position_marks_a_far_report(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number, csrf = routed_worker(client, ctx, users)
    assert move(client, csrf, number, "accept").status_code == 200
    ticket = ctx.store.get_by_number(number)
    files = [
        ("before", ("b.jpg", shade((200, 40, 40)), "image/jpeg")),
        ("after", ("a.jpg", shade((40, 40, 200)), "image/jpeg")),
    ]
    far_lon = ticket.lon + 0.01  # about 1 km east
    r = move(client, csrf, number, "done", files=files, note="已清理",
             lon=str(far_lon), lat=str(ticket.lat))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["far"] is True and r.json()["distance_m"] > 500
    done = ctx.store.get_by_number(number)
    assert done.status.value == "handled" and len(done.evidence) == 2
    [recorded] = [m for m in FieldMoves(ctx.store.engine).of_ticket(number) if m.action == "done"]
    assert recorded.presence is not None and recorded.presence.far
    assert recorded.photos_before + recorded.photos_after == done.evidence
    page = client.get(f"/console/tickets/{number}").text  # the dispatcher's page shows it too
    assert 'id="presence"' in page and 'data-far="yes"' in page and "超出 200 米范围" in page
    check = client.get("/console/app/tasks").json()["tabs"]["check"]
    assert [t["number"] for t in check] == [number] and check[0]["far_m"][0] > 500
    assert check[0]["clock_state"] == "done_on_time" and check[0]["due"] is None


def test_a_category_needing_before_and_after_refuses_one_photo(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number, csrf = routed_worker(client, ctx, users)
    code = ctx.store.get_by_number(number).category
    cats = dict(ctx.ops.taxonomy.categories)
    cats[code] = dataclasses.replace(cats[code], photos_before_after=True)
    kept = ctx.ops.taxonomy.categories  # the process's shared config: put back after
    object.__setattr__(ctx.ops.taxonomy, "categories", cats)
    try:
        move(client, csrf, number, "accept")
        files = [("after", ("a.jpg", photo(), "image/jpeg"))]
        r = move(client, csrf, number, "done", files=files, note="已清理")
    finally:
        object.__setattr__(ctx.ops.taxonomy, "categories", kept)
    assert r.status_code == 400 and "处置前" in r.json()["message"]
    assert ctx.store.get_by_number(number).status.value == "accepted"


def test_a_move_on_a_reassigned_ticket_is_answered_in_the_workers_words(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    from gridops.services.actions import act

    number, csrf = routed_worker(client, ctx, users)
    ticket = ctx.store.get_by_number(number)
    other = next(u for u in sorted(ctx.ops.org.units) if u.startswith("dept-"))
    act(ctx, ticket.id, "reassign", actor="d-1", role="dispatcher", now=NOW,
        owner_unit=other, assignee="someone-else")  # fmt: skip
    key = uuid.uuid4().hex
    r = move(client, csrf, number, "accept", key)
    assert r.status_code == 409 and "改派" in r.json()["message"]
    assert FieldMoves(ctx.store.engine).get(ticket.assignee, key) is None  # free to retry
    en = move(client, csrf, number, "accept", lang="en")
    assert "reassigned" in en.json()["message"]
    assert ctx.store.get_by_number(number).assignee == "someone-else"


def test_moves_need_a_session_and_the_csrf_token(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number, csrf = routed_worker(client, ctx, users)
    assert move(client, "wrong", number, "accept").status_code == 403
    client.cookies.clear()
    r = move(client, csrf, number, "accept")
    assert r.status_code == 401 and r.json()["signin"] is True
    assert client.get("/console/app/tasks").status_code == 401
    assert ctx.store.get_by_number(number).status.value == "dispatched"


def test_the_pwa_files(client: TestClient, ctx: ServiceContext, users: Users) -> None:
    routed_worker(client, ctx, users)
    page = client.get("/console/app/")
    assert page.status_code == 200 and 'rel="manifest"' in page.text and "待签收" in page.text
    manifest = client.get("/console/app/manifest.webmanifest").json()
    assert manifest["start_url"] == "/console/app/" and manifest["name"].startswith("城管通")
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    sw = client.get("/console/app/sw.js")
    assert sw.headers["service-worker-allowed"] == "/console/"
    assert "__VERSION__" not in sw.text and "gridops-field-" in sw.text
    assert "blob:" in page.headers["content-security-policy"]
    assert client.get("/console/app/nothing.js").status_code == 404


def test_a_grid_worker_answers_a_verification_from_the_app(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    from .conftest import LUJIAZUI_L3, point_in

    lon, lat = point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": users.api_key(), "service_code": "E0103", "lat": str(lat),
            "long": str(lon), "description": "渣土"}  # fmt: skip
    number = str(
        client.post("/open311/v2/requests.json", data=form).json()[0]["service_request_id"]
    )
    route_batch(ctx, 10, now=NOW)
    assert ctx.store.get_by_number(number).status.value == "verifying"
    csrf = sign_in(client, users.add("gw-app", "grid_worker", f"gw-{LUJIAZUI_L3}"))
    tabs = client.get("/console/app/tasks").json()["tabs"]
    assert [t["number"] for t in tabs["verify"]] == [number]
    assert "verify_exists" in tabs["verify"][0]["actions"]
    refused = move(client, csrf, number, "verify_absent")  # no reason
    assert refused.status_code == 400 and "原因" in refused.json()["message"]
    files = [("after", ("v.jpg", photo(), "image/jpeg"))]
    r = move(client, csrf, number, "verify_exists", files=files, note="属实",
             lon=str(lon), lat=str(lat))  # fmt: skip
    assert r.status_code == 200 and r.json()["far"] is False
    assert ctx.store.get_by_number(number).status.value == "verified"


def test_a_patrol_sent_twice_is_kept_once_and_the_supervisor_sees_its_cells(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    import json

    from .conftest import LUJIAZUI_L3, point_in

    lon, lat = point_in(ctx, LUJIAZUI_L3)
    csrf = sign_in(client, users.add("gw-walk", "grid_worker", f"gw-{LUJIAZUI_L3}"))
    ms = int(NOW.timestamp() * 1000)
    points = [[lon, lat, ms], [lon + 0.0005, lat, ms + 60_000], [lon + 0.001, lat, ms + 120_000]]
    form = {"id": "walk-" + uuid.uuid4().hex, "started": str(ms), "ended": str(ms + 130_000),
            "points": json.dumps(points)}  # fmt: skip
    for _ in range(2):
        r = client.post("/console/app/patrols", data=form, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200 and r.json()["points"] == 3 and r.json()["length_m"] > 50
    bad = client.post("/console/app/patrols", data=form | {"points": "[[1]]"},
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert bad.status_code == 400 and "points[0]" in bad.json()["detail"]

    sign_in(client, users.add("s-walk", "supervisor", "all"))
    page = client.get("/console/patrols?day=2026-11-24")
    assert page.status_code == 200 and page.text.count('class="patrol"') == 1
    assert 'data-user="gw-walk"' in page.text and "当日巡查覆盖单元网格" in page.text
    assert LUJIAZUI_L3 in page.text  # the cell walked (a unit cell shows its code)
    assert client.get("/console/patrols?day=2026-11-25").text.count('class="patrol"') == 0
    wrong = client.get("/console/patrols?day=yesterday")
    assert wrong.status_code == 400 and "yesterday" in wrong.text


def test_an_inspector_checks_the_work_done_in_their_area(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    """核查 is the area's inspector's, whoever reported the ticket (here a citizen): with CHECK
    alone an inspector could check only their own reports, so their 待核查 tab stayed empty."""
    number, csrf = routed_worker(client, ctx, users)
    assert move(client, csrf, number, "accept").status_code == 200
    files = [
        ("before", ("b.jpg", shade((90, 40, 40)), "image/jpeg")),
        ("after", ("a.jpg", shade((40, 40, 90)), "image/jpeg")),
    ]
    assert move(client, csrf, number, "done", files=files, note="已清理").status_code == 200
    sign_in(client, users.add("insp-far", "inspector", "sc-310115125"))  # 张江: not here
    assert client.get("/console/app/tasks").json()["tabs"]["check"] == []
    csrf = sign_in(client, users.add("insp-ljz", "inspector", "sc-310115005"))  # 陆家嘴
    check = client.get("/console/app/tasks").json()["tabs"]["check"]
    assert [t["number"] for t in check] == [number]
    assert {"check_pass", "check_fail"} <= set(check[0]["actions"])
    r = move(client, csrf, number, "check_pass", note="现场已清")
    assert r.status_code == 200, r.text
    assert ctx.store.get_by_number(number).status.value == "closed"


def test_a_verification_asks_what_was_found_not_what_was_done() -> None:
    """A grid worker verifying handles nothing: the note was labelled 处置说明 (what was done)."""
    from pathlib import Path

    from gridops.web.console.app_views import app_words

    script = (Path(__file__).parents[2] / "gridops/web/console/app_static/app.js").read_text()
    verify = script[script.index("function verifyForms") : script.index("function checkForms")]
    assert 't("app.verify_note")' in verify and 't("app.note")' not in verify
    assert app_words("zh")["app.verify_note"] == "核实情况"
    assert app_words("en")["app.verify_note"] == "What you found"


def test_photos_before_and_after_stay_apart_however_the_done_is_sent(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    """The ticket page's done form (and the API under it) takes photos before and after the work;
    the page shows each under its own heading, and so does a done from the app."""
    import re

    number, csrf = routed_worker(client, ctx, users)
    move(client, csrf, number, "accept")
    r = client.post(
        f"/console/tickets/{number}/done",
        data={"csrf": csrf, "note": "已清理", "next": f"/console/tickets/{number}"},
        files=[("photos_before", ("b.jpg", shade((200, 10, 10)), "image/jpeg")),
               ("photos", ("a.jpg", shade((10, 200, 10)), "image/jpeg"))],
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    ticket = ctx.store.get_by_number(number)
    page = client.get(f"/console/tickets/{number}").text

    def shown(figure: str) -> set[str]:
        found = re.search(rf'<figure id="photos-{figure}">(.*?)</figure>', page, re.S)
        assert found, figure
        return set(re.findall(r"/console/media/([\w.]+)", found.group(1)))

    before, after = shown("before"), shown("after")
    assert len(before) == len(after) == 1 and before | after == set(ticket.evidence)
    for when, refs in (("before", before), ("after", after)):  # the timeline labels them too
        row = re.search(rf'<span class="detail photos {when}"><b>(.*?)</b>(.*?)</span>', page, re.S)
        assert row and row.group(1) == {"before": "处置前", "after": "处置后"}[when]
        assert set(re.findall(r"/console/media/([\w.]+)", row.group(2))) == refs
    assert ctx.store.events(ticket.id)[-1].payload["fields"]["evidence_before"] == sorted(before)


def test_the_api_refuses_a_done_without_both_photos_where_the_category_asks(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number, csrf = routed_worker(client, ctx, users)
    move(client, csrf, number, "accept")
    code = ctx.store.get_by_number(number).category
    cats = dict(ctx.ops.taxonomy.categories)
    cats[code] = dataclasses.replace(cats[code], photos_before_after=True)
    kept = ctx.ops.taxonomy.categories  # the process's shared config: put back after
    object.__setattr__(ctx.ops.taxonomy, "categories", cats)
    worker = ctx.store.get_by_number(number).assignee
    token = users.add(f"{worker}-api", "grid_worker", ctx.store.get_by_number(number).owner_unit)
    one = [("photos", ("a.jpg", photo(), "image/jpeg"))]
    try:
        r = client.post(f"/console/tickets/{number}/done", data={"csrf": csrf, "note": "已清理"},
                        files=one, follow_redirects=False)  # fmt: skip
        api = client.post(f"/api/v1/tickets/{number}/done", data={"note": "done"}, files=one,
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    finally:
        object.__setattr__(ctx.ops.taxonomy, "categories", kept)
    assert r.status_code == 400 and "处置前" in r.text
    assert api.status_code == 400 and "photos_before" in api.json()["detail"]
    assert ctx.store.get_by_number(number).status.value == "accepted"  # nothing half-done
