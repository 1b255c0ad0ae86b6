"""Grouped indicator counts (评价指标 统计) in one SQL aggregation over the tickets table.

Every count is a ``SUM(CASE …)`` over the indexed indicator columns of the tickets reported in
``[start, end)``, grouped by unit, level-1/2/3 cell or category: no ticket is loaded into
Python. Stage times (report → dispatch → handled → closed) come with their mean, their true
median (the middle value; the mean of the two middle values for an even count — numpy's
``median``) and their p90 by the nearest-rank method (the ⌈0.9·n⌉-th smallest value — numpy's
``percentile(…, 90, method="inverted_cdf")``), computed by window functions.
Dialect-neutral: SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Integer,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from gridops.store.engine import write
from gridops.store.queries import TicketScope, _scope_condition
from gridops.store.schema import UTCDateTime, metadata, tickets

log = logging.getLogger(__name__)
t = tickets.c
GROUPS: dict[str, Any] = {
    "unit": t.owner_unit,
    "l1": t.cell_1,
    "l2": t.cell_2,
    "l3": t.cell_3,
    "category": t.category,
    "person": t.assignee,
    "all": literal("all"),
}
#: 主动发现: found by the city's own people on their rounds (监督员 patrols, 网格员), not reported
#: to it (hotline, public, camera, import).
ACTIVE_SOURCES = ("inspector", "grid_worker")
STAGES = ("report_to_dispatch", "dispatch_to_handled", "handled_to_closed")


class seconds_between(FunctionElement[float]):
    """Seconds from the first timestamp to the second (compiled per dialect)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _sqlite_seconds(element: Any, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return (
        f"((julianday({compiler.process(b, **kw)}) - julianday({compiler.process(a, **kw)}))"
        " * 86400.0)"
    )


@compiles(seconds_between, "postgresql")
def _pg_seconds(element: Any, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(b, **kw)} - {compiler.process(a, **kw)}))"


@dataclass(frozen=True)
class StageTime:
    """Durations of one stage, in seconds, over ``n`` tickets."""

    n: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class GroupCounts:
    """The named counts of one group (a unit, a cell, a category)."""

    key: str
    counts: dict[str, int]
    stages: dict[str, StageTime] = field(default_factory=dict)


def count_expressions(
    *, as_of: datetime, dispatch_limit_s: float, satisfied_min: int
) -> dict[str, ColumnElement[Any]]:
    """Each indicator count as a boolean condition over one tickets row.

    The cohort is the tickets *reported* in the period. Registered (立案): past intake and
    verification (a report found absent when verified is void, 不予立案; one that could not be
    verified waits for the dispatcher's decision), neither void nor merged. Dispatched: ever
    dispatched (``dispatched_at`` is the latest dispatch). Work: dispatched or fixed on site.
    Due: work that is handled, closed or past its deadline at ``as_of``. Found actively (主动发现):
    reported by an inspector or a grid worker (their patrols' self-reports included). On time:
    handled/closed no later than the (final) deadline; no deadline (on site) counts as on
    time. Reworked: failed a check at least once.
    """
    not_registered = ("reported", "verifying", "unverified", "void", "duplicate")
    dispatched = t.dispatched_at.is_not(None)
    work = or_(dispatched, t.onsite)  # registered work: dispatched, or fixed on the spot
    due = and_(work, or_(t.handled_at.is_not(None), t.closed_at.is_not(None), t.due_at <= as_of))
    handled = and_(work, t.handled_at.is_not(None))
    closed = and_(work, t.closed_at.is_not(None))
    return {
        "reports": literal(True),
        "registered": t.status.not_in(not_registered),
        "dispatched": dispatched,
        "dispatched_right": and_(dispatched, t.return_count == 0),
        "dispatched_on_time": and_(
            dispatched, seconds_between(t.created_at, t.dispatched_at) <= dispatch_limit_s
        ),
        "due": due,
        "due_not_suspended": and_(due, t.status != "suspended"),
        "handled": handled,
        "handled_on_time": and_(handled, or_(t.due_at.is_(None), t.handled_at <= t.due_at)),
        "closed": closed,
        "closed_on_time": and_(closed, or_(t.due_at.is_(None), t.closed_at <= t.due_at)),
        "reworked": and_(handled, t.rework_count > 0),
        "resolved": or_(t.handled_at.is_not(None), t.closed_at.is_not(None)),
        "resolved_onsite": and_(t.onsite, or_(t.handled_at.is_not(None), t.closed_at.is_not(None))),
        "escalated": and_(dispatched, t.escalation_level > 0),
        "supervised": and_(dispatched, t.supervised),
        "callbacks": t.satisfaction.is_not(None),
        "satisfied": t.satisfaction >= satisfied_min,
        "inspector_reports": t.source == "inspector",
        "valid_inspector_reports": and_(
            t.source == "inspector", not_(t.status.in_(("void", "duplicate")))
        ),
        "found_actively": t.source.in_(ACTIVE_SOURCES),
    }


