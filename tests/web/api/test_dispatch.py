"""The deadline-clock routes of gridops/web/api/dispatch.py over HTTP: suspend (缓办) pauses the
clock, resume runs it on, extend (延期) adds time — dispatchers and supervisors only (403 with the
reason otherwise), 409 when the workflow refuses, and every event names the user who acted."""

from __future__ import annotations

import pytest

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from ..conftest import NOW, TestClient, Users
from .test_roles import reported

PAUSE = {"approval": "审批-2026-001", "reason": "等待施工许可"}


@pytest.fixture
def number(client: TestClient, ctx: ServiceContext, api_key: str) -> str:
    made = reported(client, ctx, api_key)
    assert route_batch(ctx, 10, now=NOW) == 1
    return str(made)


def last_event(ctx: ServiceContext, number: str):
    return ctx.store.events(ctx.store.get_by_number(number).id)[-1]


def test_a_dispatcher_suspends_and_resumes_and_the_events_name_them(
    client: TestClient, ctx: ServiceContext, users: Users, number: str
) -> None:
    dispatcher = users.add("d-1", "dispatcher", "sc-310115005")
    paused = client.post(f"/api/v1/tickets/{number}/suspend", headers=dispatcher, json=PAUSE)
    assert paused.status_code == 200, paused.text
    body = paused.json()
    assert body["status"] == "suspended" and body["clock"]["paused_at"]
    assert body["last_reason"] == PAUSE["reason"] and body["clock"]["remaining_s"] > 0
    event = last_event(ctx, number)
    assert (event.type, event.actor, event.role) == ("suspend", "d-1", "dispatcher")
    assert event.payload["fields"]["approval"] == PAUSE["approval"]

    resumed = client.post(
        f"/api/v1/tickets/{number}/resume", headers=dispatcher, json={"note": "许可已批"}
    )
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "dispatched" and resumed.json()["clock"]["paused_at"] is None
    assert (last_event(ctx, number).type, last_event(ctx, number).actor) == ("resume", "d-1")


def test_resume_takes_no_body_and_a_supervisor_may_too(
    client: TestClient, users: Users, number: str
) -> None:
    supervisor = users.add("s-1", "supervisor", "all")
    client.post(f"/api/v1/tickets/{number}/suspend", headers=supervisor, json=PAUSE)
    resumed = client.post(f"/api/v1/tickets/{number}/resume", headers=supervisor)
    assert resumed.status_code == 200 and resumed.json()["status"] == "dispatched"


def test_extend_adds_time_running_or_paused(
    client: TestClient, ctx: ServiceContext, users: Users, number: str
) -> None:
    supervisor = users.add("s-1", "supervisor", "sc-310115005")
    before = ctx.store.get_by_number(number).clock
    longer = client.post(
        f"/api/v1/tickets/{number}/extend",
        headers=supervisor,
        json={"amount": 2, "approval": "审批-7", "reason": "雨天"},
    )
    assert longer.status_code == 200, longer.text
    after = ctx.store.get_by_number(number).clock
    assert after.due_at is not None and before.due_at is not None
    assert after.due_at > before.due_at and after.extended == 2
    event = last_event(ctx, number)
    assert (event.type, event.actor, event.role) == ("extend", "s-1", "supervisor")

    client.post(f"/api/v1/tickets/{number}/suspend", headers=supervisor, json=PAUSE)
    left = ctx.store.get_by_number(number).clock.remaining_s or 0.0
    again = client.post(
        f"/api/v1/tickets/{number}/extend", headers=supervisor, json={"amount": 1, "approval": "7"}
    )
    assert again.status_code == 200 and again.json()["status"] == "suspended"
    assert (ctx.store.get_by_number(number).clock.remaining_s or 0.0) > left


@pytest.mark.parametrize(
    ("route", "body"),
    [("suspend", PAUSE), ("resume", {}), ("extend", {"amount": 1, "approval": "a"})],
)
@pytest.mark.parametrize(
    ("role", "reason"),
    [
        ("grid_worker", "grid workers may not"),
        ("acceptor", "acceptors may not"),
        ("inspector", "inspectors may not"),
    ],
)
def test_other_roles_are_refused_with_the_reason(
    client: TestClient, users: Users, number: str, route: str, body: dict, role: str, reason: str
) -> None:
    user = users.add("u-9", role, "sc-310115005")
    refused = client.post(f"/api/v1/tickets/{number}/{route}", headers=user, json=body)
    assert refused.status_code == 403
    assert (
        reason in refused.json()["detail"]
        and "dispatchers and supervisors may" in (refused.json()["detail"])
    )


def test_a_dispatcher_outside_the_ticket_units_is_refused(
    client: TestClient, users: Users, number: str
) -> None:
    other = users.add("d-9", "dispatcher", "sc-310115004")
    refused = client.post(f"/api/v1/tickets/{number}/suspend", headers=other, json=PAUSE)
    assert refused.status_code == 403 and "sc-310115004" in refused.json()["detail"]


def test_workflow_refusals_are_409_and_change_nothing(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str, number: str
) -> None:
    dispatcher = users.add("d-1", "dispatcher", "all")
    not_paused = client.post(f"/api/v1/tickets/{number}/resume", headers=dispatcher)
    assert not_paused.status_code == 409 and "resume" in not_paused.json()["detail"]
    fresh = reported(client, ctx, api_key, "E0104")  # reported, not yet dispatched
    for route, body in (("suspend", PAUSE), ("extend", {"amount": 1, "approval": "a"})):
        refused = client.post(f"/api/v1/tickets/{fresh}/{route}", headers=dispatcher, json=body)
        assert refused.status_code == 409, refused.text
    client.post(f"/api/v1/tickets/{number}/suspend", headers=dispatcher, json=PAUSE)
    twice = client.post(f"/api/v1/tickets/{number}/suspend", headers=dispatcher, json=PAUSE)
    assert twice.status_code == 409
    assert [e.type for e in ctx.store.events(ctx.store.get_by_number(number).id)][-1] == "suspend"


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("suspend", {"approval": "", "reason": "x"}, "approval"),
        ("suspend", {"approval": "a"}, "reason"),
        ("extend", {"amount": 0, "approval": "a"}, "amount"),
        ("extend", {"amount": 1}, "approval"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(
    client: TestClient, users: Users, number: str, route: str, body: dict, field: str
) -> None:
    dispatcher = users.add("d-1", "dispatcher", "all")
    bad = client.post(f"/api/v1/tickets/{number}/{route}", headers=dispatcher, json=body)
    assert bad.status_code == 422 and field in bad.text
