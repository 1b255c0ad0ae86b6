"""The `georeport` client (PyPI, 0.3.1) reads our documents as they are, over real HTTP.

A tiny HTTP server on 127.0.0.1 (a free port, in a thread) serves rendered documents; the
client's own methods fetch and parse them, in JSON and in XML (xmltodict).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from gridops.web.open311.errors import Open311Error
from gridops.web.open311.formats import (
    AttributeValue,
    Document,
    Format,
    Open311Attribute,
    Open311Request,
    Open311Service,
    Open311ServiceDefinition,
    render_error,
    render_requests,
    render_service_definition,
    render_services,
)
from gridops.web.open311.params import parse_request_query

georeport = pytest.importorskip("georeport")
requests = pytest.importorskip("requests")

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SERVICES = [
    Open311Service("01-03", "道路破损", "road damage", True, keywords=("road",), group="市容"),
    Open311Service("02-01", "暴露垃圾", "exposed rubbish"),
]
DEFINITION = Open311ServiceDefinition(
    "01-03",
    (
        Open311Attribute(
            "kind",
            "singlevaluelist",
            "类型",
            required=True,
            values=(AttributeValue("hole", "坑洞"), AttributeValue("crack", "裂缝")),
        ),
        Open311Attribute("depth", "number", "深度 (cm)", order=2),
    ),
)
REQUESTS = {
    r.service_request_id: r
    for r in [
        Open311Request(
            "E0102261122000001",
            "open",
            "01-03",
            service_name="道路破损",
            description="人行道破损 & 积水",
            agency_responsible="张江镇城运分中心",
            requested_datetime=NOW - timedelta(days=1),
            lat=31.2035,
            long=121.5905,
        ),
        Open311Request(
            "E0102261122000002",
            "closed",
            "02-01",
            status_notes="已清运",
            requested_datetime=NOW - timedelta(days=2),
            address="锦绣路 1 号",
        ),
    ]
}


def answer(path: str, query: list[tuple[str, str]]) -> Document:
    """What the routes will do, in miniature: parse, select, render."""
    stem, _, suffix = path.removeprefix("/open311/v2/").rpartition(".")
    fmt = Format.from_suffix(suffix)
    try:
        if stem == "services":
            return render_services(SERVICES, fmt)
        if stem == "services/01-03":
            return render_service_definition(DEFINITION, fmt)
        if stem == "requests":
            q = parse_request_query(query, now=NOW)
            chosen = [
                r
                for r in REQUESTS.values()
                if (not q.service_request_ids or r.service_request_id in q.service_request_ids)
                and (not q.statuses or r.status in q.statuses)
            ]
            return render_requests(chosen, fmt)
        if stem.startswith("requests/") and stem.removeprefix("requests/") in REQUESTS:
            return render_requests([REQUESTS[stem.removeprefix("requests/")]], fmt)
        raise Open311Error(404, f"{stem!r} not found")
    except Open311Error as e:
        return render_error(e, fmt)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        doc = answer(url.path, parse_qsl(url.query))
        self.send_response(doc.status)
        self.send_header("Content-Type", doc.media_type)
        self.send_header("Content-Length", str(len(doc.body)))
        self.end_headers()
        self.wfile.write(doc.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/open311/v2"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(params=["json", "xml"])
def client(request: pytest.FixtureRequest, root: str) -> Any:
    return georeport.GeoReport(root, output_format=request.param)


def text(value: object) -> str | None:
    """Compare JSON (typed) and XML (text) answers on the same footing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_service_list(client: Any) -> None:
    services = client.get_service_list()
    assert [s["service_code"] for s in services] == ["01-03", "02-01"]
    assert text(services[0]["metadata"]) == "true"
    assert services[0]["service_name"] == "道路破损" and services[1]["group"] is None


def test_service_definition(client: Any) -> None:
    definition = client.get_service_definition("01-03")
    assert definition["service_code"] == "01-03"
    attributes = definition["attributes"]
    if client.output_format == "xml":
        attributes = attributes["attribute"]
        values = attributes[0]["values"]["value"]
    else:
        values = attributes[0]["values"]
    assert [a["code"] for a in attributes] == ["kind", "depth"]
    assert [v["key"] for v in values] == ["hole", "crack"]
    assert text(attributes[0]["required"]) == "true"


def test_service_requests_with_filters(client: Any) -> None:
    both = client.get_service_requests()
    assert {r["service_request_id"] for r in both} == set(REQUESTS)
    opened = client.get_service_requests(status="open")
    if client.output_format == "xml":  # xmltodict gives a dict for a single <request>
        opened = [opened]
    assert [r["service_request_id"] for r in opened] == ["E0102261122000001"]
    only = client.get_service_requests(service_request_id="E0102261122000002")
    if client.output_format == "xml":
        only = [only]
    assert only[0]["status_notes"] == "已清运"


def test_single_request_matches_our_values(client: Any) -> None:
    got = client.get_service_request("E0102261122000001")
    want = REQUESTS["E0102261122000001"]
    assert got["description"] == "人行道破损 & 积水"
    assert float(got["lat"]) == want.lat and float(got["long"]) == want.long
    assert got["requested_datetime"] == "2026-11-21T10:00:00+00:00"
    assert got["media_url"] is None and got["address"] is None


def test_errors_reach_the_client_as_http_errors(client: Any) -> None:
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_requests(status="fixed")
    response = caught.value.response
    assert response.status_code == 400
    assert "status 'fixed' must be open or closed" in response.text
    with pytest.raises(requests.HTTPError) as missing:
        client.get_service_request("E404")
    assert missing.value.response.status_code == 404