def _stage_spans() -> dict[str, tuple[Any, Any]]:
    return {
        "report_to_dispatch": (t.created_at, t.dispatched_at),
        "dispatch_to_handled": (t.dispatched_at, t.handled_at),
        "handled_to_closed": (t.handled_at, t.closed_at),
    }


def indicator_counts(
    engine: Engine,
    *,
    by: str,
    start: datetime,
    end: datetime,
    as_of: datetime,
    dispatch_limit_s: float = 1800.0,
    satisfied_min: int = 4,
    stage_times: bool = True,
    scope: TicketScope | None = None,
) -> list[GroupCounts]:
    """Counts for every group with tickets reported in ``[start, end)`` (only those within
    ``scope`` when given), largest first."""
    if by not in GROUPS:
        raise ValueError(f"by must be one of {', '.join(GROUPS)}, got {by!r}")
    key = GROUPS[by].label("key")
    exprs = count_expressions(
        as_of=as_of, dispatch_limit_s=dispatch_limit_s, satisfied_min=satisfied_min
    )
    cols = [func.sum(case((cond, 1), else_=0)).label(name) for name, cond in exprs.items()]
    cols[0] = func.count().label("reports")
    in_period = and_(t.created_at >= start, t.created_at < end)
    if scope is not None:
        in_period = and_(in_period, _scope_condition(scope))
    q = select(key, *cols).where(in_period).group_by(key)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
        stages = _stage_times(conn, GROUPS[by], in_period) if stage_times else {}
    out = [
        GroupCounts(
            key=str(r.key),
            counts={name: int(getattr(r, name) or 0) for name in exprs},
            stages=stages.get(str(r.key), {}),
        )
        for r in rows
    ]
    return sorted(out, key=lambda g: (-g.counts["reports"], g.key))


def _stage_times(conn: Any, group: Any, in_period: Any) -> dict[str, dict[str, StageTime]]:
    """Mean, median and p90 of each stage per group (window functions: rank within group)."""
    out: dict[str, dict[str, StageTime]] = {}
    for stage, (a, b) in _stage_spans().items():
        secs = seconds_between(a, b)
        inner = (
            select(
                group.label("key"),
                secs.label("s"),
                func.row_number().over(partition_by=group, order_by=secs).label("rn"),
                func.count().over(partition_by=group).label("cnt"),
            )
            .where(in_period, a.is_not(None), b.is_not(None), b >= a)
            .subquery()
        )
        low, high = (inner.c.cnt + 1) // 2, (inner.c.cnt + 2) // 2  # the middle one or two
        p90_rank = (inner.c.cnt * 9 + 9) // 10  # ceil(0.9 n): nearest rank
        q = select(
            inner.c.key,
            func.max(inner.c.cnt).label("n"),
            func.avg(inner.c.s).label("mean"),
            func.avg(case((inner.c.rn.between(low, high), inner.c.s))).label("median"),
            func.max(case((inner.c.rn == p90_rank, inner.c.s))).label("p90"),
        ).group_by(inner.c.key)
        for r in conn.execute(q):
            out.setdefault(str(r.key), {})[stage] = StageTime(
                int(r.n), _f(r.mean), _f(r.median), _f(r.p90)
            )
    return out


def _f(v: Any) -> float | None:
    return None if v is None else float(v)


