"""The indicator report service (gridops.services.reports) on SQLite and PostgreSQL: counts
grouped by 街镇 over the tickets reported in a period, within a scope when given, and the
report's rows with each rate and its n."""

from __future__ import annotations

from datetime import timedelta

from gridops.metrics import load_indicator_config
from gridops.metrics.periods import parse_period
from gridops.services.intake import submit
from gridops.services.reports import grouped_counts, indicator_rows
from gridops.store.queries import TicketScope
from gridops.tickets import Role, Source

from .conftest import NOW, report_at

LUJIAZUI, WEIFANG = "310115005001001", "310115004001001"


def test_counts_and_rows_by_street_within_the_period_and_scope(ctx) -> None:
    config = load_indicator_config(ctx.settings.config_dir / "indicators.yaml")
    made = [report_at(ctx, LUJIAZUI), report_at(ctx, LUJIAZUI, source=Source.PUBLIC),
            report_at(ctx, WEIFANG)]  # fmt: skip
    submit(ctx, made, actor="gw-1", role=Role.GRID_WORKER, now=NOW)
    old = report_at(ctx, WEIFANG, description="上个月")
    submit(ctx, [old], actor="gw-1", role=Role.GRID_WORKER, now=NOW - timedelta(days=40))
    month = parse_period("2026-11", ctx.settings.timezone)
    groups = {g.key: g.counts for g in
              grouped_counts(ctx.store, config, by="l1", period=month, now=NOW)}  # fmt: skip
    assert {k: c["reports"] for k, c in groups.items()} == {"310115005": 2, "310115004": 1}
    assert groups["310115005"]["found_actively"] == 1  # the grid worker's, not the public's
    rows = {r.key: r for r in indicator_rows(ctx.store, config, by="l1", period=month, now=NOW)}
    discovery = rows["310115005"].rates["active_discovery"]
    assert discovery.value == 0.5 and discovery.n == 2
    only = TicketScope(cells=frozenset({"310115004"}))
    scoped = grouped_counts(ctx.store, config, by="l1", period=month, now=NOW, scope=only)
    assert [g.key for g in scoped] == ["310115004"]
