"""People and places (SQLite and PostgreSQL): an assignee must be a person of the ticket's unit —
on its roster or an active field user of it — and an on-site self-report must lie in the
reporter's own units' area; a refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis

from gridops.services.context import ServiceContext

from ..conftest import BOTH_DATABASES, LUJIAZUI_L3, TestClient, Users, context_on, wgs84_point_in
from .test_merge import other_street_cell, report, state_of

UNIT = "gw-310115005001001"  # the grid-worker post of LUJIAZUI_L3 (zhang-wei is on its roster)


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
        ) -> Iterator[ServiceContext]:  # fmt: skip
    yield from context_on(request, tmp_path, redis_server)


def dispatch(client: TestClient, headers: dict[str, str], number: str, assignee: str):
    return client.post(f"/api/v1/tickets/{number}/dispatch", headers=headers,
                       json={"owner_unit": UNIT, "assignee": assignee})  # fmt: skip


def test_an_assignee_is_a_person_of_the_tickets_unit(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    dispatcher = users.add("d-1", "dispatcher", "sc-310115005")
    users.add("gw-user", "grid_worker", UNIT)
    users.add("gw-elsewhere", "grid_worker", "gw-310115005001002")
    number = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
    before = state_of(ctx, number)
    for nobody, why in (
        ("ghost-99", "not a person of unit"),  # no such person at all
        ("gw-310115005001002-1", "not a person of unit"),  # another post's roster
        ("gw-elsewhere", "not a person of unit"),  # a field user of another unit
        ("d-1", "not a person of unit"),  # a user, but no field role
    ):
        refused = dispatch(client, dispatcher, number, nobody)
        assert refused.status_code == 400 and why in refused.json()["detail"], (
            nobody,
            refused.text,
        )
        assert repr(nobody) in refused.json()["detail"]
        assert state_of(ctx, number) == before
    for person in ("zhang-wei", f"{UNIT}-1", "gw-user"):  # named, template, user account
        fresh = report(client, ctx, api_key, LUJIAZUI_L3, "E0102")
        sent = dispatch(client, dispatcher, fresh, person)
        assert sent.status_code == 200, sent.text
        assert sent.json()["assignee"] == person
    moved = client.post(f"/api/v1/tickets/{fresh}/reassign", headers=dispatcher,
                        json={"owner_unit": UNIT, "assignee": "ghost-99"})  # fmt: skip
    assert moved.status_code == 400 and state_of(ctx, fresh)[0:2] == ("dispatched", 2)
    same = client.post(f"/api/v1/tickets/{fresh}/reassign", headers=dispatcher,
                       json={"owner_unit": UNIT, "assignee": "gw-user"})  # fmt: skip
    assert same.status_code == 400 and "already holds" in same.json()["detail"]  # a no-op
    assert state_of(ctx, fresh)[0:2] == ("dispatched", 2)
    pooled = client.post(f"/api/v1/tickets/{fresh}/reassign", headers=dispatcher,
                         json={"owner_unit": UNIT})  # fmt: skip
    assert pooled.status_code == 200 and not pooled.json()["assignee"]  # back to the unit
    assert dispatch(client, dispatcher, number, "").status_code == 200  # the unit's queue


def test_an_onsite_self_report_lies_in_the_reporters_area(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    here_lat, here_lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    away_lat, away_lon = wgs84_point_in(ctx, other_street_cell(ctx))
    note = {"category": "E0102", "note": "当场清理"}
    worker = users.add("gw-1", "grid_worker", UNIT)
    away = client.post("/api/v1/onsite", headers=worker,
                       data=note | {"lat": str(away_lat), "lon": str(away_lon)})  # fmt: skip
    assert away.status_code == 403, away.text
    assert UNIT in away.json()["detail"] and "outside" in away.json()["detail"]
    assert ctx.store.count() == 0  # nothing written
    here = client.post("/api/v1/onsite", headers=worker,
                       data=note | {"lat": str(here_lat), "lon": str(here_lon)})  # fmt: skip
    assert here.status_code == 200, here.text
    squad = users.add("le-1", "field_staff", "dept-law-enforcement@310115005")
    street = client.post("/api/v1/onsite", headers=squad,
                         data=note | {"lat": str(here_lat), "lon": str(here_lon)})  # fmt: skip
    assert street.status_code == 200, street.text  # a branch's area: its street
    assert client.post("/api/v1/onsite", headers=squad,
                       data=note | {"lat": str(away_lat), "lon": str(away_lon)}
                       ).status_code == 403  # fmt: skip
    roving = users.add("i-all", "inspector", "all")
    anywhere = client.post("/api/v1/onsite", headers=roving,
                           data=note | {"lat": str(away_lat), "lon": str(away_lon)})  # fmt: skip
    assert anywhere.status_code == 200, anywhere.text
    assert ctx.store.count() == 3
