"""The supervisor's numbers (考核): indicator counts by unit, grid level (with drill-down) or
person, and weekly trends — over gridops.metrics and the store's grouped counts, limited to
what the principal's unit scope covers."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from gridops.metrics import INDICATORS, ReportRow, build_report, load_indicator_config, split_name
from gridops.metrics.periods import Period, parse_period
from gridops.web.console.queries import in_scope
from gridops.web.console.supervise_rank import Table
from gridops.web.permissions import Principal
from gridops.web.state import WebState

#: The 13 indicators of the reference list, in its order, and 主动发现率 (issue 20) — 结案率's
#: variant without 缓办 stays in `gridops report` and the JSON API.
SHOWN = ("registration_rate", "dispatch_accuracy", "on_time_dispatch", "handling_rate",
         "on_time_handling", "close_rate", "on_time_close", "rework_rate", "onsite_resolution",
         "escalation_rate", "supervision_rate", "satisfaction", "valid_report_rate",
         "active_discovery")  # fmt: skip
TREND = ("close_rate", "on_time_close", "satisfaction")
WEEKS = 8


def _config(state: WebState) -> Any:
    path = state.ctx.settings.config_dir / "indicators.yaml"
    return _config_at(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _config_at(path: str, mtime_ns: int) -> Any:
    """indicators.yaml, read again only when it changes."""
    return load_indicator_config(path)


def default_period(state: WebState) -> str:
    """This month in the city's zone (2026-11)."""
    return state.now().astimezone(state.tz).strftime("%Y-%m")


def grouped_counts(state: WebState, by: str, period: Period, scope: Any = None) -> list[Any]:
    """Indicator counts grouped ``by`` (unit, l1, l2, l3, person, category, all) over ``period``,
    within ``scope`` when given (gridops.services.reports)."""
    from gridops.services.reports import grouped_counts as counts

    return counts(state.ctx.store, _config(state), by=by, period=period, now=state.now(),
                  scope=scope)  # fmt: skip


def table(state: WebState, me: Principal, by: str, period: Period, parent: str | None) -> Table:
    """The groups ``by`` unit, level or person that ``me`` may read; cells only under
    ``parent`` when given."""
    config = _config(state)
    org, grid = state.ctx.ops.org, state.ctx.grid
    names: dict[str, tuple[str, str]]
    if by == "person":
        from gridops.web.queries import report_scope

        scope = report_scope(org, me)
        groups = [g for g in grouped_counts(state, by, period, scope) if g.key not in ("", "None")]
        names = person_names(state, [g.key for g in groups])
    elif by == "unit":
        found = grouped_counts(state, by, period)
        groups = [g for g in found if g.key and in_scope(state, me, g.key)]
        names = {g.key: (org.units[g.key].zh, org.units[g.key].en) for g in groups
                 if g.key in org.units}  # fmt: skip
    else:
        groups = []
        for g in grouped_counts(state, by, period):
            cell = grid.cells.get(g.key)
            if cell is None or (parent and cell.parent != parent):
                continue
            if in_scope(state, me, org.locality.get(g.key)):
                groups.append(g)
        names = {g.key: split_name(grid.cells[g.key].name) for g in groups}
    return Table(by, groups, names, config)


def person_names(state: WebState, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """(中文, English) names of assignees: a named person's or an account's own name; a roster
    template's staff as their unit's name and number (老港镇市容所 处置人员 2)."""
    from gridops.web.console.i18n import CATALOGUE

    zh_word, en_word = CATALOGUE["sv.staff_n"]
    org, roster = state.ctx.ops.org, state.ctx.roster
    accounts = {u.id: u.name for u in state.accounts.list_users() if u.name}
    out: dict[str, tuple[str, str]] = {}
    for pid in ids:
        unit, _, tag = pid.rpartition("-")
        staff = {s.id: s for s in roster.staff_of(unit)} if unit in org.units else {}
        person = next((s for s in roster.named if s.id == pid), None)
        named = person.name if person else accounts.get(pid)
        if person and person.name_en:
            out[pid] = (person.name, person.name_en)
        elif named:
            out[pid] = (named, named if named.isascii() else "")
        elif pid in staff:
            u = org.units[unit]
            out[pid] = (zh_word.format(unit=u.zh, n=tag),
                        en_word.format(unit=u.en, n=tag) if u.en else "")  # fmt: skip
        else:
            out[pid] = ("", pid)
    return out


def weeks_before(now: datetime, tz: Any, count: int = WEEKS) -> list[str]:
    """The ISO weeks ending with ``now``'s, oldest first (2026-W41 … 2026-W48)."""
    local = now.astimezone(tz).date()
    out = []
    for k in range(count - 1, -1, -1):
        year, week, _ = (local - timedelta(weeks=k)).isocalendar()
        out.append(f"{year}-W{week:02d}")
    return out


def trend(state: WebState, me: Principal, weeks: Sequence[str]) -> list[ReportRow]:
    """Indicators per week over the tickets ``me`` may read — district-wide for readers of all
    units (one row per week, key = the week)."""
    from gridops.web.queries import report_scope

    config = _config(state)
    scope = report_scope(state.ctx.ops.org, me)
    rows = []
    for week in weeks:
        period = parse_period(week, state.ctx.settings.timezone)
        groups = grouped_counts(state, "all", period, scope)
        if groups:
            [row] = build_report(groups, config)
            rows.append(ReportRow(week, week, week, row.n, row.rates, row.score))
        else:
            from gridops.metrics import Rate, Score

            empty = {i.name: Rate(None, 0) for i in INDICATORS}
            rows.append(ReportRow(week, week, week, 0, empty, Score(0.0, None, None)))
    return rows
