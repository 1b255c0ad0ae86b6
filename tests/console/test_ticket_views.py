"""The ticket page's deadline and appeal actions: suspend (缓办) / resume / extend (延期) for
dispatchers and supervisors, force close (强制结案) / reopen (申诉重办) for supervisors — each form
shown only when the role and the workflow allow it, each post CSRF-checked and sent through the
JSON API's own route, the deadline showing 已暂停计时(缓办) while suspended."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch
from gridops.tickets.model import Status
from gridops.tickets.vocabulary import Role
from gridops.tickets.workflow import TABLE
from gridops.web.console.i18n import CATALOGUE
from gridops.web.console.ticket_views import ACTIONS, available
from gridops.web.permissions import ROLE_ACTIONS, Principal

from .conftest import NOW, TestClient, Users, sign_in
from .test_views import report, status

CLOCK_FORMS = ('id="act-suspend"', 'id="act-resume"', 'id="act-extend"')
APPEAL_FORMS = ('id="act-force_close"', 'id="act-reopen"')


def routed(client: TestClient, ctx: ServiceContext, users: Users) -> str:
    number = report(client, ctx, users)
    assert route_batch(ctx, 10, now=NOW) == 1
    return number


def sign_in_as(client: TestClient, users: Users, user: str, role: str, *units: str) -> str:
    return sign_in(client, users.add(user, role, *units))


def shown(page: str) -> set[str]:
    return {f for f in CLOCK_FORMS + APPEAL_FORMS if f in page}


def deadline(page: str) -> str:
    cell = page.split('id="countdown"', 1)[1]
    return cell.split(">", 1)[1].split("<", 1)[0]


def test_a_dispatcher_suspends_extends_and_resumes_through_the_forms(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = routed(client, ctx, users)
    csrf = sign_in_as(client, users, "d-1", "dispatcher", "sc-310115005")
    page = client.get(f"/console/tickets/{number}").text
    assert shown(page) == {'id="act-suspend"', 'id="act-extend"'}
    assert deadline(page).startswith("剩余")
    due_before = ctx.store.get_by_number(number).clock.due_at

    pause = {"csrf": csrf, "approval": "审批-001", "reason": "等待施工许可"}
    r = client.post(f"/console/tickets/{number}/do/suspend", data=pause)
    assert r.status_code == 200 and status(ctx, number) == "suspended"
    assert deadline(r.text) == "已暂停计时(缓办)"  # the detail page after the redirect
    assert shown(r.text) == {'id="act-resume"', 'id="act-extend"'}

    more = {"csrf": csrf, "amount": "1", "approval": "审批-002", "reason": "雨天"}
    r = client.post(f"/console/tickets/{number}/do/extend", data=more)
    assert r.status_code == 200 and ctx.store.get_by_number(number).clock.extended == 1

    r = client.post(f"/console/tickets/{number}/do/resume", data={"csrf": csrf, "note": "许可已批"})
    assert r.status_code == 200 and status(ctx, number) == "dispatched"
    assert deadline(r.text).startswith("剩余") and "已暂停计时" not in r.text
    resumed = ctx.store.get_by_number(number)
    assert resumed.clock.due_at is not None and due_before is not None
    assert resumed.clock.due_at > due_before  # the extension counts
    steps = [(e.type, e.actor) for e in ctx.store.events(resumed.id)[-3:]]
    assert steps == [("suspend", "d-1"), ("extend", "d-1"), ("resume", "d-1")]
    limit = resumed.clock.limit
    assert limit is not None  # the amount's unit: the ticket's time-limit clock
    assert f'id="extend-unit">{CATALOGUE["limit." + limit.clock.value][0]}<' in r.text


def test_a_supervisor_force_closes_and_reopens_through_the_forms(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = routed(client, ctx, users)
    csrf = sign_in_as(client, users, "s-1", "supervisor", "sc-310115005")
    page = client.get(f"/console/tickets/{number}?lang=en").text
    assert 'id="act-force_close"' in page and "Force close" in page and "Suspend" in page
    assert 'id="act-reopen"' not in page
    close = {"csrf": csrf, "reason": "重复投诉"}
    ask = client.post(f"/console/tickets/{number}/do/force_close", data=close)
    assert ask.status_code == 200 and 'id="confirm-form"' in ask.text  # 强制结案 confirms first
    assert status(ctx, number) == "dispatched"
    r = client.post(f"/console/tickets/{number}/do/force_close", data=close | {"confirmed": "1"})
    assert r.status_code == 200 and status(ctx, number) == "closed"
    assert shown(r.text) == {'id="act-reopen"'}
    r = client.post(f"/console/tickets/{number}/do/reopen",
                    data={"csrf": csrf, "reason": "市民申诉属实"})  # fmt: skip
    assert r.status_code == 200 and status(ctx, number) == "rework"
    events = ctx.store.events(ctx.store.get_by_number(number).id)
    assert [(e.type, e.actor) for e in events[-2:]] == [("force_close", "s-1"), ("reopen", "s-1")]
    assert "申诉重办" in client.get(f"/console/tickets/{number}?lang=zh").text  # the timeline


@pytest.mark.parametrize(
    ("action", "form"),
    [
        ("suspend", {"approval": "a", "reason": "r"}),
        ("extend", {"amount": "1", "approval": "a"}),
        ("force_close", {"reason": "r"}),
    ],
)
def test_every_form_needs_the_session_csrf_token(
    client: TestClient, ctx: ServiceContext, users: Users, action: str, form: dict[str, str]
) -> None:
    number = routed(client, ctx, users)
    sign_in_as(client, users, "s-1", "supervisor", "all")
    for token in ({}, {"csrf": "forged"}):
        r = client.post(f"/console/tickets/{number}/do/{action}", data=form | token)
        assert r.status_code == 403 and "CSRF" in r.text
    assert status(ctx, number) == "dispatched"


def test_field_staff_see_none_of_the_forms_and_a_post_is_refused_with_the_reason(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = routed(client, ctx, users)
    ticket = ctx.store.get_by_number(number)
    csrf = sign_in_as(client, users, ticket.assignee, "grid_worker", ticket.owner_unit)
    assert shown(client.get(f"/console/tickets/{number}").text) == set()
    r = client.post(f"/console/tickets/{number}/do/suspend",
                    data={"csrf": csrf, "approval": "a", "reason": "r"})  # fmt: skip
    assert r.status_code == 403 and "grid workers may not suspend" in r.text
    assert status(ctx, number) == "dispatched"


def test_bad_input_and_workflow_refusals_come_back_as_pages(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number = routed(client, ctx, users)
    csrf = sign_in_as(client, users, "d-1", "dispatcher", "all")
    r = client.post(f"/console/tickets/{number}/do/extend",
                    data={"csrf": csrf, "amount": "soon", "approval": "a"})  # fmt: skip
    assert r.status_code == 400 and "amount" in r.text
    r = client.post(f"/console/tickets/{number}/do/suspend", data={"csrf": csrf, "reason": "r"})
    assert r.status_code == 400 and "approval" in r.text
    r = client.post(f"/console/tickets/{number}/do/resume", data={"csrf": csrf})
    assert r.status_code == 409 and status(ctx, number) == "dispatched"


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "acceptor", "grid_worker"])
def test_forms_follow_the_permission_table_and_the_workflow_in_every_status(
    client: TestClient, ctx: ServiceContext, users: Users, role: str
) -> None:
    number = routed(client, ctx, users)
    ticket = ctx.store.get_by_number(number)
    me = Principal("u-1", Role(role), "all")
    state = client.app.state.web  # type: ignore[attr-defined]
    new = {"suspend", "resume", "extend", "force_close", "reopen"}
    for s in Status:
        offered = new & set(available(state, me, replace(ticket, status=s)))
        allowed = {
            a for a in new
            if s in TABLE[ACTIONS[a].move].sources and me.role in TABLE[ACTIONS[a].move].roles
            and ACTIONS[a].permission in ROLE_ACTIONS[me.role]
        }  # fmt: skip
        assert offered == allowed, s
    if role in ("dispatcher", "supervisor"):
        assert "suspend" in available(state, me, ticket)


def test_the_assignee_is_named_from_the_roster(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    """A roster person without an account of their own (张伟, zhang-wei, in the shipped roster)
    is shown by name beside the id, as the timeline shows them, not by the id alone."""
    from gridops.services.actions import act

    number = report(client, ctx, users)
    route_batch(ctx, 10, now=NOW)
    t = ctx.store.get_by_number(number)
    act(ctx, t.id, "reassign", actor="d", role="dispatcher", now=NOW,
        owner_unit="gw-310115005001001", assignee="zhang-wei")  # fmt: skip
    sign_in(client, users.add("d-names", "dispatcher", "all"))
    page = client.get(f"/console/tickets/{number}").text
    shown = page[page.index('<dd id="assignee">') :]
    assert shown.startswith('<dd id="assignee"><span translate="no">张伟</span> <code>zhang-wei')
