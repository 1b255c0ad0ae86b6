"""One ticket through the whole workflow over the JSON API, with three users of three roles:
Open311 intake → routing (the stage, in-process) → accept → done with a photo → check → close
→ call-back evaluation. Every event names the user who acted."""

from __future__ import annotations

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from ..conftest import LUJIAZUI_L3, NOW, TestClient, Users, photo, wgs84_point_in


def test_one_ticket_from_intake_to_evaluation(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {
        "api_key": api_key,
        "service_code": "E0102",
        "lat": str(lat),
        "long": str(lon),
        "description": "垃圾",
        "phone": "13812345678",
    }
    number = client.post("/open311/v2/requests.json", data=form).json()[0]["service_request_id"]
    assert route_batch(ctx, 10, now=NOW) == 1
    routed = ctx.store.get_by_number(number)
    assert routed.status.value == "dispatched" and routed.owner_unit

    dispatcher = users.add("d-1", "dispatcher", "all")
    worker = routed.assignee  # the roster's grid worker on shift
    field = users.add(worker, "grid_worker", routed.owner_unit)
    supervisor = users.add("s-1", "supervisor", "sc-310115005")

    detail = client.get(f"/api/v1/tickets/{number}", headers=dispatcher).json()
    assert detail["routing"]["reasons"] and detail["ticket"]["reporter"]["phone"] == "13812345678"
    assert [e["type"] for e in detail["timeline"]] == ["report", "dispatch"]

    tasks = client.get("/api/v1/my/tasks", headers=field).json()["tickets"]
    assert number in [t["number"] for t in tasks]
    assert tasks[0]["reporter"]["phone"] == "138****5678"  # masked for field staff

    accepted = client.post(f"/api/v1/tickets/{number}/accept", headers=field)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["assignee"] == worker
    done = client.post(
        f"/api/v1/tickets/{number}/done",
        headers=field,
        data={"note": "已清运"},
        files=[("photos", ("p.jpg", photo(), "image/jpeg"))],
    )
    assert done.status_code == 200, done.text
    [evidence] = done.json()["evidence"]
    served = client.get(f"/media/{evidence}", headers=supervisor)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert b"PhoneMaker" not in served.content and b"PhoneMaker" in photo()
    assert client.get(f"/media/{evidence}").status_code == 401

    checked = client.post(
        f"/api/v1/tickets/{number}/check",
        headers=supervisor,
        json={"passed": True, "note": "现场核查通过"},
    )
    assert checked.status_code == 200 and checked.json()["status"] == "closed"
    rated = client.post(
        f"/api/v1/tickets/{number}/callback", headers=supervisor, json={"satisfaction": 5}
    )
    assert rated.status_code == 200 and rated.json()["status"] == "evaluated"

    events = ctx.store.events(routed.id)
    actors = {e.type: e.actor for e in events}
    assert actors["report"] == "apikey:test-client"
    assert actors["accept"] == actors["handle"] == worker
    assert actors["check_pass"] == actors["evaluate"] == "s-1"
    assert ctx.store.verify_chains() == []
    public = client.get(f"/open311/v2/requests/{number}.json").json()[0]
    assert public["status"] == "closed" and "5" in public["status_notes"]
