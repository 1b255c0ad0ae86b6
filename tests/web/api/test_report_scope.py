"""``/api/v1/reports/summary`` counts the tickets the reader may read (SQLite and PostgreSQL):
their units, those below and their territory; all of them for readers of all units and admins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis

from gridops.services.context import ServiceContext

from ..conftest import BOTH_DATABASES, LUJIAZUI_L3, TestClient, Users, context_on
from .test_merge import other_street_cell, report


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
        ) -> Iterator[ServiceContext]:  # fmt: skip
    yield from context_on(request, tmp_path, redis_server)


def test_the_summary_counts_the_readers_scope_only(
    client: TestClient, ctx: ServiceContext, users: Users, api_key: str
) -> None:
    for l3 in (LUJIAZUI_L3, LUJIAZUI_L3, other_street_cell(ctx)):
        report(client, ctx, api_key, l3, "E0102")
    expected = {
        users.add("d-004", "dispatcher", "sc-310115004")["Authorization"]: 1,
        users.add("s-005", "supervisor", "sc-310115005")["Authorization"]: 2,
        users.add("s-all", "supervisor", "all")["Authorization"]: 3,
        users.add("root", "admin")["Authorization"]: 3,
    }
    for header, n in expected.items():
        answer = client.get("/api/v1/reports/summary", headers={"Authorization": header})
        assert answer.status_code == 200, answer.text
        assert answer.json()["by_status"] == {"reported": n} and answer.json()["open"] == n
