"""The supervisor dashboard (考核监督): indicators by unit and by grid level with drill-down
1 → 2 → 3 and n beside every rate, the league table with grades A–E (none below the minimum
sample), weekly trend charts, the overdue list, the check and call-back queues, the audit
sample (抽查), and CSV export of every table."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from gridops.errors import UserError
from gridops.metrics.periods import parse_period
from gridops.tickets.model import Status
from gridops.web.console import supervise_data as data
from gridops.web.console.charts import Series, trend_svg
from gridops.web.console.dispatch_views import with_due
from gridops.web.console.pages import html_errors, render, signed_in
from gridops.web.console.queries import visible_queue
from gridops.web.permissions import ROLE_ACTIONS, Action, PermissionDenied, Principal, require
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
BY = {"unit": "unit", "1": "l1", "2": "l2", "3": "l3"}
Code = Annotated[str | None, Query(max_length=32, pattern=r"^[0-9]*$")]
Period = Annotated[str | None, Query(max_length=30)]
View = Annotated[str, Query(pattern="^(unit|1|2|3)$")]
TABLES = ("indicators", "league", "trend", "overdue", "audit", "check", "callback")


def _lists(state: WebState, me: Principal) -> dict[str, list[dict[str, Any]]]:
    """The ticket lists of the dashboard this user may see."""
    from gridops.store.queries import find_many
    from gridops.web.api import supervise as supervise_api
    from gridops.web.api.common import tickets_out
    from gridops.web.queries import ticket_scope

    now = state.now()
    out: dict[str, list[dict[str, Any]]] = {}
    if Action.READ_TICKET in ROLE_ACTIONS[me.role]:
        out["overdue"] = visible_queue(state, me, "overdue", now=now, limit=200)
        out["check"] = visible_queue(state, me, "handled", now=now, limit=200)
        scope = ticket_scope(state.ctx.ops.org, me)
        closed = find_many(state.ctx.store, statuses=(Status.CLOSED,), scope=scope, limit=200)
        out["callback"] = tickets_out(state, me, closed)
    if Action.READ_AUDIT_SAMPLE in ROLE_ACTIONS[me.role]:
        seed = now.astimezone(state.tz).date().toordinal()  # one sample per day
        out["audit"] = supervise_api.audit_sample(state, me, size=10, seed=seed)["tickets"]
    return {k: [with_due(t) for t in v] for k, v in out.items()}


def _parent_ok(view: str, parent: str | None) -> str | None:
    if view in ("2", "3") and parent is None:
        return None
    if parent and view == "2" and len(parent) != 9:
        raise UserError(f"parent {parent!r}: level 2 drills into a level-1 code (9 digits)")
    if parent and view == "3" and len(parent) != 12:
        raise UserError(f"parent {parent!r}: level 3 drills into a level-2 code (12 digits)")
    return parent


def _dashboard(
    state: WebState, me: Principal, view: str, parent: str | None, period: str | None
) -> dict[str, Any]:
    require(me, Action.READ_REPORTS)
    label = period or data.default_period(state)
    p = parse_period(label, state.ctx.settings.timezone)
    parent = _parent_ok(view, parent)
    table = data.table(state, me, BY[view], p, parent)
    weeks = data.weeks_before(state.now(), state.tz)
    trend = data.trend(state, me, weeks)
    return {
        "view": view, "parent": parent, "period": label, "table": table,
        "league": data.league(table.rows), "trend_rows": trend, "weeks": weeks,
        "lists": _lists(state, me), "shown": data.SHOWN,
    }  # fmt: skip


@router.get("/console/supervise", response_class=HTMLResponse)
@html_errors
def supervise_page(
    request: Request, state: State, view: View = "1", parent: Code = None, period: Period = None
) -> HTMLResponse:
    from gridops.metrics import BY_NAME
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of

    me = signed_in(state, request)
    board = _dashboard(state, me, view, parent, period)
    en = lang_of(request) == "en"
    t = translator(lang_of(request))
    series = [
        Series(
            BY_NAME[k].en if en else BY_NAME[k].zh, [r.rates[k].value for r in board["trend_rows"]]
        )
        for k in data.TREND
    ]
    chart = trend_svg(board["weeks"], [r.n for r in board["trend_rows"]], series)
    up = parent[:-3] if parent and len(parent) == 12 else None
    return render(
        request, state, "supervise.html", me=me, chart=chart, BY_NAME=BY_NAME, up=up,
        indicator_name=lambda k: BY_NAME[k].en if en else BY_NAME[k].zh,
        min_note=t("min_n_note", n=board["table"].min_n), **board,
    )  # fmt: skip


@router.get("/console/supervise/export.csv")
@html_errors
def export_csv(
    request: Request,
    state: State,
    table: Annotated[str, Query(pattern="^(" + "|".join(TABLES) + ")$")],
    view: View = "1",
    parent: Code = None,
    period: Period = None,
) -> Response:
    """Any dashboard table as CSV (UTF-8 with BOM so spreadsheet programs read 中文)."""
    me = signed_in(state, request)
    board = _dashboard(state, me, view, parent, period)
    if table == "indicators":
        text = data.rows_csv(board["table"].rows)
    elif table == "league":
        text = data.rows_csv(board["league"])
    elif table == "trend":
        text = data.rows_csv(board["trend_rows"])
    else:
        if table not in board["lists"]:
            raise PermissionDenied(f"{me.role.value} may not export the {table} list")
        text = data.tickets_csv(board["lists"].get(table, []))
    name = f"gridops-{table}-{board['period']}.csv"
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
