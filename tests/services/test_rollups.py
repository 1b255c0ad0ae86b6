"""The rollups stage keeps the daily rollups in step with the tickets."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from gridops.metrics.config import load_indicator_config
from gridops.services.intake import submit
from gridops.services.rollups import refresh
from gridops.store.rollups import rollup_counts
from gridops.tickets import Role

from .conftest import NOW, report_at, some_cells


def test_refresh_counts_new_reports_and_only_recomputes_changed_days(ctx) -> None:
    config = load_indicator_config(ctx.settings.config_dir / "indicators.yaml")
    cells = some_cells(ctx, 3)
    submit(ctx, [report_at(ctx, c) for c in cells], actor="gw-1", role=Role.GRID_WORKER, now=NOW)
    assert refresh(ctx, config, now=NOW + timedelta(seconds=1)) >= 1
    day = NOW.astimezone(ZoneInfo(ctx.settings.timezone)).date()
    by_l1 = rollup_counts(ctx.store.engine, by="l1", first=day, after=day + timedelta(days=1))
    assert sum(g.counts["reports"] for g in by_l1) == 3
    # once past the 5-minute look-back for late commits, an idle run recomputes nothing
    refresh(ctx, config, now=NOW + timedelta(minutes=10))
    assert refresh(ctx, config, now=NOW + timedelta(minutes=20)) == 0
