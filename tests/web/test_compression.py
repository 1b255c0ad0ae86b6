"""Console, API and OpenAPI answers over 1 KiB go out gzipped to clients that accept them;
Open311 POSTs (machine clients, small forms, a receipt back) and event streams are left
alone."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_pages_and_documents_are_gzipped_and_open311_is_not(client: TestClient) -> None:
    big = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert big.status_code == 200 and big.headers["content-encoding"] == "gzip"
    assert big.json()["info"]["title"]  # httpx decodes it: a valid body
    plain = client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers  # a client that did not ask gets plain
    services = client.get("/open311/v2/services.json", headers={"Accept-Encoding": "gzip"})
    assert services.headers["content-encoding"] == "gzip"  # an Open311 search or list
    receipt = client.post("/open311/v2/requests.json", data={"service_code": "E0102"},
                          headers={"Accept-Encoding": "gzip"})  # fmt: skip
    assert receipt.status_code in (400, 403) and "content-encoding" not in receipt.headers
    assert int(big.headers["content-length"]) < len(big.content) // 3  # what went over the wire


def test_which_requests_may_be_compressed() -> None:
    from gridops.web.app import PagesGZip

    gz = PagesGZip(app=None)  # type: ignore[arg-type]
    asks = {
        ("GET", "/console/dispatch"): True,
        ("GET", "/api/v1/queues/new"): True,
        ("GET", "/openapi.json"): True,
        ("GET", "/open311/v2/requests.json"): True,
        ("POST", "/open311/v2/requests.json"): False,
        ("GET", "/media/ab/abcdef.jpg"): False,
        ("GET", "/metrics"): False,
    }
    assert {k: gz.wanted({"method": k[0], "path": k[1]}) for k in asks} == asks
    sse = {"method": "GET", "path": "/console/dispatch/stream",
           "headers": [(b"accept", b"text/event-stream")]}  # fmt: skip
    assert not gz.wanted(sse)  # the console's live stream: events leave one by one
