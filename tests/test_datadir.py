"""The data dir is private: 0700 directories and 0600 files after a real start (the embedded
Redis, the SQLite database with its -wal/-shm, a worker's log, media), an older open data dir
tightened once, a directory gridops did not make left alone."""

from __future__ import annotations

import io
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gridops.datadir import open_private, secure_data_dir, touch_private, write_private
from gridops.queue.pool import WorkerPool
from gridops.settings import REPO_ROOT

TIGHTENED = "made it and everything in it private"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (itself included) whose mode is not private, with its mode."""
    entries = [root, *root.rglob("*")]
    want = {True: 0o700, False: 0o600}
    return {str(p.relative_to(root)): oct(mode(p)) for p in entries
            if mode(p) != want[p.is_dir()]}  # fmt: skip


def gridops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from gridops.cli import main; main()", *args],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


@pytest.fixture
def open_umask() -> Iterator[None]:
    """This process creates files as a library caller with umask 022 would."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDOPS_")}
    env |= {"GRIDOPS_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO_ROOT)}
    yield env
    gridops("redis", "stop", env=env)


@pytest.mark.slow
def test_a_real_start_leaves_only_private_files(
    env: dict[str, str], tmp_path: Path, open_umask: None
) -> None:
    from PIL import Image

    from gridops.web.media import store_photo

    photo = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(photo, "JPEG")

    data = Path(env["GRIDOPS_DATA_DIR"])
    for step in (["redis", "start"], ["apikey", "create", "city-app"]):
        done = gridops(*step, env=env)
        assert done.returncode == 0, done.stderr
    workers = WorkerPool(None, count=1, env=env, log_dir=data / "logs", cwd=REPO_ROOT)
    with workers:
        burst = subprocess.run([sys.executable, "-m", "workers", "--burst"], env=env,
                               cwd=REPO_ROOT, capture_output=True, timeout=180)  # fmt: skip
        assert burst.returncode == 0, burst.stderr
    store_photo(photo.getvalue(), data)  # from the web server's process, umask 022
    names = {p.name for p in data.rglob("*")}
    assert {"gridops.db", "gridops.db-wal", "gridops.db-shm", "gridops.db-writelock",
            "password", "redis.conf", "appendonly.aof", "worker0.log"} <= names  # fmt: skip
    assert any(p.suffix == ".jpg" for p in (data / "media").iterdir())
    assert modes(data) == {}


@pytest.mark.slow
def test_an_older_open_data_dir_is_tightened_once(env: dict[str, str]) -> None:
    data = Path(env["GRIDOPS_DATA_DIR"])
    for d in (data, data / "media", data / "logs"):
        d.mkdir(mode=0o755)
        d.chmod(0o755)
    for f in (data / "gridops.db", data / "media" / "a.jpg", data / "logs" / "web.log"):
        f.write_bytes(b"")
        f.chmod(0o644)
    first = gridops("redis", "start", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stderr.count(TIGHTENED) == 1, first.stderr
    assert modes(data) == {}
    again = gridops("redis", "status", env=env)
    assert again.returncode == 0 and TIGHTENED not in again.stderr


def test_a_directory_gridops_did_not_make_is_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    notes = home / "notes.txt"
    notes.write_text("mine")
    notes.chmod(0o644)
    caplog.set_level(logging.WARNING, "gridops.datadir")
    secure_data_dir(home)
    assert (mode(home), mode(notes)) == (0o755, 0o644)
    assert "chmod 700" in caplog.text


def test_files_are_made_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        new = tmp_path / "new"
        secure_data_dir(new)
        write_private(new / "written", "x")
        with open_private(new / "log", append=True) as fh:
            fh.write(b"x")
        touch_private(new / "touched")
        existing = new / "existing.log"
        existing.write_bytes(b"")
        existing.chmod(0o666)
        with open_private(existing) as fh:
            fh.write(b"x")
    finally:
        os.umask(old)
    assert modes(new) == {}
