"""Verification (核实) over HTTP, per role: the tasks of my cells, the three answers with a note
and photos, and the dispatcher's decision — each move allowed to the roles the transition table
allows it (and within their units), refused to every other with a 403 and the reason; a move
the ticket's status does not allow is a 409; the routes are documented in the OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch
from gridops.tickets.vocabulary import Role
from gridops.tickets.workflow import TABLE
from gridops.web.media import media_dir
from gridops.web.permissions import ROLE_ACTIONS, Action

from ..conftest import LUJIAZUI_L3, NOW, TestClient, Users, photo, wgs84_point_in

POST = f"gw-{LUJIAZUI_L3}"  # the cell's grid-worker post
OTHER_POST = "gw-310115005001002"
#: role → (units, may answer): who answers a verification task of POST's cell
ANSWERING = {
    "grid worker of the post": ("grid_worker", (POST,), True),
    "inspector of the community": ("inspector", ("ws-310115005001",), True),
    "acceptor of the sub-centre": ("acceptor", ("sc-310115005",), True),
    "dispatcher of all units": ("dispatcher", ("all",), True),
    "grid worker of another post": ("grid_worker", (OTHER_POST,), False),
    "inspector elsewhere": ("inspector", ("ws-310115007001",), False),
    "field staff of the squadron": ("field_staff", ("dept-law-enforcement@310115005",), False),
    "supervisor of all units": ("supervisor", ("all",), False),
    "admin": ("admin", (), False),
}


def verifying(client: TestClient, ctx: ServiceContext, api_key: str, code: str = "E0103") -> str:
    """A public report of a category that needs verification, routed: its case number."""
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": api_key, "service_code": code, "lat": str(lat), "long": str(lon),
            "description": "渣土堆积"}  # fmt: skip
    made = client.post("/open311/v2/requests.json", data=form)
    assert made.status_code in (200, 201), made.text
    number = str(made.json()[0]["service_request_id"])
    assert route_batch(ctx, 10, now=NOW) >= 1
    t = ctx.store.get_by_number(number)
    assert t.status.value == "verifying" and t.owner_unit == POST
    return number


@pytest.fixture
def number(client: TestClient, ctx: ServiceContext, api_key: str) -> str:
    return verifying(client, ctx, api_key)


def user(users: Users, who: str) -> dict[str, str]:
    role, units, _ = ANSWERING[who]
    return users.add(who.replace(" ", "-"), role, *units)


@pytest.mark.parametrize("who", sorted(ANSWERING))
def test_exists_is_answered_by_the_cells_verifiers_only(
    client: TestClient, ctx: ServiceContext, users: Users, number: str, who: str
) -> None:
    headers = user(users, who)
    r = client.post(f"/api/v1/tickets/{number}/verification/exists", headers=headers,
                    data={"note": "现场属实"})  # fmt: skip
    if ANSWERING[who][2]:
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "verified" and r.json()["clock"]["stopped_at"]
        route_batch(ctx, 10, now=NOW)
        assert ctx.store.get_by_number(number).status.value == "dispatched"
    else:
        assert r.status_code == 403 and r.json()["detail"], r.text
        assert ctx.store.get_by_number(number).status.value == "verifying"


@pytest.mark.parametrize("who", sorted(ANSWERING))
def test_my_verifications_lists_the_tasks_of_my_cells(
    client: TestClient, users: Users, number: str, who: str
) -> None:
    r = client.get("/api/v1/my/verifications", headers=user(users, who))
    role = Role(ANSWERING[who][0])
    if Action.VERIFY not in ROLE_ACTIONS[role]:
        assert r.status_code == 403 and "no verification tasks" in r.json()["detail"]
        return
    assert r.status_code == 200, r.text
    numbers = [t["number"] for t in r.json()["tickets"]]
    assert numbers == ([number] if ANSWERING[who][2] else [])


def test_absent_needs_a_reason_and_voids_with_photos_kept(
    client: TestClient, ctx: ServiceContext, users: Users, number: str
) -> None:
    worker = user(users, "grid worker of the post")
    url = f"/api/v1/tickets/{number}/verification/absent"
    assert client.post(url, headers=worker, data={"note": "x"}).status_code == 422
    assert client.post(url, headers=worker, data={"reason": "ok\x07"}).status_code == 422
    assert ctx.store.get_by_number(number).status.value == "verifying"
    r = client.post(url, headers=worker, data={"reason": "现场未发现", "note": "已拍照"},
                    files=[("photos", ("a.jpg", photo(), "image/jpeg"))])  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "void" and r.json()["last_reason"] == "现场未发现"
    [event] = [e for e in ctx.store.events(r.json()["id"]) if e.type == "verified_absent"]
    [ref] = event.payload["fields"]["evidence"]
    assert (media_dir(ctx.settings.data_dir) / ref).is_file()  # stored like a done's photos
    again = client.post(url, headers=worker, data={"reason": "again"})
    assert again.status_code == 409 and "void" in again.json()["detail"]


def test_unverifiable_then_the_dispatcher_decides(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str, number: str
) -> None:
    inspector = user(users, "inspector of the community")
    worker = user(users, "grid worker of the post")
    dispatcher = user(users, "dispatcher of all units")
    acceptor = user(users, "acceptor of the sub-centre")
    url = f"/api/v1/tickets/{number}/verification/unverifiable"
    assert client.post(url, headers=inspector, data={}).status_code == 422
    r = client.post(url, headers=inspector, data={"reason": "小区封闭无法进入"})
    assert r.status_code == 200 and r.json()["status"] == "unverified", r.text
    queue = client.get("/api/v1/queues/new", headers=dispatcher).json()["tickets"]
    assert number in [t["number"] for t in queue]  # back in 待派遣
    for headers in (worker, inspector):
        refused = client.post(f"/api/v1/tickets/{number}/register", headers=headers)
        assert refused.status_code == 403 and "may not decide" in refused.json()["detail"]
    sent = client.post(f"/api/v1/tickets/{number}/verify", headers=acceptor, json={"note": "再核"})
    assert sent.status_code == 200 and sent.json()["status"] == "verifying", sent.text
    assert sent.json()["clock"]["started_at"] and not sent.json()["clock"]["stopped_at"]
    assert client.post(url, headers=worker, data={"reason": "仍无法进入"}).status_code == 200
    ok = client.post(f"/api/v1/tickets/{number}/register", headers=dispatcher)
    assert ok.status_code == 200 and ok.json()["status"] == "verified", ok.text
    conflict = client.post(f"/api/v1/tickets/{number}/register", headers=dispatcher)
    assert conflict.status_code == 409
    other = verifying(client, ctx, api_key, "E0105")  # another category: no duplicate
    early = client.post(f"/api/v1/tickets/{other}/register", headers=dispatcher)
    assert early.status_code == 409 and "verifying" in early.json()["detail"]


def test_every_verification_move_is_offered_to_the_roles_the_table_allows() -> None:
    def holders(action: Action) -> set[Role]:
        return {r for r, acts in ROLE_ACTIONS.items() if action in acts}

    for move in ("verified", "verified_absent", "unverifiable"):
        assert holders(Action.VERIFY) == set(TABLE[move].roles)
    for move in ("register", "verify"):
        assert holders(Action.DECIDE_VERIFICATION) == set(TABLE[move].roles) - {Role.SYSTEM}


def test_the_routes_are_documented_with_their_answers(client: TestClient) -> None:
    paths: dict[str, Any] = client.get("/openapi.json").json()["paths"]
    for answer in ("exists", "absent", "unverifiable"):
        post = paths[f"/api/v1/tickets/{{ticket}}/verification/{answer}"]["post"]
        assert {"200", "400", "403", "404", "409", "422"} <= set(post["responses"])
        assert "multipart/form-data" in post["requestBody"]["content"]
    for route in ("register", "verify"):
        assert {"200", "403", "404", "409"} <= set(paths[f"/api/v1/tickets/{{ticket}}/{route}"][
            "post"]["responses"])  # fmt: skip
    assert "403" in paths["/api/v1/my/verifications"]["get"]["responses"]
