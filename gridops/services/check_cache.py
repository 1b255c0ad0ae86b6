"""``gridops config check``'s report, kept per content (检查缓存).

The report depends only on the grid's files, the configuration's files (roster and calendar
included) and where they are (its findings name them), the names of the secrets set and the
code that checks; so once it is made it is
kept under the SHA-256 of all of them in ``<data dir>/cache/`` (0700, files 0600), and a check
of the same content answers from it at once. ``--fresh`` runs the whole proof again. A report
that was changed while it was made (a file edited meanwhile) is not kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gridops.datadir import private_dir, write_private
from gridops.org.check import CheckReport
from gridops.services.cache_files import prune, used
from gridops.services.grid_cache import hash_files
from gridops.services.proof_cache import content_key

log = logging.getLogger(__name__)

CHECK_CODE = [Path(__file__).resolve().parent.parent / "cli" / "config.py", Path(__file__)]


def check_key(grid_path: Path, config_dir: Path, secrets: Collection[str]) -> str:
    """SHA-256 over the proof's content key, where the grid and the configuration are (the
    report names their files), the secrets' names and the checking code."""
    where = f"{Path(grid_path).resolve()}\0{Path(config_dir).resolve()}"
    digest = hashlib.sha256(f"check:{content_key(grid_path, config_dir)}\0{where}\0".encode())
    digest.update(("secrets:" + "\0".join(sorted(secrets)) + "\0").encode())
    hash_files(digest, "code", sorted(CHECK_CODE))
    return digest.hexdigest()


def report_file(data_dir: Path, key: str) -> Path:
    return Path(data_dir) / "cache" / f"check-{key}.json"


def kept_report(data_dir: Path, key: str) -> tuple[CheckReport, str] | None:
    """The report kept for ``key`` and when it was made, or None (none kept, or unreadable)."""
    path = report_file(data_dir, key)
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        kept = CheckReport.from_dict(raw["report"]), str(raw["made"])
        used(path)
        return kept
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("kept check report %s unreadable (%s): checking again", path, exc)
        return None


def keep_report(data_dir: Path, key: str, report: CheckReport, now: datetime | None = None) -> None:
    """Keep ``report`` for ``key``; unwritable data dirs only cost the next check's time."""
    path = report_file(data_dir, key)
    made = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    try:
        private_dir(path.parent)
        write_private(path, json.dumps({"made": made, "report": report.to_dict()}))
        prune(path.parent, "check-", ".json")
    except OSError as exc:
        log.warning("check report not kept (%s)", exc)
