"""The totality proof, run once per content (证明缓存).

Every process that loads the configuration proves it total (every level-3 cell × category has
an owner) before it serves: at city scale (120 k cells) that proof is most of a process's
start. Its verdict depends only on the grid's files, the configuration's files and the code
that routes; so once a process has proved a content, it records the verdict under the
SHA-256 of all three in ``<data dir>/cache/`` (0700, files 0600), and a process that finds it
loads the configuration without proving it again (:func:`load_proven_ops_config`). Any change
to a layer, a YAML file or gridops/org's code makes a new key, and the proof runs again.
``gridops config check`` always runs the whole proof.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

from gridops.datadir import private_dir, write_private
from gridops.grids import Grid
from gridops.grids.spec import read_spec
from gridops.org import OpsConfig, load_ops_config

log = logging.getLogger(__name__)

ORG_CODE = Path(__file__).resolve().parent.parent / "org"


def _grid_files(grid_path: Path) -> Iterator[Path]:
    spec = read_spec(grid_path)
    yield spec.path
    for layer in (*spec.levels, *spec.overlays):
        file = layer.file if layer.file.is_absolute() else spec.path.parent / layer.file
        yield from sorted(file.parent.glob(f"{file.stem}.*"))  # a shapefile's .dbf, .shx, .prj


def content_key(grid_path: Path, config_dir: Path) -> str:
    """SHA-256 over the grid's spec and layer files, every file of the configuration folder
    and gridops/org's source — names and bytes."""
    digest = hashlib.sha256()
    sources = [("grid", p) for p in _grid_files(Path(grid_path))]
    sources += [("config", p) for p in sorted(Path(config_dir).rglob("*")) if p.is_file()]
    sources += [("code", p) for p in sorted(ORG_CODE.glob("*.py"))]
    for kind, path in sources:
        digest.update(f"{kind}:{path.name}\0".encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def verdict_file(data_dir: Path, key: str) -> Path:
    return Path(data_dir) / "cache" / f"proof-{key}.ok"


def load_proven_ops_config(
    config_dir: Path, grid: Grid, *, grid_path: Path, data_dir: Path
) -> OpsConfig:
    """``load_ops_config`` with the proof skipped when this content was proved before; else
    proved (a failing proof raises ConfigError, as always) and its verdict recorded — only if
    the files did not change while they were being proved."""
    key = content_key(grid_path, config_dir)
    verdict = verdict_file(data_dir, key)
    if verdict.is_file():
        return load_ops_config(config_dir, grid, verify=False)
    ops = load_ops_config(config_dir, grid, verify=True)
    if content_key(grid_path, config_dir) == key:
        private_dir(verdict.parent)
        write_private(verdict, f"{grid_path}\n{config_dir}\n")
    else:
        log.warning("the grid or configuration changed while it was proved: not recorded")
    return ops
