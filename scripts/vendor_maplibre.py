"""Vendor MapLibre GL JS into the console's static files (``make vendor``).

Fetches the pinned release from the npm registry with ``npm pack``, refuses it unless its
sha512 equals the integrity pinned below (the one ``npm view maplibre-gl@VERSION dist.integrity``
gives), and copies the browser build and its licence into
``gridops/web/console/static/maplibre-gl/`` with a SHA256SUMS file, which
tests/console/test_map_vendor.py checks on every run. The copied files are committed, so
``make test`` on a fresh clone needs no network; run this again only to change the version.

    python scripts/vendor_maplibre.py            # fetch, check, copy
    python scripts/vendor_maplibre.py --check    # only check the committed copy
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "maplibre-gl"
VERSION = "6.20.0"
INTEGRITY = (
    "sha512-"
    "7manvqXeNoN0mKRzenYDopkb3VW9j7iag45RvopkOVFZ7c+La7CBWtK8eBS5bKrI6NyxqAIxPxIG1PMcotcY1w=="
)
FILES = (
    "dist/maplibre-gl.mjs",
    "dist/maplibre-gl-worker.mjs",
    "dist/maplibre-gl.css",
    "LICENSE.txt",
)
DEST = Path(__file__).resolve().parent.parent / "gridops/web/console/static/maplibre-gl"


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def sums(folder: Path) -> str:
    names = sorted(Path(f).name for f in FILES)
    return "".join(f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n" for n in names)


def fetch() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", tmp, "--silent"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tgz = Path(tmp) / f"{PACKAGE}-{VERSION}.tgz"
        got = integrity_of(tgz.read_bytes())
        if got != INTEGRITY:
            sys.exit(f"{tgz.name}: integrity {got} is not the pinned {INTEGRITY}; nothing copied")
        DEST.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tar:
            for name in FILES:
                member = tar.extractfile(f"package/{name}")
                assert member is not None, name
                (DEST / Path(name).name).write_bytes(member.read())
    (DEST / "SHA256SUMS").write_text(sums(DEST))
    (DEST / "VERSION").write_text(f"{PACKAGE}@{VERSION} {INTEGRITY}\n")
    print(f"{PACKAGE}@{VERSION} copied to {DEST}")


def check() -> None:
    want = (DEST / "SHA256SUMS").read_text()
    if sums(DEST) != want:
        sys.exit(f"{DEST}: files differ from SHA256SUMS; run `make vendor`")
    print(f"{PACKAGE}@{VERSION}: the committed copy matches SHA256SUMS")


if __name__ == "__main__":
    check() if "--check" in sys.argv[1:] else fetch()
