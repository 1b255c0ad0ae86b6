"""The supervisor's tables (考核): indicator rows by unit and by grid level with drill-down,
the league table, weekly trends and CSV export — over gridops.metrics and the store's rollups,
limited to what the principal's unit scope covers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gridops.metrics import INDICATORS, ReportRow, build_report, load_indicator_config, split_name
from gridops.metrics.periods import Period, parse_period
from gridops.web.console.queries import in_scope
from gridops.web.permissions import Principal
from gridops.web.state import WebState

SHOWN = ("on_time_dispatch", "handling_rate", "on_time_handling", "close_rate",
         "on_time_close", "rework_rate", "satisfaction")  # fmt: skip
TREND = ("close_rate", "on_time_close", "satisfaction")
WEEKS = 8


@dataclass(frozen=True)
class Table:
    """Rows of one grouping and how to drill into each."""

    by: str  # unit | l1 | l2 | l3
    rows: list[ReportRow]
    min_n: int


def _config(state: WebState) -> Any:
    return load_indicator_config(state.ctx.settings.config_dir / "indicators.yaml")


def default_period(state: WebState) -> str:
    """This month in the city's zone (2026-11)."""
    return state.now().astimezone(state.tz).strftime("%Y-%m")


def _counts(state: WebState, by: str, period: Period, scope: Any = None) -> list[Any]:
    from gridops.store.rollups import indicator_counts

    config = _config(state)
    return indicator_counts(
        state.ctx.store.engine,
        by=by,
        start=period.start,
        end=period.end,
        as_of=period.as_of(state.now()),
        dispatch_limit_s=config.dispatch_limit_minutes * 60,
        satisfied_min=config.satisfied_min,
        stage_times=False,
        scope=scope,
    )


def table(state: WebState, me: Principal, by: str, period: Period, parent: str | None) -> Table:
    """Indicator rows grouped ``by`` unit or level; cells only under ``parent`` when given."""
    config = _config(state)
    groups = _counts(state, by, period)
    org, grid = state.ctx.ops.org, state.ctx.grid
    if by == "unit":
        groups = [g for g in groups if g.key and in_scope(state, me, g.key)]
        names = {g.key: (org.units[g.key].zh, org.units[g.key].en) for g in groups
                 if g.key in org.units}  # fmt: skip
    else:
        keep = []
        for g in groups:
            cell = grid.cells.get(g.key)
            if cell is None or (parent and cell.parent != parent):
                continue
            if in_scope(state, me, org.locality.get(g.key)):
                keep.append(g)
        groups = keep
        names = {g.key: split_name(grid.cells[g.key].name) for g in groups}
    return Table(by, build_report(groups, config, names), config.min_n)


def league(rows: Sequence[ReportRow]) -> list[ReportRow]:
    """Best score first; rows without a grade (n below the minimum) last, by n."""
    return sorted(rows, key=lambda r: (r.score.value is None, -(r.score.value or 0), -r.n, r.key))


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
        groups = _counts(state, "all", period, scope)
        if groups:
            [row] = build_report(groups, config)
            rows.append(ReportRow(week, week, week, row.n, row.rates, row.score))
        else:
            from gridops.metrics import Rate, Score

            empty = {i.name: Rate(None, 0) for i in INDICATORS}
            rows.append(ReportRow(week, week, week, 0, empty, Score(0.0, None, None)))
    return rows


def rows_csv(rows: Sequence[ReportRow]) -> str:
    """Indicator rows as CSV: every rate beside its n, score and grade."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    head = ["key", "name_zh", "name_en", "n"]
    for i in INDICATORS:
        head += [i.name, f"{i.name}_n"]
    w.writerow([*head, "score", "grade"])
    for r in rows:
        line: list[Any] = [r.key, r.zh, r.en, r.n]
        for i in INDICATORS:
            line += [r.rates[i.name].value, r.rates[i.name].n]
        w.writerow([*line, r.score.value, r.score.grade])
    return buf.getvalue()


def tickets_csv(tickets: Sequence[dict[str, Any]]) -> str:
    """A ticket list as CSV (number, category, status, owner, assignee, due)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["number", "category", "status", "owner_unit", "assignee", "due_at"])
    for t in tickets:
        due = (t.get("clock") or {}).get("due_at")
        w.writerow([t["number"], t["category"], t["status"], t["owner_unit"], t["assignee"], due])
    return buf.getvalue()
