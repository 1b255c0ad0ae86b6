"""The console's counts agree with the services' queues, and scoped users see the map numbers
of their own cells only."""

from __future__ import annotations

from datetime import timedelta

from gridops.services.actions import act
from gridops.services.context import ServiceContext
from gridops.services.queues import queue
from gridops.services.routing import route_batch
from gridops.tickets.vocabulary import Role
from gridops.web.console.queries import QUEUE_NAMES, open_by_cell, queue_counts

from .conftest import NOW, TestClient, Users, point_in


def _report(client: TestClient, ctx: ServiceContext, key: str, l3: str) -> str:
    lon, lat = point_in(ctx, l3)
    form = {"api_key": key, "service_code": "E0102", "lat": str(lat), "long": str(lon)}
    return str(client.post("/open311/v2/requests.json", data=form).json()[0]["service_request_id"])


def test_counts_match_the_services_queues(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    key = users.api_key()
    cells = ["310115005001001", "310115004001001", "310115005001002"]
    numbers = [_report(client, ctx, key, cells[i % 3]) for i in range(6)]
    route_batch(ctx, 3, now=NOW)  # three routed, three still new
    routed = [n for n in numbers if ctx.store.get_by_number(n).status.value == "dispatched"]
    sys = {"actor": "t", "role": Role.SYSTEM, "now": NOW}
    act(ctx, routed[0], "escalate", group="jeg-street-order", **sys)
    act(ctx, routed[1], "supervise", reason="慢", **sys)
    state = client.app.state.web  # type: ignore[attr-defined]
    for now in (NOW, NOW + timedelta(days=30)):
        for cell in (None, "310115005", "310115004001001"):
            counts = queue_counts(state, now=now, cell=cell)
            for name in QUEUE_NAMES:
                assert counts[name] == len(queue(ctx, name, now=now, cell=cell, limit=500)), (
                    name,
                    now,
                    cell,
                )
    assert queue_counts(state, now=NOW + timedelta(days=30))["overdue"] == 3


def test_scoped_users_see_the_open_counts_of_their_cells_only(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    key = users.api_key()
    for l3 in ("310115005001001", "310115004001001"):
        _report(client, ctx, key, l3)
    state = client.app.state.web  # type: ignore[attr-defined]
    from gridops.web.permissions import Principal

    everyone = open_by_cell(state, Principal("d", Role.DISPATCHER, "all"), 1)
    assert everyone == {"310115005": 1, "310115004": 1}
    scoped = open_by_cell(state, Principal("d", Role.DISPATCHER, {"sc-310115005"}), 3)
    assert scoped == {"310115005001001": 1}
