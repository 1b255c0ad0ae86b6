"""/metrics: tickets by status, RQ queue depths, intake and stage latency histograms."""

from __future__ import annotations

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from .conftest import LUJIAZUI_L3, NOW, TestClient, wgs84_point_in


def test_metrics_after_intake_and_routing(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": api_key, "service_code": "E0102", "lat": str(lat), "long": str(lon)}
    for _ in range(3):
        assert client.post("/open311/v2/requests.json", data=form).status_code == 200
    route_batch(ctx, 10, now=NOW)
    text = client.get("/metrics").text
    assert 'gridops_tickets{status="dispatched"} 1.0' in text  # the others merged as duplicates
    assert 'gridops_intake_seconds_count{channel="open311"} 3.0' in text
    assert 'gridops_stage_seconds_count{stage="dispatch"} 1.0' in text
    assert 'gridops_stage_seconds_bucket{le="60.0",stage="dispatch"} 1.0' in text
    assert "gridops_queue_jobs{" in text


def test_a_metrics_token_closes_metrics_to_everyone_else(tmp_path, redis_server: str,
                                                         redis_conn: object) -> None:  # fmt: skip
    from gridops.services.context import build_context
    from gridops.settings import load_settings
    from gridops.web.app import create_app

    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_server,
           "GRIDOPS_METRICS_TOKEN": "scrape-secret-1"}  # fmt: skip
    context = build_context(load_settings(env))
    try:
        with TestClient(create_app(context, clock=lambda: NOW)) as client:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "x"}):
                refused = client.get("/metrics", headers=headers)
                assert refused.status_code == 401, headers
                assert "GRIDOPS_METRICS_TOKEN" in refused.json()["detail"]
                assert "gridops_tickets" not in refused.text
            allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"})
            assert allowed.status_code == 200 and "gridops_tickets" in allowed.text
    finally:
        context.close()


def test_without_a_token_metrics_stay_open(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 200
