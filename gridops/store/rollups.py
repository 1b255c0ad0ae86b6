"""Grouped indicator counts (评价指标 统计) in one SQL aggregation over the tickets table.

Every count is a ``SUM(CASE …)`` over the indexed indicator columns of the tickets reported in
``[start, end)``, grouped by unit, level-1/2/3 cell or category: no ticket is loaded into
Python. Stage times (report → dispatch → handled → closed) come with their mean, median and
p90 (nearest rank) computed by window functions. Dialect-neutral: SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Float,
    and_,
    case,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from gridops.store.schema import tickets

t = tickets.c
GROUPS: dict[str, Any] = {
    "unit": t.owner_unit,
    "l1": t.cell_1,
    "l2": t.cell_2,
    "l3": t.cell_3,
    "category": t.category,
    "all": literal("all"),
}
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
    """Each indicator count as a boolean condition over one tickets row."""
    not_registered = ("reported", "verifying", "void", "duplicate")
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
) -> list[GroupCounts]:
    """Counts for every group with tickets reported in ``[start, end)``, largest first."""
    if by not in GROUPS:
        raise ValueError(f"by must be one of {', '.join(GROUPS)}, got {by!r}")
    key = GROUPS[by].label("key")
    exprs = count_expressions(
        as_of=as_of, dispatch_limit_s=dispatch_limit_s, satisfied_min=satisfied_min
    )
    cols = [func.sum(case((cond, 1), else_=0)).label(name) for name, cond in exprs.items()]
    cols[0] = func.count().label("reports")
    in_period = and_(t.created_at >= start, t.created_at < end)
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
        median_rank = (inner.c.cnt + 1) // 2  # nearest rank: integer division
        p90_rank = (inner.c.cnt * 9 + 9) // 10  # ceil(0.9 n)
        q = select(
            inner.c.key,
            func.max(inner.c.cnt).label("n"),
            func.avg(inner.c.s).label("mean"),
            func.max(case((inner.c.rn == median_rank, inner.c.s))).label("median"),
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
