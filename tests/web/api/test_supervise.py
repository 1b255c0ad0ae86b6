"""Force close (强制结案) and reopen on appeal (申诉重办) over HTTP: supervisors only (403 with the
reason otherwise), 409 when the workflow refuses, the reopened ticket back in rework with a fresh
deadline, and every event naming the supervisor."""

from __future__ import annotations

import pytest

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from ..conftest import NOW, TestClient, Users
from .test_roles import reported


@pytest.fixture
def number(client: TestClient, ctx: ServiceContext, api_key: str) -> str:
    made = reported(client, ctx, api_key)
    assert route_batch(ctx, 10, now=NOW) == 1
    return str(made)


def events(ctx: ServiceContext, number: str) -> list:
    return ctx.store.events(ctx.store.get_by_number(number).id)


def test_a_supervisor_force_closes_then_reopens_on_appeal(
    client: TestClient, ctx: ServiceContext, users: Users, number: str
) -> None:
    supervisor = users.add("s-1", "supervisor", "sc-310115005")
    closed = client.post(
        f"/api/v1/tickets/{number}/force-close", headers=supervisor, json={"reason": "重复投诉"}
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["clock"]["stopped_at"]
    reopened = client.post(
        f"/api/v1/tickets/{number}/reopen", headers=supervisor, json={"reason": "市民申诉属实"}
    )
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["status"] == "rework" and body["closed_at"] is None
    assert body["last_reason"] == "市民申诉属实"
    clock = ctx.store.get_by_number(number).clock  # the clock runs again, from now
    assert clock.stopped_at is None and clock.due_at is not None and clock.due_at > NOW
    steps = [(e.type, e.actor, e.role) for e in events(ctx, number)[-2:]]
    assert steps == [("force_close", "s-1", "supervisor"), ("reopen", "s-1", "supervisor")]


@pytest.mark.parametrize("route", ["force-close", "reopen"])
@pytest.mark.parametrize(
    ("role", "refusal"),
    [
        ("dispatcher", "dispatchers may not"),
        ("grid_worker", "grid workers may not"),
        ("acceptor", "acceptors may not"),
    ],
)
def test_only_supervisors_may(
    client: TestClient, users: Users, number: str, route: str, role: str, refusal: str
) -> None:
    user = users.add("u-9", role, "sc-310115005")
    refused = client.post(f"/api/v1/tickets/{number}/{route}", headers=user, json={"reason": "x"})
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert refusal in detail and detail.endswith("supervisors may")


def test_a_supervisor_outside_the_ticket_units_is_refused(
    client: TestClient, users: Users, number: str
) -> None:
    other = users.add("s-9", "supervisor", "sc-310115004")
    refused = client.post(f"/api/v1/tickets/{number}/force-close", headers=other,
                          json={"reason": "x"})  # fmt: skip
    assert refused.status_code == 403 and "sc-310115004" in refused.json()["detail"]


def test_workflow_refusals_are_409(
    client: TestClient, ctx: ServiceContext, users: Users, number: str
) -> None:
    supervisor = users.add("s-1", "supervisor", "all")
    open_one = client.post(f"/api/v1/tickets/{number}/reopen", headers=supervisor,
                           json={"reason": "x"})  # fmt: skip
    assert open_one.status_code == 409 and "reopen" in open_one.json()["detail"]
    client.post(f"/api/v1/tickets/{number}/force-close", headers=supervisor, json={"reason": "x"})
    twice = client.post(f"/api/v1/tickets/{number}/force-close", headers=supervisor,
                        json={"reason": "x"})  # fmt: skip
    assert twice.status_code == 409
    assert events(ctx, number)[-1].type == "force_close"


@pytest.mark.parametrize("route", ["force-close", "reopen"])
def test_a_reason_is_required(client: TestClient, users: Users, number: str, route: str) -> None:
    supervisor = users.add("s-1", "supervisor", "all")
    for body in ({}, {"reason": ""}):
        bad = client.post(f"/api/v1/tickets/{number}/{route}", headers=supervisor, json=body)
        assert bad.status_code == 422 and "reason" in bad.text


@pytest.mark.parametrize(
    ("units", "sees"), [(("sc-310115005",), True), (("ws-310115007001",), False)]
)
def test_an_inspector_checks_the_handled_work_of_their_area(
    client: TestClient, ctx: ServiceContext, users: Users, number: str, units: tuple, sees: bool
) -> None:
    """核查 is the inspector's as much as 核实: the handled tickets of the units under theirs are
    their check tasks (not only what they reported themselves), and they may pass them."""
    from gridops.services.actions import act

    t = ctx.store.get_by_number(number)
    for action, fields in (("accept", {}), ("handle", {"note": "已清理"})):
        act(ctx, t.id, action, actor=t.assignee, role="grid_worker", now=NOW, **fields)
    inspector = users.add("i-1", "inspector", *units)
    listed = client.get("/api/v1/my/checks", headers=inspector)
    assert listed.status_code == 200, listed.text
    assert [x["number"] for x in listed.json()["tickets"]] == ([number] if sees else [])
    passed = client.post(f"/api/v1/tickets/{number}/check", headers=inspector,
                         json={"passed": True})  # fmt: skip
    assert passed.status_code == (200 if sees else 403), passed.text
    assert ctx.store.get_by_number(number).status.value == ("closed" if sees else "handled")


def test_my_checks_is_refused_to_roles_that_check_nothing(client: TestClient, users: Users) -> None:
    r = client.get("/api/v1/my/checks", headers=users.add("d-1", "dispatcher", "all"))
    assert r.status_code == 403 and "may not check" in r.json()["detail"]


def test_the_audit_sample_is_drawn_from_the_readers_closed_tickets_by_seed(
    client: TestClient, ctx: ServiceContext, users: Users, number: str
) -> None:
    here = users.add("s-here", "supervisor", "sc-310115005")
    client.post(f"/api/v1/tickets/{number}/force-close", headers=here, json={"reason": "x"})
    elsewhere = users.add("s-there", "supervisor", "sc-310115004")
    drawn = [client.get("/api/v1/audit-sample?seed=7", headers=here).json() for _ in (1, 2)]
    assert drawn[0] == drawn[1] and [t["number"] for t in drawn[0]["tickets"]] == [number]
    other = client.get("/api/v1/audit-sample?seed=7", headers=elsewhere)
    assert other.status_code == 200 and other.json()["tickets"] == []
