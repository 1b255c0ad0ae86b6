"""Who may do what over HTTP: every refusal is a 403 with a reason; reporter data is masked for
all but dispatchers and supervisors; workflow refusals are 409; bad input 400/422."""

from __future__ import annotations

import pytest

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from ..conftest import LUJIAZUI_L3, NOW, TestClient, Users, wgs84_point_in


def reported(client: TestClient, ctx: ServiceContext, api_key: str, category: str = "E0102"):
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {
        "api_key": api_key,
        "service_code": category,
        "lat": str(lat),
        "long": str(lon),
        "first_name": "三",
        "last_name": "张",
        "phone": "13812345678",
    }
    return client.post("/open311/v2/requests.json", data=form).json()[0]["service_request_id"]


@pytest.fixture
def number(client: TestClient, ctx: ServiceContext, api_key: str) -> str:
    made = reported(client, ctx, api_key)
    assert route_batch(ctx, 10, now=NOW) == 1
    return made


def test_no_or_bad_token_is_401_with_a_reason(client: TestClient, number: str) -> None:
    none = client.get(f"/api/v1/tickets/{number}")
    assert none.status_code == 401 and "Bearer" in none.json()["detail"]
    assert none.headers["www-authenticate"].startswith("Bearer")
    bad = client.get(f"/api/v1/tickets/{number}", headers={"Authorization": "Bearer gut_nope"})
    assert bad.status_code == 401 and "not valid" in bad.json()["detail"]


def test_field_staff_of_another_unit_are_refused(
    client: TestClient, users: Users, number: str
) -> None:
    other = users.add("fw-9", "field_staff", "dept-law-enforcement@310115005")
    for call in (
        client.get(f"/api/v1/tickets/{number}", headers=other),
        client.post(f"/api/v1/tickets/{number}/accept", headers=other),
    ):
        assert call.status_code == 403
        assert "only on tickets assigned to them or their unit" in call.json()["detail"]
    assert client.get("/api/v1/my/tasks", headers=other).json()["tickets"] == []
    queue = client.get("/api/v1/queues/new", headers=other)
    assert queue.status_code == 403 and "dispatchers" in queue.json()["detail"]


def test_role_without_the_action_is_refused(client: TestClient, users: Users, number: str) -> None:
    admin = users.add("root", "admin")
    refused = client.get(f"/api/v1/tickets/{number}", headers=admin)
    assert refused.status_code == 403 and "admins may not read ticket" in refused.json()["detail"]
    supervisor = users.add("s-1", "supervisor", "all")
    voided = client.post(f"/api/v1/tickets/{number}/void", headers=supervisor, json={"reason": "x"})
    assert voided.status_code == 403 and "supervisors may not void" in voided.json()["detail"]


def test_contact_is_whole_for_dispatchers_and_masked_for_field_staff(
    client: TestClient, ctx: ServiceContext, users: Users, number: str
) -> None:
    owner = ctx.store.get_by_number(number).owner_unit
    dispatcher = users.add("d-1", "dispatcher", "all")
    field = users.add("fw-1", "grid_worker", owner)
    whole = client.get(f"/api/v1/tickets/{number}", headers=dispatcher).json()
    masked = client.get(f"/api/v1/tickets/{number}", headers=field).json()
    assert whole["ticket"]["reporter"] == {"name": "三 张", "phone": "13812345678", "email": None}
    assert masked["ticket"]["reporter"] == {"name": "三 *", "phone": "138****5678", "email": None}
    first = masked["timeline"][0]["payload"]["changes"]
    assert "reporter" not in first and "reporter_salt" not in whole["ticket"]


def test_dispatcher_queues_and_workflow_refusals(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str, number: str
) -> None:
    fresh = reported(client, ctx, api_key, "E0104")
    dispatcher = users.add("d-1", "dispatcher", "sc-310115005")
    queue = client.get("/api/v1/queues/new", headers=dispatcher)
    assert queue.status_code == 200 and [t["number"] for t in queue.json()["tickets"]] == [fresh]
    outside = client.get("/api/v1/queues/new", params={"unit": "sc-310115007"}, headers=dispatcher)
    assert outside.status_code == 403
    assert client.get("/api/v1/queues/bogus", headers=dispatcher).status_code == 422
    sent = client.post(
        f"/api/v1/tickets/{fresh}/dispatch",
        headers=dispatcher,
        json={"owner_unit": "gw-310115005001001"},
    )
    assert sent.status_code == 200 and sent.json()["status"] == "dispatched"
    again = client.post(
        f"/api/v1/tickets/{fresh}/dispatch",
        headers=dispatcher,
        json={"owner_unit": "gw-310115005001001"},
    )
    assert again.status_code == 409 and "cannot dispatch" in again.json()["detail"]
    void = client.post(f"/api/v1/tickets/{number}/void", headers=dispatcher, json={"reason": ""})
    assert void.status_code == 422
    missing = client.get("/api/v1/tickets/E000", headers=dispatcher)
    assert missing.status_code == 403  # as for a ticket outside their units: no oracle
    district = users.add("d-all", "dispatcher", "all")
    assert client.get("/api/v1/tickets/E000", headers=district).status_code == 404


def test_onsite_self_report_checks_description_and_photo(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    worker = users.add("gw-1", "grid_worker", "gw-310115005001001")
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"category": "E0102", "lon": str(lon), "lat": str(lat), "note": "当场清理"}
    too_long = client.post(
        "/api/v1/onsite", headers=worker, data=form | {"description": "x" * 4001}
    )
    assert too_long.status_code == 422
    not_photo = client.post(
        "/api/v1/onsite",
        headers=worker,
        data=form,
        files=[("photos", ("a.jpg", b"GIF89a....", "image/jpeg"))],
    )
    assert not_photo.status_code == 422 and "JPEG or PNG" in not_photo.json()["detail"]
    assert ctx.store.count() == 0
    done = client.post("/api/v1/onsite", headers=worker, data=form)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "handled" and done.json()["onsite"] is True


def test_admin_manages_users_keys_and_reloads_config(
    client: TestClient, users: Users, api_key: str
) -> None:
    admin = users.add("root", "admin")
    made = client.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"id": "d-2", "role": "dispatcher", "units": ["sc-310115005"]},
    )
    assert made.status_code == 200
    token = made.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"id": "d-2", "role": "dispatcher", "units": ["sc-310115005"]}
    bad_unit = client.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"id": "d-3", "role": "dispatcher", "units": ["nowhere"]},
    )
    assert bad_unit.status_code == 400 and "org chart" in bad_unit.json()["detail"]
    off = client.patch("/api/v1/admin/users/d-2", headers=admin, json={"active": False})
    assert off.json()["user"]["active"] is False
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    keys = client.get("/api/v1/admin/api-keys", headers=admin).json()["api_keys"]
    assert [k["name"] for k in keys] == ["test-client"] and "key" not in keys[0]
    assert client.delete("/api/v1/admin/api-keys/test-client", headers=admin).status_code == 200
    form = {"api_key": api_key, "service_code": "E0102", "lat": "31.23", "long": "121.5"}
    revoked = client.post("/open311/v2/requests.json", data=form)
    assert revoked.status_code == 403 and "api_key is not valid" in revoked.text
    reload = client.post("/api/v1/admin/config/reload", headers=admin)
    assert reload.status_code == 200 and reload.json()["categories"] > 10
    dispatcher = users.add("d-1", "dispatcher", "all")
    assert client.get("/api/v1/admin/users", headers=dispatcher).status_code == 403