def plain_count(engine: Engine) -> int:
    """``SELECT count(*)`` over the tickets table: the benchmark's same-run baseline."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tickets)).scalar_one())


# -- daily rollups ---------------------------------------------------------------------------
# One row per (dimension, local day, key) holding every count and the stage-time sums, so that
# a report over whole days reads a few thousand narrow rows instead of every ticket. A periodic
# stage keeps them current: days whose tickets changed since the last refresh are recomputed.

DIMS = ("unit", "l1", "l2", "category")
ROLLUP_NAMES = (
    "reports", "registered", "dispatched", "dispatched_right", "dispatched_on_time", "due",
    "due_not_suspended", "handled", "handled_on_time", "closed", "closed_on_time", "reworked",
    "resolved", "resolved_onsite", "escalated", "supervised", "callbacks", "satisfied",
    "inspector_reports", "valid_inspector_reports", "found_actively",
)  # fmt: skip
ticket_rollups = Table(
    "ticket_rollups",
    metadata,
    Column("dim", String(10), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("key", String(100), primary_key=True),
    *(Column(c, Integer, nullable=False) for c in ROLLUP_NAMES),
    *(Column(f"{s}_n", Integer, nullable=False) for s in STAGES),
    *(Column(f"{s}_s", Float, nullable=False) for s in STAGES),
    sqlite_with_rowid=False,  # clustered by (dim, day, key): a period is one range read
)
rollup_state = Table(
    "rollup_state",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("refreshed_at", UTCDateTime, nullable=False),
    Column("params", Text, nullable=False),
)


LOOKBACK = timedelta(minutes=5)
#: Rollups are kept for local days from FIRST_DAY to tomorrow. A ticket dated outside (year
#: 9999 from a typo) is bad data: its day is skipped with a warning, never built day by day.
FIRST_DAY = date(1900, 1, 1)


@dataclass(frozen=True)
class RollupParams:
    """What the counts depend on besides the tickets (from config/indicators.yaml)."""

    dispatch_limit_s: float = 1800.0
    satisfied_min: int = 4

    def text(self) -> str:
        return f"dispatch_limit_s={self.dispatch_limit_s:g};satisfied_min={self.satisfied_min}"


def refresh_rollups(
    engine: Engine,
    *,
    now: datetime,
    params: RollupParams,
    tz: str = "Asia/Shanghai",
    days: Iterable[date] | None = None,
) -> int:
    """Recompute the rollups of ``days``, or of every day whose tickets changed (or passed a
    deadline) since the last refresh — all days on the first run or when ``params`` changed.
    Returns the number of days recomputed. Safe to run twice."""
    zone = ZoneInfo(tz)
    last = now.astimezone(zone).date() + timedelta(days=1)
    with write(engine) as conn:
        state = conn.execute(select(rollup_state).where(rollup_state.c.name == "daily")).first()
        if days is not None:
            todo = _kept(set(days), last)
        elif state is None or state.params != params.text():
            todo = _all_days(conn, zone, last)
        else:
            since = state.refreshed_at - LOOKBACK  # writes committed late with an earlier now
            changed = or_(t.updated_at > since, and_(t.open_due_at > since, t.open_due_at <= now))
            created = conn.execute(select(t.created_at).where(changed)).scalars()
            todo = _kept({_local_day(c, zone) for c in created}, last)
        for day in sorted(todo):
            _rebuild_day(conn, day, zone, now, params)
        values = {"refreshed_at": now, "params": params.text()}
        if state is None:
            conn.execute(rollup_state.insert().values(name="daily", **values))
        elif days is None:
            conn.execute(
                rollup_state.update().where(rollup_state.c.name == "daily").values(**values)
            )
    return len(todo)


def _local_day(at: datetime, zone: ZoneInfo) -> date | None:
    """The local day of ``at``; None when it has none (year 9999 shifted past the calendar)."""
    try:
        return at.astimezone(zone).date()
    except OverflowError:
        return None


def _kept(days: set[date | None], last: date) -> set[date]:
    """The days from FIRST_DAY to ``last``; the others are logged and left out."""
    kept = {d for d in days if d is not None and FIRST_DAY <= d <= last}
    if len(kept) < len(days):
        odd = sorted(str(d) if d else "after 9999-12-31" for d in days if d not in kept)
        log.warning(
            "daily rollups: %d day(s) outside %s .. %s skipped (%s): tickets dated there "
            "are bad data; correct or void them", len(odd), FIRST_DAY, last, ", ".join(odd[:5]),
        )  # fmt: skip
    return kept


def _all_days(conn: Connection, zone: ZoneInfo, last: date) -> set[date]:
    """Every day from FIRST_DAY to ``last`` that holds tickets, one indexed look-up per day
    (not every day between the first ticket and the last). Days outside are logged."""
    days: set[date] = set()
    start, end = (datetime.combine(d, time(0), zone).astimezone(UTC)
                  for d in (FIRST_DAY, last + timedelta(days=1)))  # fmt: skip
    first_after = select(func.min(t.created_at)).where(
        t.created_at >= bindparam("at", type_=UTCDateTime), t.created_at < end
    )
    at = start
    while (found := conn.execute(first_after, {"at": at}).scalar()) is not None:
        day = found.astimezone(zone).date()
        days.add(day)
        at = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    outside = conn.execute(
        select(t.created_at).where(or_(t.created_at < start, t.created_at >= end)).limit(100)
    ).scalars()
    _kept({_local_day(c, zone) for c in outside}, last)  # only logs them: none is kept
    return days


def _rebuild_day(
    conn: Connection, day: date, zone: ZoneInfo, now: datetime, params: RollupParams
) -> None:
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    in_day = and_(t.created_at >= start, t.created_at < start + timedelta(days=1))
    exprs = count_expressions(
        as_of=now, dispatch_limit_s=params.dispatch_limit_s, satisfied_min=params.satisfied_min
    )
    sums = [func.sum(case((cond, 1), else_=0)) for cond in exprs.values()]
    stage_cols: list[Any] = []
    for a, b in _stage_spans().values():
        done = and_(a.is_not(None), b.is_not(None), b >= a)
        stage_cols.append(func.sum(case((done, 1), else_=0)))
        stage_cols.append(func.coalesce(func.sum(case((done, seconds_between(a, b)))), 0.0))
    names = [*exprs, *(f"{s}_{x}" for s in STAGES for x in ("n", "s"))]
    label = day.isoformat()
    conn.execute(ticket_rollups.delete().where(ticket_rollups.c.day == label))
    for dim in DIMS:
        key = GROUPS[dim]
        q = select(literal(dim), literal(label), key, *sums, *stage_cols).where(in_day)
        conn.execute(
            ticket_rollups.insert().from_select(["dim", "day", "key", *names], q.group_by(key))
        )


def rollup_counts(engine: Engine, *, by: str, first: date, after: date) -> list[GroupCounts]:
    """Counts per group from the rollups of days ``first`` ≤ day < ``after`` (stage times: n
    and mean only), largest first."""
    if by not in DIMS:
        raise ValueError(f"rollups hold {', '.join(DIMS)}, not {by!r}")
    r = ticket_rollups.c
    cols = [func.sum(r[c]).label(c) for c in ROLLUP_NAMES]
    cols += [func.sum(r[f"{s}_{x}"]).label(f"{s}_{x}") for s in STAGES for x in ("n", "s")]
    q = (
        select(r.key, *cols)
        .where(r.dim == by, r.day >= first.isoformat(), r.day < after.isoformat())
        .group_by(r.key)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    out = []
    for row in rows:
        stages = {}
        for s in STAGES:
            n = int(getattr(row, f"{s}_n") or 0)
            total = float(getattr(row, f"{s}_s") or 0.0)
            stages[s] = StageTime(n, total / n if n else None)
        counts = {c: int(getattr(row, c) or 0) for c in ROLLUP_NAMES}
        out.append(GroupCounts(str(row.key), counts, stages))
    return sorted(out, key=lambda g: (-g.counts["reports"], g.key))


def rollups_fresh(engine: Engine, params: RollupParams) -> bool:
    """True when the rollups exist and were built with these params."""
    with engine.connect() as conn:
        state = conn.execute(select(rollup_state).where(rollup_state.c.name == "daily")).first()
    return state is not None and state.params == params.text()
