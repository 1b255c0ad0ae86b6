"""Issue 17's probe, replayed against a real start: Redis is not a door into the machine.

The probe read the embedded Redis's port from a world-readable ``server.json`` and enqueued
``os.system`` as an RQ job, which a worker ran. Here: another user (``nobody``, when the tests
run as root) can read nothing in the data dir and cannot talk to the server; the probe's own
one-liner fails for want of the password; and jobs put on the queue *with* the password — a
pickled ``os.system``, a pickle whose loading alone runs a command, a JSON ``os.system`` —
are refused by a real gridops worker and never run, while its own drains go on.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import toy_stage
from live import wait_for
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry

from gridops.queue import kick
from gridops.queue.drain import SERIALIZER
from gridops.queue.embedded import redis_binary
from gridops.queue.pool import WorkerPool
from gridops.settings import REPO_ROOT

pytestmark = [pytest.mark.slow]

HERE = Path(__file__).resolve().parent
NOBODY = 65534


class RunsOnLoad:
    """A pickle gadget: loading it runs a shell command (what RQ's default serializer does)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


@pytest.fixture
def site() -> Iterator[tuple[Path, dict[str, str]]]:
    """A data dir in a directory other users may enter (as /srv or a home usually is), its
    embedded Redis started by a real `gridops redis start`; the environment of gridops."""
    base = Path(tempfile.mkdtemp(prefix="gridops-probe-", dir="/tmp"))
    base.chmod(0o755)
    data = base / "data"
    env = {k: v for k, v in os.environ.items() if k != "GRIDOPS_REDIS_URL"}
    env |= {"GRIDOPS_DATA_DIR": str(data), "TOY_DB": str(base / "toy.db"),
            "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO_ROOT)])}  # fmt: skip
    try:
        started = gridops("redis", "start", env=env)
        assert started.returncode == 0, started.stderr
        yield data, env
    finally:
        gridops("redis", "stop", env=env)
        shutil.rmtree(base, ignore_errors=True)


def gridops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from gridops.cli import main; main()", *args],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def port_of(data: Path) -> int:
    """The server's port (the owner reads it; anyone else finds it by scanning 127.0.0.1)."""
    return int(json.loads((data / "redis" / "server.json").read_text())["port"])


def as_nobody(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), user=NOBODY, group=NOBODY, extra_groups=[],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_another_user_can_neither_read_the_data_dir_nor_talk_to_redis(site) -> None:
    if os.geteuid() != 0:
        pytest.skip("acting as another user needs root (CI runs the tests as root)")
    data, _ = site
    for path in (data, data / "redis"):
        assert as_nobody("ls", str(path)).returncode != 0, f"nobody lists {path}"
    for path in (data / "redis" / "server.json", data / "redis" / "password"):
        assert as_nobody("cat", str(path)).returncode != 0, f"nobody reads {path}"
    cli = redis_binary().with_name("redis-cli")
    pushed = as_nobody(str(cli), "-h", "127.0.0.1", "-p", str(port_of(data)),
                       "LPUSH", "rq:queue:toy", "probe")  # fmt: skip
    assert "NOAUTH" in pushed.stdout + pushed.stderr, pushed


def test_the_probes_one_liner_fails_without_the_password(site) -> None:
    data, env = site
    marker = data.parent / "probe-ran"
    one_liner = (
        "import json, os; from redis import Redis; from rq import Queue; "
        f"port = json.load(open({str(data / 'redis' / 'server.json')!r}))['port']; "
        "Queue('toy', connection=Redis(port=port)).enqueue(os.system, "
        f"'touch {marker}')"
    )
    probe = subprocess.run([sys.executable, "-c", one_liner], env=env, capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    assert probe.returncode != 0 and "Authentication" in probe.stderr, probe.stderr
    assert Redis.from_url(_url(data)).llen("rq:queue:toy") == 0
    status = gridops("redis", "status", env=env)  # the owner's view shows no password either
    password = (data / "redis" / "password").read_text().strip()
    assert status.returncode == 0 and ":***@127.0.0.1" in status.stdout
    assert password not in status.stdout + status.stderr


def _url(data: Path) -> str:
    """The URL with the password, read as the owner reads it."""
    password = (data / "redis" / "password").read_text().strip()
    return f"redis://:{password}@127.0.0.1:{port_of(data)}/0"


def test_foreign_jobs_with_the_password_are_refused_by_a_real_worker(site) -> None:
    data, env = site
    toy_stage.create(env["TOY_DB"])
    conn = Redis.from_url(_url(data))
    markers = [data.parent / f"ran-{i}" for i in range(3)]
    foreign = [
        Queue("toy", connection=conn).enqueue(os.system, f"touch {markers[0]}"),
        Queue("toy", connection=conn).enqueue(print, RunsOnLoad(f"touch {markers[1]}")),
        Queue("toy", connection=conn, serializer=SERIALIZER).enqueue(
            "os.system", f"touch {markers[2]}"
        ),
    ]
    workers = WorkerPool(None, count=0, stages="toy_stage:STAGES", env=env,
                         log_dir=data / "logs", cwd=REPO_ROOT)  # fmt: skip
    try:
        worker = workers.add(queues="toy")
        failed = FailedJobRegistry("toy", connection=conn, serializer=SERIALIZER)
        wait_for("the foreign jobs to fail", lambda: failed.count == len(foreign))
        toy_stage.add_items(env["TOY_DB"], range(30))
        kick(conn, toy_stage.TOY)
        wait_for("the worker's own drains", lambda: done(env["TOY_DB"]) == 30)
        assert worker.poll() is None  # still serving
    finally:
        workers.stop()
        conn.close()
    assert [m for m in markers if m.exists()] == []
    assert sorted(failed.get_job_ids()) == sorted(j.id for j in foreign)
    log = (data / "logs" / "worker0.log").read_text()
    assert log.count("refused job") == len(foreign), log
    assert _url(data).split("@")[0].split(":")[-1] not in log  # the password is never logged


def done(db: str) -> int:
    conn = toy_stage.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM items WHERE status = 'done'").fetchone()[0])
    finally:
        conn.close()
