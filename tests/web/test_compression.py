"""Responses worth compressing go out gzipped to clients that accept it; small ones as they are."""

from __future__ import annotations

import gzip

from fastapi.testclient import TestClient


def test_large_documents_are_gzipped_and_small_ones_are_not(client: TestClient) -> None:
    big = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert big.status_code == 200 and big.headers["content-encoding"] == "gzip"
    assert big.json()["info"]["title"]  # httpx decodes it: a valid body
    services = client.get("/open311/v2/services.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in services.headers  # a client that did not ask gets plain
    small = client.get("/open311/v2/services/nope.json", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 404 and "content-encoding" not in small.headers
    assert len(gzip.compress(big.content)) < len(big.content)  # it was worth it
