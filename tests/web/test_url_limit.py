"""A URL over 8 KiB (path + query) is a 414 in the route's error shape, from the real app on
uvicorn over a real socket (HTTP clients refuse to send a 64 KB URL themselves)."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from live import serving

from gridops.web.url_limit import MAX_URL


@pytest.fixture
def port(app: FastAPI) -> Iterator[int]:
    with serving(app) as base:
        yield int(base.rsplit(":", 1)[1])


def get(port: int, target: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``target`` as raw HTTP/1.1; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_a_64_kb_url_is_a_414_in_the_routes_error_shape(port: int) -> None:
    long_query = "service_request_id=" + "E0102202611240000," * 3640  # ~64 KB
    status, headers, body = get(port, f"/open311/v2/requests.json?{long_query}")
    assert status == 414 and headers["content-type"].startswith("application/json")
    [error] = json.loads(body)
    assert error["code"] == 414 and "at most 8192 allowed" in error["description"]
    status, _, body = get(port, f"/open311/v2/requests.xml?{long_query}")
    assert status == 414 and ET.fromstring(body).find("error/code").text == "414"  # type: ignore[union-attr]
    status, _, body = get(port, "/api/v1/tickets/" + "x" * 65536)
    assert status == 414 and "URL is 65552 bytes long" in json.loads(body)["detail"]


def test_a_url_at_the_limit_is_served(port: int) -> None:
    target = "/open311/v2/services.json?x="
    status, _, _ = get(port, target + "a" * (MAX_URL - len(target)))
    assert status == 200
    status, _, _ = get(port, target + "a" * (MAX_URL - len(target) + 1))
    assert status == 414
