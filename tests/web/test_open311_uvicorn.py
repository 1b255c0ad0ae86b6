"""The real app served by uvicorn on a free port, driven over real HTTP by the `georeport`
client (GETs, as the library ships them) and by form-encoded POSTs with an api_key (georeport
0.3.1 has no POST or token call; `requests` sends exactly what an Open311 client sends)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from live import serving

from gridops.services.context import ServiceContext

from .conftest import LUJIAZUI_L3, wgs84_point_in

georeport = pytest.importorskip("georeport")
requests = pytest.importorskip("requests")


@pytest.fixture
def root(app: FastAPI) -> Iterator[str]:
    with serving(app) as base:
        yield f"{base}/open311/v2"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_client_library_over_real_http(
    root: str, ctx: ServiceContext, api_key: str, fmt: str
) -> None:
    client: Any = georeport.GeoReport(root, output_format=fmt, api_key=api_key)
    services = client.get_service_list()
    assert "E0102" in [s["service_code"] for s in services]
    definition = client.get_service_definition("E0102")
    assert definition["service_code"] == "E0102"

    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": api_key, "service_code": "E0102", "lat": lat, "long": lon,
            "description": "暴露垃圾 <&>", "email": "a@example.com"}  # fmt: skip
    posted = requests.post(f"{root}/requests.{fmt}", data=form, timeout=10)
    assert posted.status_code == 200, posted.text
    if fmt == "json":
        number = posted.json()[0]["service_request_id"]
    else:
        import xmltodict

        number = xmltodict.parse(posted.content)["service_requests"]["request"][
            "service_request_id"
        ]

    got = client.get_service_request(number)
    assert got["service_request_id"] == number and got["status"] == "open"
    assert got["description"] == "暴露垃圾 <&>"
    assert float(got["lat"]) == pytest.approx(lat, abs=1e-6)
    listed = client.get_service_requests(status="open")
    if fmt == "xml":
        listed = [listed] if isinstance(listed, dict) else listed
    assert [r["service_request_id"] for r in listed] == [number]

    ticket = ctx.store.get_by_number(number)
    token = requests.get(f"{root}/tokens/{ticket.id}.{fmt}", timeout=10)
    assert token.status_code == 200 and number in token.text

    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_requests(status="fixed")
    assert refused.value.response.status_code == 400
    denied = requests.post(f"{root}/requests.{fmt}", data=form | {"api_key": "x"}, timeout=10)
    assert denied.status_code == 403
