"""The install's own secret key (安装密钥): 256 random bits made at first start and kept in the
data dir, readable by its owner only (0600). The console keys its CSRF tokens with it, so no
two installs share a key and nobody can compute a token from the source code.

Made race-free: written to a private temporary file, then linked into place (a link fails if
another process got there first, and then that key is read). Every server process of an install
must see the same file: hosts behind one load balancer share the data dir or a copy of it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

from gridops.errors import UserError

NAME = "console-csrf.key"
_KEY = re.compile(r"^[0-9a-f]{64}$")


def install_key(data_dir: Path) -> bytes:
    """The key of the install at ``data_dir`` (made now if there is none yet)."""
    path = data_dir / NAME
    if not path.exists():
        _make(path)
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not _KEY.match(text):
        raise UserError(
            f"{path} is not a key (64 hex characters): delete it and restart gridops; a new key "
            "is made, and open console forms must be reloaded"
        )
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # the key is the owner's alone
    return bytes.fromhex(text)


def _make(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
