"""`gridops worker` and `gridops redis`, run as real commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import toy_stage
from redis import Redis

from gridops.settings import REPO_ROOT

HERE = Path(__file__).resolve().parent


def gridops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from gridops.cli import main; main()", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env(redis_server: str, tmp_path: Path) -> dict[str, str]:
    db = tmp_path / "toy.db"
    toy_stage.create(str(db))
    return dict(
        os.environ,
        GRIDOPS_REDIS_URL=redis_server,
        GRIDOPS_DATA_DIR=str(tmp_path),
        TOY_DB=str(db),
        PYTHONPATH=os.pathsep.join([str(HERE), str(REPO_ROOT)]),
    )


def test_burst_worker_drains_what_is_pending_and_exits(
    env: dict[str, str], redis_conn: Redis
) -> None:
    toy_stage.add_items(env["TOY_DB"], range(35))  # no kick: the burst worker kicks itself
    done = gridops("worker", "--burst", "--stages", "toy_stage:STAGES", "--queues", "toy", env=env)
    assert done.returncode == 0, done.stderr
    conn = toy_stage.connect(env["TOY_DB"])
    assert conn.execute("SELECT count(*) FROM items WHERE status = 'done'").fetchone()[0] == 35
    conn.close()


def test_unknown_queue_is_one_line_without_traceback(env: dict[str, str]) -> None:
    bad = gridops("worker", "--stages", "toy_stage:STAGES", "--queues", "routng", env=env)
    assert bad.returncode == 2
    assert "routng" in bad.stderr and "Traceback" not in bad.stderr
    missing = gridops("worker", "--stages", "no_such_module:STAGES", env=env)
    assert missing.returncode == 2 and "no_such_module" in missing.stderr


def test_redis_status_names_the_external_server_without_its_password(
    env: dict[str, str], redis_server: str
) -> None:
    from gridops.queue.connect import mask_url

    out = gridops("redis", "status", env=env)
    assert out.returncode == 0 and mask_url(redis_server) in out.stdout
    password = redis_server.split(":")[2].split("@")[0]
    assert password and password not in out.stdout + out.stderr
