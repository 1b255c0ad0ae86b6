"""The field app (城管通) in Chromium as a phone (390×844, touch, geolocation granted and moved,
offline through the browser context): offline, a worker accepts two tasks and reports one done
with two photos (before/after); the app reloads offline from its service worker and still shows
the list and the queue; back online, the server holds exactly those moves, once each. A move
that conflicts (the task was reassigned meanwhile) is shown, with the worker's text kept.
Screens in 中文 and English at 390 and 1440 px (tests/artifacts/), axe: 0 critical/serious."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gridops.services.actions import act
from gridops.services.routing import route_batch
from gridops.store.field_moves import FieldMoves

from .browser import AXE
from .conftest import ARTIFACTS, NOW, Server, point_in
from .test_app import shade

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}
CELLS = ("310115005001001", "310115005001002", "310115005003003", "310115005003004")


def phone(browser: Any, server: Server, token: str, lon: float, lat: float, **extra: Any) -> Any:
    """A signed-in phone context on the app, its service worker in control."""
    context = browser.new_context(
        base_url=server.url, viewport=PHONE, has_touch=True, is_mobile=True,
        geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"], **extra,
    )  # fmt: skip
    page = context.new_page()
    page.goto("/console/login")
    page.fill("#token", token)
    page.click("#login")
    page.wait_for_load_state()
    page.goto("/console/app/")
    page.wait_for_selector("body[data-ready='1']")
    if extra.get("service_workers") != "block":
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return page


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"app-{name}.png"), full_page=True)


def report(server: Server, key: str, description: str, code: str, l3: str) -> str:
    """A public report in cell ``l3`` (each test its own cells: no duplicates across tests)."""
    import httpx

    lon, lat = point_in(server.ctx, l3)
    form = {"api_key": key, "service_code": code, "lat": str(lat), "long": str(lon),
            "description": description}  # fmt: skip
    r = httpx.post(f"{server.url}/open311/v2/requests.json", data=form)
    assert r.status_code in (200, 201), r.text
    return str(r.json()[0]["service_request_id"])


def dispatched_to(
    server: Server, worker: str, unit: str, *codes: str, cell: str = CELLS[0]
) -> list[str]:
    """Tickets of ``codes`` reported, routed and given to ``worker`` of ``unit``."""
    key = server.users.api_key()
    numbers = [report(server, key, f"现场问题 {code}", code, cell) for code in codes]
    route_batch(server.ctx, 10, now=NOW)
    for number in numbers:
        t = server.ctx.store.get_by_number(number)
        if t.assignee != worker:
            act(server.ctx, t.id, "reassign", actor="d-app", role="dispatcher", now=NOW,
                owner_unit=unit, assignee=worker)  # fmt: skip
    return numbers


def moves_of(server: Server, number: str) -> list[str]:
    t = server.ctx.store.get_by_number(number)
    return [e.type for e in server.ctx.store.events(t.id) if e.type in ("accept", "handle")]


def test_offline_moves_are_applied_once_when_the_signal_returns(
    server: Server, browser: Any
) -> None:
    first = report(server, server.users.api_key(), "路口垃圾", "E0102", CELLS[0])
    route_batch(server.ctx, 10, now=NOW)
    probe = server.ctx.store.get_by_number(first)
    worker, unit = probe.assignee, probe.owner_unit
    one, two = dispatched_to(server, worker, unit, "E0104", "E0201")
    t1 = server.ctx.store.get_by_number(one)
    page = phone(browser, server, server.users.add(worker, "grid_worker", unit), t1.lon, t1.lat)
    assert page.inner_text('[data-count="todo"]') == "3"
    shot(page, "list-zh-390")
    taps = 0

    page.context.set_offline(True)
    page.tap(f'#cards a.card[data-number="{one}"]')
    taps += 1
    page.wait_for_selector("#task-view .navi a")
    assert page.get_attribute("#task-view .navi a:first-child", "href").startswith("amapuri://")
    shot(page, "task-zh-390")
    page.tap("#accept")
    taps += 1
    page.wait_for_selector("#task-view form.done")
    # nothing said and no photo: the note is not filled in for the worker, so it is refused
    assert page.input_value("#task-view form.done textarea[name=note]") == ""
    queued = page.inner_text("#outbox")  # the accept, offline
    page.tap("#task-view form.done button[type=submit]")
    assert page.evaluate("document.querySelector('#task-view form.done textarea').validity"
                         ".valueMissing")  # fmt: skip
    page.fill("#task-view form.done textarea[name=note]", "暴露垃圾已清运")
    page.tap("#task-view form.done button[type=submit]")  # a note but no photo after: asked
    assert "没有处置后照片" in page.inner_text("#task-view form.done .no-photo")
    assert page.inner_text("#outbox") == queued  # nothing more queued (not the path counted)
    page.context.set_geolocation({"longitude": t1.lon + 0.01, "latitude": t1.lat})  # moved away
    page.set_input_files("#ph-before", files=[{"name": "before.jpg", "mimeType": "image/jpeg",
                                               "buffer": shade((200, 60, 40))}])  # fmt: skip
    page.set_input_files("#ph-after", files=[{"name": "after.jpg", "mimeType": "image/jpeg",
                                              "buffer": shade((40, 60, 200))}])  # fmt: skip
    taps += 2  # the two photo buttons (each opens the camera)
    page.wait_for_selector("#ph-after-preview img")
    shot(page, "done-form-zh-390")
    page.tap("#task-view form.done button[type=submit]")
    taps += 1
    # 1 km from the point (the radius is 200 m): the app asks why before it queues the move
    page.wait_for_selector("#far-ask[open]")
    assert "1" in page.inner_text("#far-ask p") and "200" in page.inner_text("#far-ask p")
    page.tap("#far-send")  # no reason yet: told in the dialog, nothing queued
    assert page.inner_text("#far-err") == "请选择或填写不在现场的原因"
    shot(page, "far-ask-zh-390")
    page.locator("#far-ask label.radio").first.tap()
    page.tap("#far-send")  # two more taps, only when sent from beyond the radius
    page.wait_for_selector("#list-view:not([hidden])")
    page.tap("#tab-todo")
    page.tap(f'#cards a.card[data-number="{two}"]')
    page.tap("#accept")
    page.wait_for_selector("#outbox:has-text('3')")
    assert page.get_attribute("#net", "data-state") == "offline"
    assert moves_of(server, one) == moves_of(server, two) == []  # nothing left the phone

    page.reload()  # offline: the service worker serves the app, the device its list and queue
    page.wait_for_selector("body[data-ready='1']")
    page.tap("#tab-doing")
    page.wait_for_selector(f'#cards a.card[data-number="{two}"] .badge.wait')
    assert page.locator("#cards a.card").count() == 1 and "待发送" in page.inner_text("#cards")
    assert not page.locator("#outbox").is_hidden()
    shot(page, "offline-queue-zh-390")

    page.context.set_offline(False)
    page.wait_for_selector("#outbox", state="hidden", timeout=30_000)
    assert moves_of(server, one) == ["accept", "handle"]
    assert moves_of(server, two) == ["accept"]
    done = server.ctx.store.get_by_number(one)
    assert done.status.value == "handled" and len(done.evidence) == 2
    recorded = {m.action: m for m in FieldMoves(server.ctx.store.engine).of_ticket(one)}
    assert sorted(recorded) == ["accept", "done"]  # one row each (the key is the row's id)
    assert recorded["done"].presence is not None and recorded["done"].presence.far
    assert recorded["done"].presence.reason == "现场无法靠近（封闭、施工）"
    assert len(recorded["done"].photos_before) == len(recorded["done"].photos_after) == 1
    page.tap("#tab-check")
    page.wait_for_selector(f'#cards a.card[data-number="{one}"] .badge.far')
    shot(page, "check-far-zh-390")
    cached = page.evaluate(
        """async () => { let n = 0, bytes = 0;
          for (const name of await caches.keys()) { const c = await caches.open(name);
            for (const r of await c.keys()) {
              n++; bytes += (await (await c.match(r)).blob()).size; } }
          return {entries: n, bytes: bytes}; }"""
    )
    figures = {"open_to_done_with_photos": taps, "service_worker_cache": cached}
    (ARTIFACTS / "app-figures.json").write_text(json.dumps(figures))
    assert taps <= 5
    page.context.close()


def test_a_conflicting_move_is_shown_and_its_text_kept(server: Server, browser: Any) -> None:
    first = report(server, server.users.api_key(), "垃圾桶满溢", "E0102", CELLS[1])
    route_batch(server.ctx, 10, now=NOW)
    probe = server.ctx.store.get_by_number(first)
    worker, unit = probe.assignee, probe.owner_unit
    page = phone(browser, server, server.users.add(f"{worker}-b", "grid_worker", unit),
                 probe.lon, probe.lat)  # fmt: skip
    act(server.ctx, probe.id, "reassign", actor="d-app", role="dispatcher", now=NOW,
        owner_unit=unit, assignee=f"{worker}-b")  # fmt: skip
    page.tap("#refresh")
    page.wait_for_selector(f'#cards a.card[data-number="{first}"]')
    page.context.set_offline(True)
    page.tap(f'#cards a.card[data-number="{first}"]')
    page.tap("#task-view details.ret summary")
    page.tap("#task-view form.return input[type=radio] >> nth=0")
    page.fill("#task-view form.return textarea", "现场为私人物业")
    page.tap("#task-view form.return button[type=submit]")
    other = next(u for u in sorted(server.ctx.ops.org.units) if u.startswith("dept-"))
    act(
        server.ctx,
        probe.id,
        "reassign",
        actor="d-app",
        role="dispatcher",
        now=NOW,
        owner_unit=other,
        assignee="someone-else",
    )  # meanwhile, at the centre
    page.context.set_offline(False)
    page.wait_for_selector("#outbox", state="hidden", timeout=30_000)
    page.wait_for_selector(f'#cards .kept a[href="#task/{first}"]')  # listed though gone
    page.tap(f'#cards .kept a[href="#task/{first}"]')
    page.wait_for_selector("#task-view .kept")
    kept = page.inner_text("#task-view .kept")
    assert "改派" in kept and "现场为私人物业" in kept
    assert server.ctx.store.get_by_number(first).status.value == "dispatched"
    shot(page, "conflict-zh-390")
    page.tap("#logout button")  # signing out clears the phone: the kept move, the cached list
    page.wait_for_url("**/console/login")
    assert page.evaluate("caches.keys()") == []
    page.goto("/console/login")
    left = page.evaluate(
        """() => new Promise(done => { const r = indexedDB.open("gridops-field", 1);
             r.onsuccess = () => { const tx = r.result.transaction(["kept", "cache"]);
               const k = tx.objectStore("kept").count(), c = tx.objectStore("cache").count();
               tx.oncomplete = () => done(k.result + c.result); }; })"""
    )
    assert left == 0
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_app_screens_in_both_languages_and_widths_pass_axe(
    server: Server, browser: Any, lang: str
) -> None:
    first = report(server, server.users.api_key(), "垃圾", "E0102", CELLS[2 if lang == "zh" else 3])
    route_batch(server.ctx, 10, now=NOW)
    t = server.ctx.store.get_by_number(first)
    worker = f"{t.assignee}-{lang}"
    act(server.ctx, t.id, "reassign", actor="d-app", role="dispatcher", now=NOW,
        owner_unit=t.owner_unit, assignee=worker)  # fmt: skip
    token = server.users.add(worker, "grid_worker", t.owner_unit)
    for width in (390, 1440):
        page = phone(browser, server, token, t.lon, t.lat, bypass_csp=True)
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(f"/console/app/?lang={lang}")
        page.wait_for_selector("body[data-ready='1']")
        shot(page, f"list-{lang}-{width}")
        problems = []
        for screen in ("list", "task", "return"):
            if screen == "task":
                page.tap(f'#cards a.card[data-number="{first}"]')
                page.wait_for_selector("#task-view .navi")
            if screen == "return":
                page.tap("#task-view details.ret summary")
            shot(page, f"{screen}-{lang}-{width}")
            page.add_script_tag(path=str(AXE))
            found = page.evaluate("async () => (await axe.run(document)).violations")
            problems += [(screen, v["id"], v["impact"]) for v in found
                         if v.get("impact") in ("critical", "serious")]  # fmt: skip
        assert problems == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.context.close()


def test_a_patrol_records_a_track_and_a_problem_reported_on_the_way(
    server: Server, browser: Any
) -> None:
    from datetime import timedelta

    from gridops.services.patrols import of_day
    from gridops.store.queries import find_many

    lon, lat = point_in(server.ctx, CELLS[1])
    unit = "gw-" + CELLS[1]
    page = phone(browser, server, server.users.add("gw-patrol", "grid_worker", unit), lon, lat)
    page.tap("#patrol-start")
    page.wait_for_selector("#patrol-status")
    for step in (1, 2, 3):  # walking east, about 100 m a step
        page.context.set_geolocation({"longitude": lon + 0.001 * step, "latitude": lat})
        page.wait_for_selector(f"#patrol-status:has-text('{step + 1} ')")
    page.context.set_geolocation({"longitude": lon, "latitude": lat})  # back at the problem
    page.wait_for_selector("#patrol-status:has-text('5 ')")
    page.tap("#patrol details.report summary")
    page.select_option("#patrol select[name=category]", "E0201")
    page.fill("#patrol textarea[name=description]", "电线杆上小广告")
    page.set_input_files("#pt-after", files=[{"name": "p.jpg", "mimeType": "image/jpeg",
                                              "buffer": shade((90, 90, 90))}])  # fmt: skip
    shot(page, "patrol-report-zh-390")
    page.tap("#patrol form.onsite button[type=submit]")
    page.tap("#patrol-stop")
    window = (NOW - timedelta(days=400), NOW + timedelta(days=400))  # the phone's own clock
    for _ in range(300):  # until the phone has sent both (its queue, not a time limit)
        walks = [p for p in of_day(server.ctx, *window) if p.user_id == "gw-patrol"]
        if walks and page.locator("#outbox").is_hidden():
            break
        page.wait_for_timeout(100)
    [walk] = walks
    assert len(walk.points) == 5 and 500 < walk.length_m < 700
    found = find_many(server.ctx.store, category="E0201", limit=50)
    reports = [t for t in found if t.description == "电线杆上小广告"]
    assert len(reports) == 1 and reports[0].onsite and len(reports[0].media) == 1
    shot(page, "patrol-ended-zh-390")
    page.context.close()


def test_a_task_dispatched_to_me_appears_without_a_reload(server: Server, browser: Any) -> None:
    lon, lat = point_in(server.ctx, CELLS[2])
    unit = "gw-" + CELLS[2]
    page = phone(browser, server, server.users.add("gw-live", "grid_worker", unit), lon, lat)
    before = int(page.inner_text('[data-count="todo"]'))
    [number] = dispatched_to(server, "gw-live", unit, "E0104", cell=CELLS[2])
    page.wait_for_selector(f'#cards a.card[data-number="{number}"]', timeout=60_000)  # pushed
    assert int(page.inner_text('[data-count="todo"]')) == before + 1
    page.context.close()


def test_a_photo_chosen_before_the_accept_is_confirmed_is_kept(
    server: Server, browser: Any
) -> None:
    """Online, a worker taps 签收 and at once photographs the scene: the server's answer to the
    accept re-drew the task and dropped the photo (the walk of the merged console found it)."""
    lon, lat = point_in(server.ctx, CELLS[3])
    unit = "gw-" + CELLS[3]
    page = phone(browser, server, server.users.add("gw-quick", "grid_worker", unit), lon, lat)
    [number] = dispatched_to(server, "gw-quick", unit, "E0201", cell=CELLS[3])
    page.wait_for_selector(f'#cards a.card[data-number="{number}"]', timeout=60_000)
    page.tap(f'#cards a.card[data-number="{number}"]')
    page.wait_for_selector("#accept")
    page.tap("#accept")
    page.wait_for_selector("#task-view form.done")
    page.set_input_files("#ph-before", files=[{"name": "before.jpg", "mimeType": "image/jpeg",
                                               "buffer": shade((200, 60, 40))}])  # fmt: skip
    page.wait_for_selector("#ph-before-preview img")
    page.wait_for_selector(
        "#task-view[data-sig^='accepted|'][data-pending='0']", timeout=30_000
    )  # confirmed
    assert moves_of(server, number) == ["accept"]
    assert page.locator("#ph-before-preview img").count() == 1
    page.set_input_files("#ph-after", files=[{"name": "after.jpg", "mimeType": "image/jpeg",
                                              "buffer": shade((40, 60, 200))}])  # fmt: skip
    page.fill("#task-view form.done textarea[name=note]", "已清理")
    page.tap("#task-view form.done button[type=submit]")
    page.wait_for_selector("#list-view:not([hidden])")
    for _ in range(300):  # the done move on its way to the server
        if moves_of(server, number) == ["accept", "handle"]:
            break
        page.wait_for_timeout(100)
    recorded = {m.action: m for m in FieldMoves(server.ctx.store.engine).of_ticket(number)}
    assert len(recorded["done"].photos_before) == len(recorded["done"].photos_after) == 1
    page.context.close()


def _accept_with_a_list_held(
    server: Server, browser: Any, user: str, cell: str
) -> tuple[Any, str, dict[str, Any]]:
    """A phone whose accept is held unanswered, a task list asked for meanwhile (held too, as
    ``held["list"]``: route and the server's answer), and the done form marked with a photo in
    it; every later task list is held in ``held["later"]`` until released (and later ones let
    through once ``held["open"]`` is set)."""
    lon, lat = point_in(server.ctx, cell)
    unit = "gw-" + cell
    token = server.users.add(user, "grid_worker", unit)
    page = phone(browser, server, token, lon, lat, service_workers="block")  # its own fetches
    [number] = dispatched_to(server, user, unit, "E0104", cell=cell)
    page.wait_for_selector(f'#cards a.card[data-number="{number}"]', timeout=60_000)
    held: dict[str, Any] = {"later": []}

    def hold_move(route: Any) -> None:
        held["move"] = route

    def hold_lists(route: Any) -> None:
        if held.get("open"):
            route.continue_()
        elif "list" in held:
            held["later"].append(route)
        else:  # asked now, while the accept is still unanswered: the task is still to accept
            held["list"] = (route, route.fetch())

    page.route("**/console/app/moves*", hold_move)
    page.tap(f'#cards a.card[data-number="{number}"]')
    page.tap("#accept")
    page.wait_for_selector("#task-view form.done")
    for _ in range(300):
        if "move" in held:
            break
        page.wait_for_timeout(100)
    page.route("**/console/app/tasks*", hold_lists)
    page.evaluate("document.getElementById('refresh').click()")  # the list asked for now
    for _ in range(300):
        if "list" in held:
            break
        page.wait_for_timeout(100)
    page.set_input_files("#ph-before", files=[{"name": "before.jpg", "mimeType": "image/jpeg",
                                               "buffer": shade((90, 160, 40))}])  # fmt: skip
    page.evaluate("document.querySelector('#task-view form.done').dataset.mark = 'kept'")
    page.unroute("**/console/app/moves*")
    held["move"].continue_()  # the accept is answered, and the app asks for a fresh list
    for _ in range(300):
        if held["later"]:
            break
        page.wait_for_timeout(100)
    return page, number, held


def _task_kept(server: Server, page: Any, number: str) -> None:
    """The accept was sent once and the done form, its mark and its photo are still there."""
    assert moves_of(server, number) == ["accept"]
    assert page.locator("#accept").count() == 0
    assert page.locator("#task-view form.done[data-mark='kept']").count() == 1
    assert page.locator("#ph-before-preview img").count() == 1
    meta = page.inner_text("#task-view .meta")
    assert "null" not in meta and "undefined" not in meta, meta  # the touched-up line, as drawn
    toast = page.get_attribute("#toast", "class") or ""
    assert "shown" not in toast, page.inner_text("#toast")  # "sending…" no longer, once sent


def test_a_task_list_older_than_the_accept_does_not_redraw_the_task(
    server: Server, browser: Any
) -> None:
    """The race behind a lost tap on 办结上报: a task list asked for before the accept was answered
    arrived after it, showed the task as still to accept and re-drew the view under the worker
    (the done form, its photo and the tap on it gone). Here the network is held so that list
    arrives last, every time."""
    page, number, held = _accept_with_a_list_held(server, browser, "gw-stale", CELLS[3])
    for route in held["later"]:
        route.continue_()  # the fresh list shown
    held["open"] = True
    page.wait_for_timeout(1000)
    route, stale = held["list"]
    route.fulfill(response=stale)  # the old list arrives last
    page.wait_for_timeout(1000)
    _task_kept(server, page, number)
    page.context.close()


def test_a_task_stays_accepted_while_the_list_after_the_accept_is_awaited(
    server: Server, browser: Any
) -> None:
    """The same race's second half (seen under load): the old list, dropped, still re-drew the
    view from the tabs the phone held — the accept no longer queued, the fresh list not yet
    in — so the task showed as still to accept, then was drawn anew when the fresh list came.
    An accepted move stays applied to the view until a list asked for after it is shown."""
    page, number, held = _accept_with_a_list_held(server, browser, "gw-await", "310115005002001")
    route, stale = held["list"]
    route.fulfill(response=stale)  # the old list arrives while the fresh one is held
    page.wait_for_timeout(1000)
    _task_kept(server, page, number)
    assert page.locator("#task-view .badge.wait").count() == 0  # sent: no longer waiting
    held["open"] = True
    for route in held["later"]:
        route.continue_()  # now the fresh list
    page.wait_for_timeout(1000)
    _task_kept(server, page, number)
    page.context.close()
