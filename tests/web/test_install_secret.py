"""The install's own CSRF key: made at first start, 0600, the same for every process of the
install (also when they race to make it), different in every install; the console's login form
no longer accepts a token made with a key anyone could read in the source."""

from __future__ import annotations

import hashlib
import hmac
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gridops.errors import UserError
from gridops.processes import stop_all
from gridops.web.install_secret import NAME, install_key

from .conftest import TestClient, Users

RACE = (
    "import sys; from pathlib import Path; from gridops.web.install_secret import install_key;"
    "sys.stdin.readline(); print(install_key(Path(sys.argv[1])).hex())"
)


def test_made_once_owner_only_and_different_per_install(tmp_path: Path) -> None:
    key = install_key(tmp_path / "a")
    assert len(key) == 32 and install_key(tmp_path / "a") == key
    assert (tmp_path / "a" / NAME).stat().st_mode & 0o777 == 0o600
    assert install_key(tmp_path / "b") != key
    (tmp_path / "a" / NAME).chmod(0o644)
    assert (
        install_key(tmp_path / "a") == key and (tmp_path / "a" / NAME).stat().st_mode & 0o077 == 0
    )
    (tmp_path / "a" / NAME).write_text("not a key\n")
    with pytest.raises(UserError, match=f"{NAME} is not a key .* delete it and restart"):
        install_key(tmp_path / "a")


def test_processes_racing_at_first_start_agree_on_one_key(tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(tmp_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(6)
    ]
    try:
        for p in procs:  # all started and waiting: let them go together
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    finally:
        stop_all(procs)
    assert keys == {install_key(tmp_path).hex()}
    assert [p.name for p in tmp_path.iterdir()] == [NAME]  # no temporary file left behind


def test_a_login_token_made_with_the_old_constant_key_is_refused(
    client: TestClient, users: Users
) -> None:
    token = users.add("d-1", "dispatcher", "all")
    page = client.get("/console/login")
    nonce = client.cookies.get("gridops_login")
    assert nonce and re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    forged = hmac.new(b"gridops-console-csrf", f"login:{nonce}".encode(), hashlib.sha256)
    r = client.post("/console/login", data={"token": token, "csrf": forged.hexdigest()[:40]},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 403 and "CSRF" in r.text
