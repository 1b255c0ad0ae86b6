"""What the video wall (大屏) shows, over the tickets the viewer may read: today's counts by
workflow stage, the overdue and 督办 lists with their true counts, today's top categories, the
last 7 days' reports and closures, and the on-time handling rate of each 街镇 over those days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from gridops.metrics import rate
from gridops.metrics.periods import parse_period
from gridops.services.reports import closures
from gridops.web.console.supervise_data import grouped_counts
from gridops.web.permissions import Principal
from gridops.web.state import WebState

STAGES = ("reports", "dispatched", "handled", "closed")  # 上报 → 派遣 → 处置 → 结案
LISTED = 8
DAYS = 7


@dataclass(frozen=True)
class Day:
    label: str  # 11-24
    reports: int
    closed: int


@dataclass(frozen=True)
class Street:
    code: str
    zh: str
    en: str
    on_time: float | None
    n: int
    shown: Decimal | None = None  # on_time as a percentage, as the desk shows it (Rate.percent)


@dataclass(frozen=True)
class Wall:
    stages: dict[str, int]
    overdue: list[dict[str, Any]]
    overdue_total: int
    supervised: list[dict[str, Any]]
    supervised_total: int
    categories: list[tuple[str, int]]
    days: list[Day]
    streets: list[Street]


def wall(state: WebState, me: Principal) -> Wall:
    """Everything on the wall, now."""
    from gridops.metrics import split_name
    from gridops.services.desk import Search, desk_page
    from gridops.web.api.common import tickets_out
    from gridops.web.console.dispatch_views import with_due
    from gridops.web.queries import report_scope, ticket_scope

    now, tz = state.now(), state.ctx.settings.timezone
    scope = report_scope(state.ctx.ops.org, me)
    today = now.astimezone(state.tz).date()
    period = parse_period(today.isoformat(), tz)
    [total] = grouped_counts(state, "all", period, scope) or [None]
    stages = {s: (total.counts[s] if total else 0) for s in STAGES}
    lists = {}
    for queue in ("overdue", "supervised"):
        found = desk_page(state.ctx, queue, Search(), now=now, scope=ticket_scope(
            state.ctx.ops.org, me), per_page=LISTED, names=(queue,))  # fmt: skip
        rows = [with_due(r) for r in tickets_out(state, me, found.tickets)]
        lists[queue] = (rows, found.total)
    by_category = grouped_counts(state, "category", period, scope)
    categories = [(g.key, g.counts["reports"]) for g in by_category]
    days = []
    for k in range(DAYS - 1, -1, -1):  # reported that day; closed that day, whenever reported
        day = today - timedelta(days=k)
        period_of_day = parse_period(day.isoformat(), tz)
        [counts] = grouped_counts(state, "all", period_of_day, scope) or [None]
        closed = closures(state.ctx.store, period_of_day, scope)
        days.append(Day(day.strftime("%m-%d"), counts.counts["reports"] if counts else 0, closed))
    week = parse_period(f"{(today - timedelta(days=DAYS - 1)).isoformat()}..{today}", tz)
    streets = []
    for g in grouped_counts(state, "l1", week, scope):
        cell = state.ctx.grid.cells.get(g.key)
        if cell is None:
            continue
        r = rate(g.counts["handled_on_time"], g.counts["due"])
        streets.append(Street(g.key, *split_name(cell.name), r.value, r.n, r.percent()))
    # the worst first: what the wall cannot fit is cut from the end (console.js, fitLists)
    streets.sort(key=lambda s: (s.on_time is None, s.on_time or 0.0, s.code))
    return Wall(stages, lists["overdue"][0], lists["overdue"][1], lists["supervised"][0],
                lists["supervised"][1], categories[:LISTED], days, streets)  # fmt: skip
