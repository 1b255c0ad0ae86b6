"""Queues for a user of a few units (SQLite and PostgreSQL): the unit scope is in the query, so a
page is full while more visible tickets exist, offset paging neither repeats nor skips, and the
console's counts count the same visible set — checked against the per-ticket permission rule
(``authorize(READ_TICKET, view_of(ticket))``), also for random scopes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis import Redis

from gridops.services.context import ServiceContext, build_context
from gridops.services.intake import IntakeReport, submit
from gridops.services.queues import queue
from gridops.services.routing import route_batch
from gridops.settings import load_settings
from gridops.store.queries import TicketScope, find_many
from gridops.tickets import Role, Source, Ticket
from gridops.web.api.common import view_of
from gridops.web.console.queries import QUEUE_NAMES, queue_counts
from gridops.web.permissions import ALL, Action, Principal, authorize
from gridops.web.queries import ticket_scope
from gridops.web.state import WebState

from ..conftest import NOW, TestClient, Users

STREETS = ("310115004", "310115005", "310115007")
CATEGORIES = ("E0102", "E0104", "E0103")
PAGE = 3


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def ctx(
    request: pytest.FixtureRequest, tmp_path, redis_server: str, redis_conn: Redis
) -> Iterator[ServiceContext]:
    """The web tests' context, on SQLite or on the session's PostgreSQL database."""
    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_server}
    if request.param == "postgresql":
        env["GRIDOPS_DATABASE_URL"] = request.getfixturevalue("pg_url")
    context = build_context(load_settings(env))
    if request.param == "postgresql":
        request.getfixturevalue("empty_pg")(context.store.engine)
    yield context
    context.close()


def spread_cells(ctx: ServiceContext) -> list[str]:
    """Level-3 cells in two level-2 cells of each of three streets."""
    out = []
    for street in STREETS:
        level2 = sorted({c.code[:12] for c in ctx.grid.cells_at(3) if c.code.startswith(street)})
        for l2 in level2[:2]:
            out += sorted(c.code for c in ctx.grid.cells_at(3) if c.code.startswith(l2))[:2]
    return out


def reports(ctx: ServiceContext, cells: list[str], n: int) -> list[IntakeReport]:
    """``n`` reports round the ``cells``."""
    out = []
    for i in range(n):
        p = ctx.grid.cells[cells[i % len(cells)]].geometry.representative_point()
        category = CATEGORIES[(i // len(cells)) % 3]  # no two alike in a cell: no duplicates
        out.append(IntakeReport(category=category, lon=float(p.x), lat=float(p.y),
                                crs=ctx.grid.crs, source=Source.GRID_WORKER))  # fmt: skip
    return out


@pytest.fixture
def placed(ctx: ServiceContext) -> list[str]:
    """72 tickets round 12 level-3 cells, reported 30 days ago: 36 routed (overdue now), 36
    still new."""
    cells = spread_cells(ctx)
    then = NOW - timedelta(days=30)
    submit(ctx, reports(ctx, cells, 36), actor="i-1", role=Role.INSPECTOR, now=then)
    assert route_batch(ctx, 100, now=then) == 36
    submit(ctx, reports(ctx, cells, 36), actor="i-1", role=Role.INSPECTOR, now=then)
    return cells


def web_state(client: TestClient) -> WebState:
    return client.app.state.web  # type: ignore[attr-defined]


def visible(state: WebState, me: Principal, found: list[Ticket]) -> list[str]:
    """The brute force: the per-ticket rule over every ticket."""
    return [t.number for t in found if authorize(me, Action.READ_TICKET, view_of(state, t)).allowed]


def test_a_narrow_scope_gets_full_pages_stable_paging_and_true_counts(
    client: TestClient, ctx: ServiceContext, users: Users, placed: list[str]
) -> None:
    workstation = f"ws-{placed[0][:12]}"  # one level-2 cell's workstation (工作站)
    headers = users.add("d-ws", "dispatcher", workstation)
    me = Principal("d-ws", Role.DISPATCHER, {workstation})
    state = web_state(client)
    counts = queue_counts(state, now=NOW, me=me)
    for name in ("new", "overdue"):
        everything = queue(ctx, name, now=NOW, limit=1000)
        expected = visible(state, me, everything)
        assert PAGE < len(expected) < len(everything) - PAGE  # several pages, most hidden
        # an unscoped first page holds fewer visible tickets than a page: the old short page
        assert len(visible(state, me, everything[:PAGE])) < PAGE
        got: list[str] = []
        for offset in range(0, len(expected) + PAGE, PAGE):
            answer = client.get(
                f"/api/v1/queues/{name}", headers=headers, params={"limit": PAGE, "offset": offset}
            )
            assert answer.status_code == 200, answer.text
            page = [t["number"] for t in answer.json()["tickets"]]
            assert len(page) == min(PAGE, max(len(expected) - offset, 0)), (name, offset)
            got += page
        assert got == expected  # in queue order, none twice, none missing
        assert counts[name] == len(expected)
    assert set(counts) == set(QUEUE_NAMES)


def test_field_staff_tasks_are_their_units_and_their_own(
    client: TestClient, ctx: ServiceContext, users: Users, placed: list[str]
) -> None:
    routed = [t for t in find_many(ctx.store, limit=1000) if t.owner_unit]
    unit = routed[0].owner_unit
    headers = users.add("f-1", "field_staff", unit)
    me = Principal("f-1", Role.FIELD_STAFF, {unit})
    answer = client.get("/api/v1/my/tasks", headers=headers)
    assert answer.status_code == 200, answer.text
    got = {t["number"] for t in answer.json()["tickets"]}
    assert got == set(visible(web_state(client), me, routed)) and got


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_query_scope_is_the_permission_rule(
    client: TestClient, ctx: ServiceContext, placed: list[str], data: st.DataObject
) -> None:
    state = web_state(client)
    org = ctx.ops.org
    every = find_many(ctx.store, limit=10_000)
    pool = {"district-centre", "dept-greening", "no-such-unit"}
    for cell in placed:
        pool |= {f"sc-{cell[:9]}", f"ws-{cell[:12]}", f"gw-{cell}"}
    for t in every:
        if t.owner_unit:
            pool |= {t.owner_unit, *org.up_chain(t.owner_unit)}
    people = sorted({t.assignee for t in every if t.assignee} | {"nobody"})
    role = data.draw(st.sampled_from(list(Role)), label="role")
    scope = data.draw(st.just(ALL) | st.frozensets(st.sampled_from(sorted(pool)), max_size=3))
    me = Principal(data.draw(st.sampled_from(people), label="user"), role, scope)
    expected = visible(state, me, every)
    size = data.draw(st.integers(1, 25), label="page size")
    pages: list[str] = []
    while page := find_many(ctx.store, scope=ticket_scope(org, me), limit=size, offset=len(pages)):
        pages += [t.number for t in page]
    assert pages == expected


def test_a_scope_sends_its_units_below_and_only_the_top_cells_of_its_territory(
    ctx: ServiceContext,
) -> None:
    org = ctx.ops.org
    street = ticket_scope(org, Principal("s", Role.SUPERVISOR, {"sc-310115005"}))
    assert street is not None and street.cells == {"310115005"}  # its level-2/3 cells lie in it
    assert {"sc-310115005", "ws-310115005001", "gw-310115005001001"} <= street.owner_units
    assert not any("310115004" in u for u in street.owner_units)
    dept = ticket_scope(org, Principal("d", Role.DISPATCHER, {"dept-greening"}))
    assert dept is not None and not dept.cells  # departments hold no territory
    assert "dept-greening@310115005" in dept.owner_units and dept.assignee is None
    field = ticket_scope(org, Principal("f", Role.FIELD_STAFF, {"ws-310115005001"}))
    assert field == TicketScope(owner_units=frozenset({"ws-310115005001"}), assignee="f")
    assert ticket_scope(org, Principal("a", Role.ADMIN, "all")) == TicketScope()  # nothing
    assert ticket_scope(org, Principal("b", Role.DISPATCHER, "all")) is None  # everything
