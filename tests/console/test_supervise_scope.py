"""The supervisor's weekly trend and its CSV count only the tickets the reader may read
(SQLite and PostgreSQL): a unit's supervisor no longer gets the district's totals."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from redis import Redis
from web.conftest import BOTH_DATABASES, context_on

from gridops.services.context import ServiceContext

from .conftest import LUJIAZUI_L3, TestClient, Users, sign_in
from .test_views import report

OTHER_STREET = "310115004"


@pytest.fixture(params=BOTH_DATABASES)
def ctx(request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
        ) -> Iterator[ServiceContext]:  # fmt: skip
    yield from context_on(request, tmp_path, redis_server)


def trend_n(client: TestClient) -> dict[str, int]:
    """Week → n of the trend table, from its CSV export."""
    r = client.get("/console/supervise/export.csv?table=trend&view=1&period=2026-11&lang=en")
    assert r.status_code == 200, r.text
    rows = csv.DictReader(io.StringIO(r.content.decode("utf-8").lstrip("\ufeff")))
    return {row["Code"]: int(row["n"]) for row in rows}


def test_the_trend_counts_the_readers_units_only(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    other = min(c.code for c in ctx.grid.cells_at(3) if c.code.startswith(OTHER_STREET))
    for l3 in (LUJIAZUI_L3, LUJIAZUI_L3, other):
        report(client, ctx, users, l3)
    sign_in(client, users.add("s-004", "supervisor", "sc-310115004"))
    week = max(trend_n(client))  # this week (the fixed clock's)
    assert trend_n(client)[week] == 1
    page = client.get("/console/supervise")
    assert page.status_code == 200
    client.cookies.clear()
    sign_in(client, users.add("s-all", "supervisor", "all"))
    assert trend_n(client)[week] == 3


def test_by_person_counts_the_readers_people_only(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    from gridops.services.routing import route_batch

    from .conftest import NOW

    other = min(c.code for c in ctx.grid.cells_at(3) if c.code.startswith(OTHER_STREET))
    made = [report(client, ctx, users, l3) for l3 in (LUJIAZUI_L3, other)]
    route_batch(ctx, 10, now=NOW)
    mine = ctx.store.get_by_number(made[1]).assignee
    assert mine and ctx.store.get_by_number(made[0]).assignee not in ("", mine)
    sign_in(client, users.add("s-004", "supervisor", "sc-310115004"))
    page = client.get("/console/supervise?view=person&period=2026-11").text
    assert re.findall(r'<tr data-key="([^"]+)"', page[: page.index('id="league"')]) == [mine]
