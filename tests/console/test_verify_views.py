"""Verification (核实) in the console over a real store: the grid worker's and the inspector's
field page lists the tasks of their cells with a countdown and the three answers; "does not
exist" (a void) needs its confirmation box ticked; the dispatcher's ticket page offers the
answers and, once a report could not be verified, register (立案) and send again — each form
only to the roles the transition table allows, in every status."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch
from gridops.services.verification import answer
from gridops.tickets import Role, Status
from gridops.tickets.workflow import TABLE
from gridops.web.console.ticket_views import ACTIONS, ANSWERS, available
from gridops.web.permissions import ROLE_ACTIONS, Principal

from .conftest import LUJIAZUI_L3, NOW, TestClient, Users, photo, point_in, sign_in

POST = f"gw-{LUJIAZUI_L3}"
ANSWER_FORMS = ("verify-exists", "verify-absent", "verify-unverifiable")


def verifying(client: TestClient, ctx: ServiceContext, users: Users, code: str = "E0103") -> str:
    lon, lat = point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": users.api_key(), "service_code": code, "lat": str(lat), "long": str(lon),
            "description": "渣土堆积"}  # fmt: skip
    r = client.post("/open311/v2/requests.json", data=form)
    assert r.status_code in (200, 201), r.text
    number = str(r.json()[0]["service_request_id"])
    route_batch(ctx, 10, now=NOW)
    assert ctx.store.get_by_number(number).status is Status.VERIFYING
    return number


def status(ctx: ServiceContext, number: str) -> str:
    return ctx.store.get_by_number(number).status.value


def test_the_grid_worker_sees_the_task_with_its_countdown_and_answers_it(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = verifying(client, ctx, users)
    csrf = sign_in(client, users.add("gw-1", "grid_worker", POST))
    page = client.get("/console/field").text
    assert 'id="verify-list"' in page and "核实任务" in page
    task = page[page.index(f'data-number="{number}"') :]
    assert "剩余 2小时00分" in task  # 2 working hours from 10:00 on a Tuesday
    assert all(f'class="act {f}"' in task for f in ANSWER_FORMS)
    english = client.get("/console/field?lang=en").text
    assert "Verification tasks" in english and "Does not exist (not registered)" in english
    files = [("photos", ("v.jpg", photo(), "image/jpeg"))]
    form = {"csrf": csrf, "answer": "exists", "note": "属实", "next": "/console/field"}
    r = client.post(f"/console/tickets/{number}/verification", data=form, files=files)
    assert r.status_code == 200 and status(ctx, number) == "verified"
    assert f"{number} verified: it exists" in r.text and f'data-number="{number}"' not in r.text
    route_batch(ctx, 10, now=NOW)
    assert status(ctx, number) == "dispatched"


def test_does_not_exist_asks_for_confirmation_first(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = verifying(client, ctx, users)
    csrf = sign_in(client, users.add("gw-1", "grid_worker", POST))
    form = {"csrf": csrf, "answer": "absent", "reason": "现场未发现"}
    page = client.get("/console/field").text
    assert 'name="confirm" value="yes" required' in page
    r = client.post(f"/console/tickets/{number}/verification", data=form)
    assert r.status_code == 400 and "confirm" in r.text and status(ctx, number) == "verifying"
    r = client.post(f"/console/tickets/{number}/verification",
                    data=form | {"confirm": "yes", "reason": ""})  # fmt: skip
    assert r.status_code == 400 and "reason" in r.text and status(ctx, number) == "verifying"
    r = client.post(f"/console/tickets/{number}/verification", data=form | {"confirm": "yes"})
    assert r.status_code == 200 and status(ctx, number) == "void"
    assert ctx.store.get_by_number(number).last_reason == "现场未发现"


def test_the_inspector_of_the_area_answers_from_the_field_page(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = verifying(client, ctx, users)
    csrf = sign_in(client, users.add("i-1", "inspector", "ws-310115005001"))
    page = client.get("/console/field").text
    task = page[page.index(f'data-number="{number}"') :]
    assert 'class="act verify-unverifiable"' in task
    assert f'href="/console/tickets/{number}"' not in task  # inspectors read only their own
    form = {"csrf": csrf, "answer": "unverifiable", "reason": "封闭小区"}
    r = client.post(f"/console/tickets/{number}/verification", data=form)
    assert r.status_code == 200 and status(ctx, number) == "unverified"


def test_others_see_no_task_and_a_post_is_refused_with_the_reason(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = verifying(client, ctx, users)
    csrf = sign_in(client, users.add("gw-2", "grid_worker", "gw-310115005001002"))
    assert f'data-number="{number}"' not in client.get("/console/field").text
    r = client.post(
        f"/console/tickets/{number}/verification", data={"csrf": csrf, "answer": "exists"}
    )
    assert r.status_code == 403 and status(ctx, number) == "verifying"
    csrf = sign_in(client, users.add("fs-1", "field_staff", POST))
    r = client.post(
        f"/console/tickets/{number}/verification", data={"csrf": csrf, "answer": "exists"}
    )
    assert r.status_code == 403 and "field staff may not answer a verification" in r.text


def test_the_dispatcher_answers_then_decides_from_the_ticket_page(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = verifying(client, ctx, users)
    csrf = sign_in(client, users.add("d-1", "dispatcher", "sc-310115005"))
    page = client.get(f"/console/tickets/{number}").text
    assert 'id="verify-answers"' in page and 'id="act-register"' not in page
    here = f"/console/tickets/{number}"
    form = {"csrf": csrf, "answer": "unverifiable", "reason": "无人", "next": here}
    r = client.post(f"{here}/verification", data=form)
    assert r.status_code == 200 and status(ctx, number) == "unverified"
    assert 'id="act-register"' in r.text and 'id="act-verify"' in r.text
    assert 'id="act-void"' in r.text and 'id="verify-answers"' not in r.text
    assert "无法核实" in r.text and 'id="last-reason" translate="no">无人' in r.text
    r = client.post(f"{here}/do/verify", data={"csrf": csrf, "note": "再去一次"})
    assert r.status_code == 200 and status(ctx, number) == "verifying"
    answer(ctx, number, "unverifiable", actor="gw", role=Role.GRID_WORKER, now=NOW, reason="x")
    r = client.post(f"{here}/do/register", data={"csrf": csrf})
    assert r.status_code == 200 and status(ctx, number) == "verified"
    types = [e.type for e in ctx.store.events(ctx.store.get_by_number(number).id)]
    assert types == ["report", "verify", "unverifiable", "verify", "unverifiable", "register"]


@pytest.mark.parametrize(
    "role", ["dispatcher", "acceptor", "supervisor", "grid_worker", "inspector", "field_staff"]
)
def test_verification_forms_follow_the_table_in_every_status(
    client: TestClient, ctx: ServiceContext, users: Users, role: str
) -> None:
    ticket = ctx.store.get_by_number(verifying(client, ctx, users))
    me = Principal("u-1", Role(role), "all")
    state = client.app.state.web  # type: ignore[attr-defined]
    moves = {a.name: a for a in (*ANSWERS, ACTIONS["register"], ACTIONS["verify"])}
    for s in Status:
        offered = set(moves) & set(available(state, me, replace(ticket, status=s)))
        allowed = {
            name for name, a in moves.items()
            if s in TABLE[a.move].sources and me.role in TABLE[a.move].roles
            and a.permission in ROLE_ACTIONS[me.role]
        }  # fmt: skip
        assert offered == allowed, s
    expected = {"verify_exists", "verify_absent", "verify_unverifiable"}
    assert (expected <= set(available(state, me, ticket))) == (
        role in ("dispatcher", "acceptor", "grid_worker", "inspector")
    )
