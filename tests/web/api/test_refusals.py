"""401 or 403, and no oracle (SQLite and PostgreSQL): a missing or bad credential is a 401, a
valid one refused is a 403; whoever may not see a ticket gets the same answer whether it exists
or not — by case number or by id, reading or acting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from ..conftest import BOTH_DATABASES, NOW, TestClient, Users, context_on
from .test_roles import reported


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
        ) -> Iterator[ServiceContext]:  # fmt: skip
    yield from context_on(request, tmp_path, redis_server)


@pytest.fixture
def number(client: TestClient, ctx: ServiceContext, api_key: str) -> str:
    made = reported(client, ctx, api_key)
    assert route_batch(ctx, 10, now=NOW) == 1
    return str(made)


def test_no_credential_or_a_bad_one_is_401_a_refused_one_403(
    client: TestClient, users: Users, number: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer gut_nope"}, {"Authorization": "Basic x"}):
        answer = client.get(f"/api/v1/tickets/{number}", headers=headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert client.get("/api/v1/my/tasks", headers=headers).status_code == 401
    admin = users.add("root", "admin")
    refused = client.get(f"/api/v1/tickets/{number}", headers=admin)
    assert refused.status_code == 403 and "admins may not read ticket" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("role", "units"),
    [("dispatcher", "sc-310115004"), ("field_staff", "dept-law-enforcement@310115004"),
     ("supervisor", "sc-310115004"), ("inspector", "sc-310115005")],
)  # fmt: skip
def test_an_unseen_ticket_answers_as_a_missing_one(
    client: TestClient, ctx: ServiceContext, users: Users, number: str, role: str, units: str
) -> None:
    headers = users.add("u-1", role, units)
    real = ctx.store.get_by_number(number)
    ghost_number = number[:-5] + ("00000" if not number.endswith("00000") else "99999")
    ghost_id = "f" * 32 if real.id != "f" * 32 else "e" * 32
    for seen, unseen in ((number, ghost_number), (real.id, ghost_id)):
        a = client.get(f"/api/v1/tickets/{seen}", headers=headers)
        b = client.get(f"/api/v1/tickets/{unseen}", headers=headers)
        assert a.status_code == b.status_code == 403, (a.text, b.text)
        assert a.json()["detail"].replace(seen, "T") == b.json()["detail"].replace(unseen, "T")
        assert real.owner_unit not in a.json()["detail"]
        if seen == real.id:
            assert number not in a.json()["detail"]  # asked by id, the number stays unknown
    if role == "dispatcher":
        for ref in (number, ghost_number):
            void = client.post(f"/api/v1/tickets/{ref}/void", headers=headers,
                               json={"reason": "x"})  # fmt: skip
            assert void.status_code == 403 and "or does not exist" in void.json()["detail"]


def test_a_reader_of_every_ticket_is_told_a_ticket_does_not_exist(
    client: TestClient, users: Users, number: str
) -> None:
    district = users.add("d-all", "dispatcher", "all")
    assert client.get(f"/api/v1/tickets/{number}", headers=district).status_code == 200
    assert client.get(f"/api/v1/tickets/{number[:-5]}00000", headers=district).status_code == 404
