"""Leases against a real Redis: held while the holder lives, freed soon after it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from live import wait_for
from redis import Redis

from gridops.queue.lease import Lease
from gridops.settings import REPO_ROOT

HOLDER = """
import sys, time
from redis import Redis
from gridops.queue.lease import Lease
with Lease(Redis.from_url(sys.argv[1]), "t:lease", ttl_s=float(sys.argv[2])) as held:
    print("held" if held else "refused", flush=True)
    time.sleep(3600)
"""


def test_one_holder_at_a_time_and_released_after(redis_conn: Redis) -> None:
    with Lease(redis_conn, "t:lease") as held:
        assert held
        with Lease(redis_conn, "t:lease") as second:
            assert not second
        assert redis_conn.exists("t:lease")  # the refused one did not release the holder's
    assert not redis_conn.exists("t:lease")


def test_a_lease_outlives_its_ttl_while_held(redis_conn: Redis) -> None:
    with Lease(redis_conn, "t:lease", ttl_s=0.3) as held:
        assert held
        time.sleep(1.2)  # four lifetimes: only renewal keeps it
        assert redis_conn.pttl("t:lease") > 0
        with Lease(redis_conn, "t:lease", ttl_s=0.3) as second:
            assert not second


def test_a_lease_lost_meanwhile_is_not_released_from_its_new_holder(redis_conn: Redis) -> None:
    with Lease(redis_conn, "t:lease", ttl_s=5.0) as held:
        assert held
        redis_conn.set("t:lease", "another-holder")  # as if it had expired and been retaken
    assert redis_conn.get("t:lease") == b"another-holder"


@pytest.mark.fault
def test_a_killed_holder_frees_the_lease_within_its_ttl(
    redis_server: str, redis_conn: Redis
) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_server, "1.0"],
        stdout=subprocess.PIPE, text=True, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        time.sleep(2.5)  # past two lifetimes: still held, renewed by the living holder
        assert redis_conn.exists("t:lease")
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        wait_for("the dead holder's lease to lapse", lambda: not redis_conn.exists("t:lease"))
        with Lease(redis_conn, "t:lease") as held:
            assert held
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
            holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]
