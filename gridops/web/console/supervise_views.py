"""The supervisor's desk (考核监督): all 13 indicators with n and their definitions, by unit,
by grid level with drill-down 1 → 2 → 3, or by person, over a picked period (today, this week,
this month, a range), sorted and paged; the league table with grades A–E (none below the
minimum sample), weekly trends, the overdue list paged with its true count, the check and
call-back queues, the audit sample (抽查), and CSV / xlsx export of each table as shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from gridops.metrics import ReportRow
from gridops.metrics.periods import parse_period
from gridops.web.console import supervise_data as data
from gridops.web.console import supervise_export as export_files
from gridops.web.console import supervise_rank as rank
from gridops.web.console.charts import Series, trend_svg
from gridops.web.console.dispatch_views import with_due
from gridops.web.console.pages import html_errors, render, signed_in
from gridops.web.console.supervise_form import (
    LIST_PER_PAGE,
    PER_PAGE,
    SuperviseRead,
    SuperviseView,
    read_view,
)
from gridops.web.console.supervise_map import shade_box
from gridops.web.permissions import ROLE_ACTIONS, Action, PermissionDenied, Principal, require
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
TABLES = ("indicators", "league", "trend", "overdue", "audit", "check", "callback")
LEAGUE_SHOWN = 10


def _lists(
    state: WebState, me: Principal, view: SuperviseView, per: int = LIST_PER_PAGE
) -> dict[str, Listed]:
    """The ticket lists of the desk this user may see, each a page of ``per`` rows with its
    true count (an export asks for the first page of all of them)."""
    from gridops.services.desk import Search, desk_page
    from gridops.web.api.common import tickets_out
    from gridops.web.api.supervise import audit_tickets, callback_tickets
    from gridops.web.queries import ticket_scope

    now = state.now()
    out: dict[str, Listed] = {}
    whole = per != LIST_PER_PAGE
    if Action.READ_TICKET in ROLE_ACTIONS[me.role]:
        scope = ticket_scope(state.ctx.ops.org, me)
        opage = 1 if whole else view.opage
        for key, queue, page in (("overdue", "overdue", opage), ("check", "handled", 1)):
            found = desk_page(state.ctx, queue, Search(), now=now, scope=scope, page=page,
                              per_page=per, names=(queue,))  # fmt: skip
            rows = [with_due(r) for r in tickets_out(state, me, found.tickets)]
            out[key] = Listed(rows, found.total, found.page, found.pages)
        closed = callback_tickets(state, me, per)
        rows = [with_due(r) for r in tickets_out(state, me, closed)]
        out["callback"] = Listed(rows, len(rows), 1, 1)
    if Action.READ_AUDIT_SAMPLE in ROLE_ACTIONS[me.role]:
        seed = now.astimezone(state.tz).date().toordinal()  # one sample per day
        rows = [with_due(r) for r in tickets_out(state, me, audit_tickets(state, me, seed))]
        out["audit"] = Listed(rows, len(rows), 1, 1)
    return out


@dataclass(frozen=True)
class Listed:
    """A page of a ticket list and the list's whole count."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Board:
    """Everything the desk shows."""

    read: SuperviseRead
    table: rank.Table
    shown: rank.RowPage
    league: list[ReportRow]
    min_n: int


def _board(state: WebState, me: Principal, request: Request, whole: bool = False) -> Board:
    """The desk as the request asks for it (``whole``: the indicator table on one page)."""
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of

    require(me, Action.READ_REPORTS)
    lang = lang_of(request)
    now = state.now()
    tz = state.ctx.settings.timezone
    read = read_view(request.query_params, translator(lang), now, state.tz, tz)
    view = read.view
    period = parse_period(read.label, tz)
    parent = view.parent or None
    table = data.table(state, me, view.by, period, parent)
    page, per = (1, max(1, len(table.groups))) if whole else (view.page, PER_PAGE)
    shown = rank.shown(table, view.sort, view.dir == "desc", lang, page, per)
    return Board(read, table, shown, rank.top(table, LEAGUE_SHOWN), table.min_n)


@router.get("/console/supervise", response_class=HTMLResponse)
@html_errors
def supervise_page(request: Request, state: State) -> HTMLResponse:
    from gridops.metrics import BY_NAME
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of

    me = signed_in(state, request)
    board = _board(state, me, request)
    view = board.read.view
    en = lang_of(request) == "en"
    t = translator(lang_of(request))
    weeks = data.weeks_before(state.now(), state.tz)
    trend_rows = data.trend(state, me, weeks)
    series = [
        Series(BY_NAME[k].en if en else BY_NAME[k].zh, [r.rates[k].value for r in trend_rows])
        for k in data.TREND
    ]
    label = t("trend") + ": " + ", ".join(x.label for x in series)
    chart = trend_svg(weeks, [r.n for r in trend_rows], series, label)
    up = view.parent[:-3] if len(view.parent) == 12 else ""
    glmap = shade_box(state, me, view)
    hidden = [(k, x) for k, x in parse_qsl(view.link()[1:]) if k not in ("ind", "page")]
    return render(
        request, state, "supervise.html", me=me, chart=chart, BY_NAME=BY_NAME, up=up,
        indicator_name=lambda k: BY_NAME[k].en if en else BY_NAME[k].zh, read=board.read,
        v=view, period=board.read.label, table=board.shown, league=board.league,
        lists=_lists(state, me, view), shown=data.SHOWN, glmap=glmap, shade_hidden=hidden,
        min_note=t("min_n_note", n=board.min_n), status=400 if board.read.errors else 200,
    )  # fmt: skip


@router.get("/console/supervise/export.{fmt}")
@html_errors
def export(
    request: Request,
    state: State,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    table: Annotated[str, Query(pattern="^(" + "|".join(TABLES) + ")$")],
) -> Response:
    """A table of the desk as shown (same order and columns, the reader's language), whole:
    every row of every page, up to EXPORT_ROWS of a ticket list."""
    from gridops.metrics import BY_NAME
    from gridops.web.console.explain import Speaker
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of

    me = signed_in(state, request)
    board = _board(state, me, request, whole=True)
    lang = lang_of(request)
    t = translator(lang)

    def name(k: str) -> str:
        return BY_NAME[k].en if lang == "en" else BY_NAME[k].zh

    if table in ("indicators", "league", "trend"):
        rows = {"indicators": board.shown.rows, "league": board.league}.get(table) or (
            data.trend(state, me, data.weeks_before(state.now(), state.tz)))  # fmt: skip
        sheet = export_files.rates_sheet(t(TITLES[table]), rows, data.SHOWN, t, name, lang)
    else:
        lists = _lists(state, me, board.read.view, per=EXPORT_ROWS)
        if table not in lists:
            raise PermissionDenied(f"{me.role.value} may not export the {table} list")
        say = Speaker(t, lang, state.ctx.ops, state.ctx.grid)
        sheet = export_files.tickets_sheet(t(TITLES[table]), lists[table].rows, t, say, state.tz)
    body, media = (
        (export_files.as_csv(sheet), "text/csv; charset=utf-8")
        if fmt == "csv"
        else (export_files.as_xlsx(sheet), XLSX)
    )
    name_ = f"gridops-{table}-{board.read.label.replace('..', '_')}.{fmt}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name_}"'}
    )


EXPORT_ROWS = 100_000  # a ticket list's rows in one file (an xlsx sheet holds 1,048,576)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLES = {
    "indicators": "indicators", "league": "league", "trend": "trend",
    "overdue": "overdue_list", "check": "to_check", "callback": "to_callback", "audit": "audit",
}  # fmt: skip
