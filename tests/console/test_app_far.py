"""A far move's reason (到场核验 超出范围的说明): a done sent from beyond the category's radius
carries the worker's reason, which the dispatcher's ticket page and the check step show; a near
move keeps none; a reason too long is refused before anything moves."""

from __future__ import annotations

from gridops.services.context import ServiceContext
from gridops.store.field_moves import FieldMoves

from .conftest import TestClient, Users
from .test_app import move, shade
from .test_views import routed_worker

WHY = "现场无法靠近（封闭、施工）；围挡施工中"


def test_a_far_done_keeps_the_workers_reason_for_the_dispatcher_and_the_check(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number, csrf = routed_worker(client, ctx, users)
    assert move(client, csrf, number, "accept").status_code == 200
    ticket = ctx.store.get_by_number(number)
    files = [("before", ("b.jpg", shade((200, 40, 40)), "image/jpeg")),
             ("after", ("a.jpg", shade((40, 40, 200)), "image/jpeg"))]  # fmt: skip
    r = move(client, csrf, number, "done", files=files, note="已清理",
             lon=str(ticket.lon + 0.01), lat=str(ticket.lat), far_reason=WHY)  # fmt: skip
    assert r.status_code == 200 and r.json()["far"] is True, r.text
    [done] = [m for m in FieldMoves(ctx.store.engine).of_ticket(number) if m.action == "done"]
    assert done.presence is not None and done.presence.reason == WHY
    page = client.get(f"/console/tickets/{number}").text
    assert 'class="far-reason"' in page and WHY in page and "说明：" in page
    assert "reason: " in client.get(f"/console/tickets/{number}?lang=en").text
    [card] = client.get("/console/app/tasks").json()["tabs"]["check"]
    assert card["far_why"] == [WHY] and card["far_m"][0] > 500


def test_a_near_move_keeps_no_reason_and_a_long_one_is_refused_unmoved(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    number, csrf = routed_worker(client, ctx, users)
    move(client, csrf, number, "accept")
    ticket = ctx.store.get_by_number(number)
    long = move(client, csrf, number, "done", note="已清理", lon=str(ticket.lon),
                lat=str(ticket.lat), far_reason="远" * 501, lang="en")  # fmt: skip
    assert long.status_code == 400 and "far_reason" in long.json()["message"]
    assert ctx.store.get_by_number(number).status.value == "accepted"
    files = [("before", ("b.jpg", shade((200, 40, 40)), "image/jpeg")),
             ("after", ("a.jpg", shade((40, 40, 200)), "image/jpeg"))]  # fmt: skip
    near = move(client, csrf, number, "done", files=files, note="已清理", lon=str(ticket.lon),
                lat=str(ticket.lat), far_reason="多余的说明")  # fmt: skip
    assert near.status_code == 200 and near.json()["far"] is False
    [done] = [m for m in FieldMoves(ctx.store.engine).of_ticket(number) if m.action == "done"]
    assert done.presence is not None and done.presence.reason == ""
    assert 'class="far-reason"' not in client.get(f"/console/tickets/{number}").text
