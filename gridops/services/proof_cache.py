"""The totality proof, run once per content (证明缓存).

Every process that loads the configuration proves it total (every level-3 cell × category has
an owner) before it serves: at city scale (120 k cells) that proof is most of a process's
start. Its verdict depends only on the grid's files, the configuration's files and the code
that routes; so once a process has proved a content, it records the verdict under the
SHA-256 of all three in ``<data dir>/cache/`` (0700, files 0600), and a process that finds it
loads the configuration without proving it again (:func:`load_proven_ops_config`). Any change
to a layer, a YAML file or gridops/org's code makes a new key, and the proof runs again.
``gridops config check --fresh`` always runs the whole proof (its report is kept too:
gridops.services.check_cache).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from gridops.datadir import private_dir, write_private
from gridops.grids import Grid
from gridops.org import OpsConfig, load_ops_config
from gridops.services.cache_files import prune, used
from gridops.services.grid_cache import grid_key, hash_files

log = logging.getLogger(__name__)

ORG_CODE = Path(__file__).resolve().parent.parent / "org"


def content_key(grid_path: Path, config_dir: Path, grid: str | None = None) -> str:
    """SHA-256 over the grid's key (:func:`~gridops.services.grid_cache.grid_key`; given as
    ``grid`` when the caller has it), every file of the configuration folder and gridops/org's
    source — names and bytes."""
    digest = hashlib.sha256(f"grid:{grid or grid_key(grid_path)}\0".encode())
    hash_files(digest, "config", [p for p in sorted(Path(config_dir).rglob("*")) if p.is_file()])
    hash_files(digest, "code", sorted(ORG_CODE.glob("*.py")))
    return digest.hexdigest()


def verdict_file(data_dir: Path, key: str) -> Path:
    return Path(data_dir) / "cache" / f"proof-{key}.ok"


def load_proven_ops_config(
    config_dir: Path, grid: Grid, *, grid_path: Path, data_dir: Path, grid_digest: str | None = None
) -> OpsConfig:
    """``load_ops_config`` with the proof skipped when this content was proved before; else
    proved (a failing proof raises ConfigError, as always) and its verdict recorded — only if
    the files did not change while they were being proved."""
    key = content_key(grid_path, config_dir, grid_digest)
    verdict = verdict_file(data_dir, key)
    if verdict.is_file():
        used(verdict)
        return load_ops_config(config_dir, grid, verify=False)
    ops = load_ops_config(config_dir, grid, verify=True)
    if content_key(grid_path, config_dir) == key:
        private_dir(verdict.parent)
        write_private(verdict, f"{grid_path}\n{config_dir}\n")
        prune(verdict.parent, "proof-", ".ok")
    else:
        log.warning("the grid or configuration changed while it was proved: not recorded")
    return ops
