"""GET /api/v1/admin/audit-log: admins and district supervisors read the account log, newest
first and paged; every change made through the admin API names the admin; no token or key ever
appears; a supervisor who reads it still cannot change users or keys."""

from __future__ import annotations

from ..conftest import TestClient, Users


def test_admin_changes_are_logged_with_the_admin_as_actor(client: TestClient, users: Users) -> None:
    admin = users.add("root", "admin")
    made = client.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"id": "d-2", "role": "dispatcher", "units": ["sc-310115005"]},
    )
    token = made.json()["token"]
    client.patch("/api/v1/admin/users/d-2", headers=admin, json={"units": ["all"]})
    rotated = client.post("/api/v1/admin/users/d-2/token", headers=admin).json()["token"]
    key = client.post("/api/v1/admin/api-keys", headers=admin, json={"name": "city-app"}).json()
    assert client.delete("/api/v1/admin/api-keys/city-app", headers=admin).status_code == 200
    refused = client.post(
        "/api/v1/admin/users", headers=admin, json={"id": "d-2", "role": "dispatcher"}
    )
    assert refused.status_code == 400  # a failed change is not logged

    got = client.get("/api/v1/admin/audit-log", headers=admin)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["total"] == 6
    assert [(e["seq"], e["action"], e["subject"], e["actor"]) for e in body["events"]] == [
        (6, "apikey.revoke", "city-app", "root"),
        (5, "apikey.add", "city-app", "root"),
        (4, "user.token", "d-2", "root"),
        (3, "user.update", "d-2", "root"),
        (2, "user.add", "d-2", "root"),
        (1, "user.add", "root", "unattributed"),  # made by the test fixture, not over HTTP
    ]
    assert body["events"][3]["payload"]["before"] == {"units": ["sc-310115005"]}
    for secret in (token, rotated, key["key"]):
        assert secret not in got.text
    assert body["events"][0]["prev_hash"] == body["events"][1]["hash"]


def test_paging_and_filters(client: TestClient, users: Users) -> None:
    admin = users.add("root", "admin")
    for i in range(3):
        users.add(f"d-{i}", "dispatcher", "all")
    page = client.get("/api/v1/admin/audit-log?limit=2&offset=1", headers=admin).json()
    assert page["total"] == 4 and [e["subject"] for e in page["events"]] == ["d-1", "d-0"]
    one = client.get("/api/v1/admin/audit-log?subject=d-2", headers=admin).json()
    assert one["total"] == 1 and one["events"][0]["payload"]["units"] == "all"
    assert client.get("/api/v1/admin/audit-log?limit=0", headers=admin).status_code == 422


def test_district_supervisors_read_the_log_but_change_nothing(
    client: TestClient, users: Users
) -> None:
    admin = users.add("root", "admin")
    sup = users.add("s-district", "supervisor", "all")
    got = client.get("/api/v1/admin/audit-log?actor=unattributed", headers=sup)
    assert got.status_code == 200, got.text
    assert [e["subject"] for e in got.json()["events"]] == ["s-district", "root"]
    refused = [
        client.post("/api/v1/admin/users", headers=sup, json={"id": "x", "role": "dispatcher"}),
        client.post("/api/v1/admin/api-keys", headers=sup, json={"name": "city-app"}),
        client.get("/api/v1/admin/users", headers=sup),
        client.post("/api/v1/admin/users/root/token", headers=sup),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert refused[0].json()["detail"] == "supervisors may not manage users; admins may"
    assert refused[1].json()["detail"] == "supervisors may not manage API keys; admins may"
    after = client.get("/api/v1/admin/audit-log", headers=admin).json()
    assert after["total"] == 2  # nothing was changed or logged by the refused requests


def test_others_may_not_read_the_log_and_are_told_why(client: TestClient, users: Users) -> None:
    unit_sup = users.add("s-unit", "supervisor", "sc-310115005")
    refused = client.get("/api/v1/admin/audit-log", headers=unit_sup)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "supervisors may read account log only with unit scope 'all' (district level), as it "
        "covers every unit; your units: sc-310115005; supervisors of all units and admins may"
    )
    for role, units in (
        ("dispatcher", "all"),
        ("field_staff", "sc-310115005"),
        ("acceptor", "all"),
        ("inspector", "sc-310115005"),
    ):
        headers = users.add(f"x-{role}", role, units)
        refused = client.get("/api/v1/admin/audit-log", headers=headers)
        assert refused.status_code == 403, (role, refused.text)
        assert refused.json()["detail"].endswith(
            "may not read account log; supervisors of all units and admins may"
        )
    assert client.get("/api/v1/admin/audit-log").status_code == 401
