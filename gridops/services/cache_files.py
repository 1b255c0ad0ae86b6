"""What ``<data dir>/cache/`` keeps, and for how long (缓存清理).

Grid packs, proof verdicts and check reports are named by the SHA-256 of their content, so
every edit of a grid or a configuration, and every upgrade, makes new ones. Each kind keeps
its most recently used few (a use touches the file) and drops the rest when a new one is
written: a rollback to the previous grid or release still starts from its pack, and a city's
data dir does not fill with packs of 100 MB. A running process that maps a pack just dropped
keeps its mapping (the file goes when the last mapping does).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

#: how many of each kind are kept, by file-name prefix
KEEP = {"grid-": 3, "proof-": 20, "check-": 20}


def used(path: Path) -> None:
    """Mark ``path`` as just used (its modification time), so pruning keeps it longest."""
    with contextlib.suppress(OSError):  # another user's read-only data dir: keep as it is
        os.utime(path)


def prune(cache_dir: Path, prefix: str, suffix: str, keep: int | None = None) -> list[Path]:
    """Remove the ``prefix*suffix`` files of ``cache_dir`` beyond the ``keep`` most recently
    used (and their ``.lock`` files); returns what was removed."""
    keep = KEEP[prefix] if keep is None else keep
    try:
        found = [p for p in Path(cache_dir).glob(f"{prefix}*{suffix}") if p.is_file()]
        found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:  # a file gone meanwhile (another process pruning): next time
        return []
    removed = []
    for path in found[keep:]:
        for gone in (path, path.with_suffix(".lock")):
            with contextlib.suppress(FileNotFoundError):
                gone.unlink()
        removed.append(path)
    if removed:
        log.info("cache: dropped %d old %s%s file(s) from %s", len(removed), prefix, suffix,
                 cache_dir)  # fmt: skip
    return removed
