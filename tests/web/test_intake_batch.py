"""Concurrent Open311 POSTs share submit calls, and each still gets its own answer."""

from __future__ import annotations

import asyncio

import pytest

from gridops.services.context import ServiceContext
from gridops.services.intake import IntakeReport
from gridops.web.intake_batch import IntakeBatcher

from .conftest import LUJIAZUI_L3, NOW, wgs84_point_in


def test_concurrent_reports_share_a_submit_and_a_bad_one_fails_alone(ctx: ServiceContext) -> None:
    from gridops.services.errors import OutsideGrid

    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    good = IntakeReport("E0102", lon, lat, description="ok")
    outside = IntakeReport("E0102", 116.4, 39.9)
    batcher = IntakeBatcher(lambda: ctx, lambda: NOW)

    async def main() -> list[object]:
        first = asyncio.ensure_future(batcher.submit(good, actor="apikey:a"))
        await asyncio.sleep(0)  # the first drains alone; the rest wait behind it
        rest = [batcher.submit(r, actor="apikey:a") for r in (good, outside, good)]
        return [await first, *await asyncio.gather(*rest, return_exceptions=True)]

    results = asyncio.run(main())
    assert isinstance(results[2], OutsideGrid)
    numbers = [t.number for t in (results[0], results[1], results[3])]  # type: ignore[attr-defined]
    assert len(set(numbers)) == 3 and ctx.store.count() == 3
    assert batcher.batches == 1 + 1 + 3  # alone; the batch of three refused; each retried


def test_a_lone_report_is_submitted_at_once(ctx: ServiceContext) -> None:
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    batcher = IntakeBatcher(lambda: ctx, lambda: NOW)
    made = asyncio.run(batcher.submit(IntakeReport("E0102", lon, lat), actor="apikey:a"))
    assert made.status.value == "reported" and batcher.batches == 1
    with pytest.raises(Exception, match="category"):
        asyncio.run(batcher.submit(IntakeReport("NOPE", lon, lat), actor="apikey:a"))
