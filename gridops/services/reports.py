"""Indicator reports (考核): the counts of every indicator over the tickets reported in a
period, grouped by unit, grid level, person, category or all, within a ticket scope — the one
place the supervisor's desk, its map and the trend read them from (the SQL is in
:mod:`gridops.store.rollups`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gridops.metrics import IndicatorConfig, ReportRow, build_report
from gridops.metrics.periods import Period
from gridops.store.queries import TicketScope, count_closed_between
from gridops.store.rollups import (
    DIMS,
    GroupCounts,
    RollupParams,
    indicator_counts,
    refresh_rollups,
    rollup_counts,
)

__all__ = ["GroupCounts", "closures", "grouped_counts", "indicator_rows", "period_counts"]


def grouped_counts(
    store: Any,
    config: IndicatorConfig,
    *,
    by: str,
    period: Period,
    now: datetime,
    scope: TicketScope | None = None,
) -> list[GroupCounts]:
    """Indicator counts grouped ``by`` (unit, l1, l2, l3, person, category, all) over the
    tickets reported in ``period`` (as of ``now`` for a period not yet over), within ``scope``
    when given; largest group first."""
    return indicator_counts(
        store.engine,
        by=by,
        start=period.start,
        end=period.end,
        as_of=period.as_of(now),
        dispatch_limit_s=config.dispatch_limit_minutes * 60,
        satisfied_min=config.satisfied_min,
        stage_times=False,
        scope=scope,
    )


def indicator_rows(
    store: Any,
    config: IndicatorConfig,
    *,
    by: str,
    period: Period,
    now: datetime,
    scope: TicketScope | None = None,
    names: Mapping[str, tuple[str, str]] | None = None,
) -> list[ReportRow]:
    """The report's rows (every indicator with its n, the composite score) of
    :func:`grouped_counts`."""
    groups = grouped_counts(store, config, by=by, period=period, now=now, scope=scope)
    return build_report(groups, config, names or {})


def period_counts(
    store: Any, config: IndicatorConfig, *, by: str, period: Period, now: datetime, tz: str,
    exact: bool = False,
) -> tuple[list[GroupCounts], int]:  # fmt: skip
    """``gridops report``'s counts and how many days of rollups were recomputed for them: by
    unit, l1, l2 and category from the daily rollups (brought up to date first: only days
    whose tickets changed); by l3, person or all, or ``exact``, from the tickets themselves."""
    params = RollupParams(config.dispatch_limit_minutes * 60, config.satisfied_min)
    if exact or by not in DIMS:
        groups = indicator_counts(
            store.engine, by=by, start=period.start, end=period.end, as_of=now,
            dispatch_limit_s=params.dispatch_limit_s, satisfied_min=params.satisfied_min,
        )  # fmt: skip
        return groups, 0
    days = refresh_rollups(store.engine, now=now, params=params, tz=tz)
    first, after = period.days(tz)
    return rollup_counts(store.engine, by=by, first=first, after=after), days


def closures(store: Any, period: Period, scope: TicketScope | None = None) -> int:
    """Tickets closed within ``period``, whenever they were reported (within ``scope``): what a
    day's "closed" means on the wall, unlike the indicators' closed-of-those-reported."""
    return count_closed_between(store, period.start, period.end, scope)
