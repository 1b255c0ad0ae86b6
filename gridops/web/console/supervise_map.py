"""The supervisor's map (考核地图): the 街镇 / 居村 / cells of the level the desk shows, each
shaded by the indicator picked, over the desk's period and in the reader's scope — the very
counts of the desk's table (gridops.services.reports) — with the legend's range and n. A click
on a cell drills into its rows, as its name in the table does.

- ``/console/supervise/map.json?<the desk's query>&ind=close_rate`` — readers of reports.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridops.metrics import BY_NAME, Rate, rate
from gridops.metrics.periods import parse_period
from gridops.web.console import supervise_data as data
from gridops.web.console.supervise_form import SuperviseView, read_view
from gridops.web.permissions import Action, Principal, require
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
LEVELS = ("1", "2", "3")
_DRILL = {"1": "2", "2": "3"}


def shade_box(state: WebState, me: Principal, view: SuperviseView) -> dict[str, str] | None:
    """The desk's map box (static/map.js, ``data-shade``) for a grid-level view, else None:
    the parent's cells (else the reader's 街镇, else the district) of the view's level."""
    from gridops.web.console.map_views import bounds_of, home_l1, map_box

    if view.view not in LEVELS or int(view.view) > state.ctx.grid.levels:
        return None
    home = home_l1(state.ctx.ops.org, me)
    within = view.parent[:9] if view.parent else home
    drill = _DRILL.get(view.view)
    link = "/console/supervise" + view.link(view=drill, parent="__CELL__") if drill else ""
    return map_box(state, bounds=bounds_of(state, view.parent or home), level=view.view,
                   within=within, cells="/console/map/cells.geojson", link=link,
                   shade="/console/supervise/map.json" + view.link())  # fmt: skip


def pct(r: Rate) -> str:
    """As the desk's table and its exports show a rate (Rate.percent)."""
    return f"{r.percent()}%"


def shade_of(state: WebState, me: Principal, request: Request) -> dict[str, Any]:
    """Each cell's value of the picked indicator (None without a denominator) and its n, the
    range of the values, and the legend's words in the reader's language."""
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of

    lang = lang_of(request)
    t = translator(lang)
    read = read_view(request.query_params, t, state.now(), state.tz,
                     state.ctx.settings.timezone)  # fmt: skip
    view = read.view
    if view.view not in LEVELS:
        view = SuperviseView(view="1", span=view.span, start=view.start, end=view.end,
                             period=view.period, ind=view.ind)  # fmt: skip
    period = parse_period(read.label, state.ctx.settings.timezone)
    table = data.table(state, me, view.by, period, view.parent or None)
    i = BY_NAME[view.ind]
    values: dict[str, float | None] = {}
    ns: dict[str, int] = {}
    have: list[Rate] = []
    for g in table.groups:
        r = rate(g.counts[i.numerator], g.counts[i.denominator])
        values[g.key], ns[g.key] = r.value, r.n
        if r.value is not None:
            have.append(r)
    low = min(have, key=lambda r: r.value or 0.0) if have else None
    high = max(have, key=lambda r: r.value or 0.0) if have else None
    lo, hi = (low.value or 0.0, high.value or 0.0) if low and high else (0.0, 0.0)
    name = i.en if lang == "en" else i.zh
    level = t(f"level.{view.view}")
    total = sum(ns.values())
    note = t("sv.map_note", name=name, cells=len(have), level=level, n=total, period=read.label)
    from gridops.web.console.map_views import bounds_of_cells

    counted = [code for code, n in ns.items() if n]
    fit = bounds_of_cells(state, counted) if counted else None  # where the figures are
    return {"indicator": view.ind, "name": name, "level": int(view.view), "period": read.label,
            "fit": fit,
            "values": values, "n": ns, "lo": lo, "hi": hi, "cells": len(have), "total": total,
            "low": pct(low) if low else "—", "high": pct(high) if high else "—",
            "note": note if have else t("sv.map_empty", name=name, period=read.label)}  # fmt: skip


@router.get("/console/supervise/map.json")
def shade_json(request: Request, state: State) -> Response:
    """The shades of the desk's map (plain text when signed out or refused)."""
    from gridops.web.console.readers import reader

    me = reader(state, request, lambda p: require(p, Action.READ_REPORTS))
    if isinstance(me, Response):
        return me
    return Response(orjson.dumps(shade_of(state, me, request)), media_type="application/json")
