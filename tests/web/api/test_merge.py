"""Merging a duplicate over HTTP (SQLite and PostgreSQL): both tickets in the actor's scope, the
target open and of the same category (or a reason given), never a pair merged both ways; the
target counts the reports — and a refused merge changes neither ticket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis

from gridops.services.context import ServiceContext
from gridops.store.errors import StaleTicket
from gridops.tickets.merging import merge

from ..conftest import (
    BOTH_DATABASES,
    LUJIAZUI_L3,
    NOW,
    TestClient,
    Users,
    context_on,
    wgs84_point_in,
)

OTHER_STREET = "310115004"  # 潍坊新村 / not Lujiazui


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
        ) -> Iterator[ServiceContext]:  # fmt: skip
    yield from context_on(request, tmp_path, redis_server)


def report(client: TestClient, ctx: ServiceContext, api_key: str, l3: str, code: str) -> str:
    """A public report at a point of cell ``l3``; its case number."""
    lat, lon = wgs84_point_in(ctx, l3)
    form = {"api_key": api_key, "service_code": code, "lat": str(lat), "long": str(lon)}
    answer = client.post("/open311/v2/requests.json", data=form)
    assert answer.status_code == 200, answer.text
    return str(answer.json()[0]["service_request_id"])


def other_street_cell(ctx: ServiceContext) -> str:
    return min(c.code for c in ctx.grid.cells_at(3) if c.code.startswith(OTHER_STREET))


def state_of(ctx: ServiceContext, number: str) -> tuple[str, int, int, str | None]:
    t = ctx.store.get_by_number(number)
    return t.status.value, t.version, t.report_count, t.duplicate_of


def test_a_dispatcher_may_not_merge_into_another_units_ticket(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    mine = report(client, ctx, api_key, other_street_cell(ctx), "E0102")
    theirs = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    dispatcher = users.add("d-004", "dispatcher", "sc-310115004")
    before = state_of(ctx, mine), state_of(ctx, theirs)
    refused = client.post(f"/api/v1/tickets/{mine}/merge", headers=dispatcher,
                          json={"duplicate_of": theirs})  # fmt: skip
    assert refused.status_code == 403, refused.text
    assert "sc-310115004" in refused.json()["detail"]
    assert "sc-310115005" not in refused.json()["detail"]  # the target's owner is not told
    # a case number that does not exist gets the same answer (no oracle)
    ghost = "E" + theirs[1:-5] + "99999"
    missing = client.post(f"/api/v1/tickets/{mine}/merge", headers=dispatcher,
                          json={"duplicate_of": ghost})  # fmt: skip
    assert missing.status_code == 403
    assert missing.json()["detail"] == refused.json()["detail"].replace(theirs, ghost)
    assert (state_of(ctx, mine), state_of(ctx, theirs)) == before


def test_no_merge_into_a_void_ticket(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    dispatcher = users.add("d-1", "dispatcher", "sc-310115005")
    dup = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    void = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    voided = client.post(f"/api/v1/tickets/{void}/void", headers=dispatcher,
                         json={"reason": "不属实"})  # fmt: skip
    assert voided.status_code == 200, voided.text
    before = state_of(ctx, dup), state_of(ctx, void)
    refused = client.post(f"/api/v1/tickets/{dup}/merge", headers=dispatcher,
                          json={"duplicate_of": void})  # fmt: skip
    assert refused.status_code == 409, refused.text
    assert f"ticket {void} is void" in refused.json()["detail"]
    assert (state_of(ctx, dup), state_of(ctx, void)) == before


def test_a_pair_is_never_merged_both_ways_and_the_target_counts_the_reports(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    dispatcher = users.add("d-1", "dispatcher", "sc-310115005")
    a = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    b = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    merged = client.post(f"/api/v1/tickets/{a}/merge", headers=dispatcher,
                         json={"duplicate_of": b})  # fmt: skip
    assert merged.status_code == 200, merged.text
    b_id = ctx.store.get_by_number(b).id
    assert state_of(ctx, a)[0::3] == ("duplicate", b_id)
    assert state_of(ctx, b)[0] == "reported" and state_of(ctx, b)[2] == 2
    absorbed = ctx.store.events(b_id)[-1]
    assert (absorbed.type, absorbed.actor) == ("absorb_duplicate", "d-1")

    back = client.post(f"/api/v1/tickets/{b}/merge", headers=dispatcher,
                       json={"duplicate_of": a})  # fmt: skip
    assert back.status_code == 409, back.text
    assert state_of(ctx, b)[0] == "reported"  # still open: one of the pair always is

    # a report that already counted two brings both to its new target
    c = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    again = client.post(f"/api/v1/tickets/{b}/merge", headers=dispatcher,
                        json={"duplicate_of": c})  # fmt: skip
    assert again.status_code == 200, again.text
    assert state_of(ctx, c)[2] == 3


def test_crossing_merges_cannot_both_apply(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    """Two merges decided on the same snapshot, A into B and B into A (two dispatchers at
    once): the second write finds a ticket moved and applies nothing."""
    a_no = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    b_no = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    a, b = ctx.store.get_by_number(a_no), ctx.store.get_by_number(b_no)
    one = merge(a, b, actor="d-1", role="dispatcher", now=NOW)
    other = merge(b, a, actor="d-2", role="dispatcher", now=NOW)
    ctx.store.apply_transitions(list(one))
    with pytest.raises(StaleTicket):
        ctx.store.apply_transitions(list(other))
    assert state_of(ctx, a_no)[0] == "duplicate" and state_of(ctx, b_no)[0:3:2] == ("reported", 2)


def test_another_category_needs_a_reason_which_the_event_keeps(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    dispatcher = users.add("d-1", "dispatcher", "sc-310115005")
    garbage = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    other = report(client, ctx, api_key, LUJIAZUI_L3, "E0104")
    before = state_of(ctx, garbage), state_of(ctx, other)
    refused = client.post(f"/api/v1/tickets/{garbage}/merge", headers=dispatcher,
                          json={"duplicate_of": other})  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert "needs a reason" in refused.json()["detail"] and "E0104" in refused.json()["detail"]
    assert (state_of(ctx, garbage), state_of(ctx, other)) == before
    why = "同一处问题, 上报人选错类别"
    merged = client.post(f"/api/v1/tickets/{garbage}/merge", headers=dispatcher,
                         json={"duplicate_of": other, "reason": why})  # fmt: skip
    assert merged.status_code == 200, merged.text
    event = ctx.store.events(ctx.store.get_by_number(garbage).id)[-1]
    assert event.type == "merge_duplicate" and event.payload["fields"]["reason"] == why
