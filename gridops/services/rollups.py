"""The rollups stage (日汇总): keeps the daily indicator rollups current for `gridops report`
and the supervisor dashboard.

Periodic: each run recomputes only the days whose tickets changed or passed a deadline since the
last run (gridops.store.rollups.refresh_rollups), so a run is cheap when little happened.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gridops.metrics.config import IndicatorConfig, load_indicator_config
from gridops.queue import process_cached
from gridops.services.context import ServiceContext, current
from gridops.store.rollups import RollupParams, refresh_rollups


@process_cached
def _indicator_config() -> IndicatorConfig:
    return load_indicator_config(current().settings.config_dir / "indicators.yaml")


def refresh(ctx: ServiceContext, config: IndicatorConfig, *, now: datetime) -> int:
    """Recompute the stale days' rollups; returns how many days were recomputed."""
    params = RollupParams(config.dispatch_limit_minutes * 60, config.satisfied_min)
    return refresh_rollups(ctx.store.engine, now=now, params=params, tz=ctx.settings.timezone)


def process_batch(limit: int) -> int:
    """The stage function. Returns 0: one run does all stale days, nothing to re-kick for."""
    refresh(current(), _indicator_config(), now=datetime.now(UTC))
    return 0
