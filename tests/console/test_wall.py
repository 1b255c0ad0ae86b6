"""The video wall (大屏, issue 18): today's counts by stage, the overdue and 督办 lists with
their true counts, top categories, the 7-day trend and on-time handling by 街镇 — over the
tickets the viewer may read; read-only; a marked slot for the map; its live fragment."""

from __future__ import annotations

import re

from gridops.services.context import ServiceContext

from .conftest import TestClient, Users, sign_in
from .test_supervise_desk import routed


def stage(html: str, name: str) -> int:
    found = re.search(rf'data-stage="{name}"><span class="label">[^<]*</span> <b[^>]*>(\d+)<', html)
    assert found, name
    return int(found.group(1))


def test_the_wall_counts_today_and_lists_the_overdue(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    late = routed(ctx, 12, days_ago=3)
    routed(ctx, 5)
    sign_in(client, users.add("s-1", "supervisor", "all"))
    page = client.get("/console/wall").text
    assert stage(page, "reports") == 5 and stage(page, "dispatched") >= 1
    assert stage(page, "overdue") == 12  # the true count; the list holds the first 8
    listed = re.findall(r'<li data-number="([A-Z0-9]+)"', page[page.index('id="wall-overdue"') :
                        page.index('id="wall-supervised"')])  # fmt: skip
    assert len(listed) == 8 and set(listed) <= set(late)
    assert 'data-category="E0102"' in page
    days = re.findall(r'<tr data-day="([0-9-]+)">', page)
    assert len(days) == 7 and days[-1] == "11-24"
    assert 'data-street="310115005"' in page
    assert (
        'id="wall-map" data-slot="map"' in page and 'id="wallmap"' in page and "data-still" in page
    )
    assert "<form" not in page[page.index("<main") :]  # read-only: nothing to press
    live = client.get("/console/wall/live").text
    assert live.startswith('<div id="wall-body"') and stage(live, "reports") == 5


def test_the_wall_shows_a_scoped_supervisor_their_scope_only(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    routed(ctx, 3)
    routed(ctx, 2, "310115004001001")
    sign_in(client, users.add("s-4", "supervisor", "sc-310115004"))
    page = client.get("/console/wall?lang=en").text
    assert stage(page, "reports") == 2 and 'data-street="310115005"' not in page


def test_field_staff_may_not_see_the_wall(client: TestClient, users: Users) -> None:
    sign_in(client, users.add("w-1", "field_staff", "sc-310115005"))
    r = client.get("/console/wall")
    assert r.status_code == 403 and "<html" in r.text


def test_the_week_counts_closures_on_the_day_they_were_closed(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    """Four tickets reported two days ago and closed yesterday: two days ago shows 4 reported
    and none closed, yesterday none reported and 4 closed (it showed them closed on the day
    they were reported)."""
    from datetime import timedelta

    from gridops.services.actions import act

    from .conftest import NOW

    numbers = routed(ctx, 4, days_ago=2)
    for number in numbers:
        ticket = ctx.store.get_by_number(number)
        act(ctx, ticket.id, "force_close", actor="s-1", role="supervisor",
            now=NOW - timedelta(days=1), reason="现场已清理")  # fmt: skip
    sign_in(client, users.add("s-1", "supervisor", "all"))
    page = client.get("/console/wall").text
    week = dict(
        (day, (int(rep), int(clo)))
        for day, rep, clo in re.findall(
            r'<tr data-day="([0-9-]+)">.*?</meter> (\d+)</td>\s*<td>.*?</meter> (\d+)</td></tr>',
            page, re.S,
        )
    )  # fmt: skip
    two_days_ago = (NOW - timedelta(days=2)).strftime("%m-%d")
    yesterday = (NOW - timedelta(days=1)).strftime("%m-%d")
    assert week[two_days_ago] == (4, 0) and week[yesterday] == (0, 4)
