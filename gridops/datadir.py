"""The data dir is private (数据目录): directories 0700, files 0600.

What gridops keeps under the data dir — the SQLite database with its -wal/-shm, media, logs,
the embedded Redis with its password, configuration and append-only file — is for the user
gridops runs as and nobody else. The entry points (``gridops``, ``python -m workers``) set a
process-wide umask of 077 (:func:`private_umask`), and the code that creates files gives explicit
modes too, so that a caller with a looser umask (a library user, a test) gets the same result.

A data dir that an older gridops left open to other users is tightened when a process finds
it (:func:`secure_data_dir`), once, with one line in the log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077
#: What only gridops puts in a data dir: a directory holding one of these is tightened whole;
#: any other directory (a mistaken GRIDOPS_DATA_DIR=$HOME) is left as it is, with a warning.
MARKERS = ("gridops.db", "redis", "media", "logs")


def private_umask() -> int:
    """Make every file this process creates private from now on; returns the old umask."""
    return os.umask(UMASK)


def private_dir(path: Path) -> Path:
    """``path`` created if missing (parents included) and mode 0700 either way."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        os.chmod(path, DIR_MODE)
    return path


def write_private(path: Path, data: str | bytes) -> None:
    """Write ``path`` whole, mode 0600, atomically (a private temporary file renamed over it)."""
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_private(path: Path, *, append: bool = False) -> IO[bytes]:
    """Open ``path`` for writing bytes, created 0600 (an existing file is made 0600 too)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return os.fdopen(fd, "ab" if append else "wb")


def touch_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (before a library creates it
    with the umask's mode: SQLite gives its -wal and -shm the database file's mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def secure_data_dir(path: Path) -> Path:
    """Create the data dir 0700, or make private one that an older gridops left open."""
    path = Path(path)
    if not path.exists():
        return private_dir(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o077:
        return path
    if any((path / m).exists() for m in MARKERS) or not any(path.iterdir()):
        changed = _tighten(path)
        log.warning(
            "data dir %s was open to other users (mode %03o): made it and everything in it "
            "private (directories 0700, files 0600; %d changed)",
            path,
            mode,
            changed,
        )
    else:
        log.warning(
            "data dir %s (mode %03o) is open to other users and holds files gridops did not "
            "make; gridops's own files in it are private, but run `chmod 700 %s` or choose "
            "another GRIDOPS_DATA_DIR",
            path,
            mode,
            path,
        )
    return path


def _tighten(root: Path) -> int:
    """Take group and other permissions off ``root`` and everything under it (symbolic links
    are not followed); returns how many entries changed."""
    changed = 0
    for entry in [root, *root.rglob("*")]:
        try:
            st = entry.lstat()
            if stat.S_ISLNK(st.st_mode):
                continue
            mode = stat.S_IMODE(st.st_mode)
            if mode & 0o077:
                os.chmod(entry, mode & ~0o077)
                changed += 1
        except OSError as exc:  # not ours, or gone meanwhile: said, and carried on
            log.warning("data dir: could not make %s private: %s", entry, exc)
    return changed
