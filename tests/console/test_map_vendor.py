"""MapLibre GL JS as vendored by scripts/vendor_maplibre.py: the committed copy is the one its
SHA256SUMS names, pinned to the npm integrity in the script, with its licence; the console
serves it from this server (JavaScript modules, the licence) and nothing else by that path."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "gridops/web/console/static/maplibre-gl"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("vendor", ROOT / "scripts/vendor_maplibre.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_copy_matches_its_sums_and_pin() -> None:
    script = _script()
    sums = (FOLDER / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == len(script.FILES)
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((FOLDER / name).read_bytes()).hexdigest() == digest, name
    version = (FOLDER / "VERSION").read_text().split()
    assert version == [f"maplibre-gl@{script.VERSION}", script.INTEGRITY]
    assert "MapLibre contributors" in (FOLDER / "LICENSE.txt").read_text()


def test_served_as_modules_with_the_licence(client: TestClient) -> None:
    r = client.get("/console/static/maplibre-gl/maplibre-gl.mjs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.content == (FOLDER / "maplibre-gl.mjs").read_bytes()
    r = client.get("/console/static/maplibre-gl/maplibre-gl-worker.mjs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert client.get("/console/static/maplibre-gl/LICENSE.txt").status_code == 200
    assert client.get("/console/static/map/map.js").status_code == 200
    for name in ("SHA256SUMS", "..%2Fconsole.js", "maplibre-gl.mjs.map"):
        assert client.get(f"/console/static/maplibre-gl/{name}").status_code == 404
