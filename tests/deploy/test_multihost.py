"""Whole hosts dying, Redis failing over, PostgreSQL restarting — in a deployment of hosts made
of network namespaces (issue 22, "a multi-host test").

The lab (tests/deploy/lab.py): a database host (PostgreSQL from Debian's binaries, started
here), a Redis host (primary, replica, three sentinels), two worker hosts (``gridops run
--workers -n 2``), two web hosts (``gridops run --web``) behind HAProxy (checking ``/readyz``)
on a proxy host, and a client host posting Open311 reports with an API key through the proxy.
While reports flow: every process of a worker host is stopped (SIGSTOP: the machine hangs, and
Redis hands drains to its waiting workers) and then SIGKILLed, then every process of a web
host, then the Redis primary (the sentinels promote the replica), then PostgreSQL restarts.
Afterwards every accepted report (2xx) is one ticket, dispatched exactly once, every hash chain
verifies (``gridops audit verify``), and the time the flow took to resume after each fault is
printed (``-s`` shows it). No duration is asserted: each wait has a generous deadline.

Needs root, iproute2, and Debian's postgresql and haproxy (``.ci/run`` installs them); skipped
with the reason otherwise, failed instead when GRIDOPS_TEST_REQUIRE_NETNS=1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from live import wait_for as live_wait_for

from .lab import Lab, netns_usable, scratch_dir, sweep_stale
from .load import Load, Sent, spread_points
from .servers import (
    PROXY_PORT,
    REDIS_PORTS,
    SENTINEL_PORTS,
    SENTINEL_PW,
    WEB_PORT,
    Haproxy,
    Postgres,
    Proc,
    RedisCluster,
    gridops_cli,
    gridops_env,
    gridops_host,
    missing_packages,
)

pytestmark = [pytest.mark.slow, pytest.mark.fault]

ADDRESSES = {"db": "10.77.0.10", "redis": "10.77.0.20", "worker1": "10.77.0.31",
             "worker2": "10.77.0.32", "web1": "10.77.0.41", "web2": "10.77.0.42",
             "proxy": "10.77.0.50"}  # fmt: skip
CLIENTS = [f"10.77.0.{60 + n}" for n in range(6)]
PER_CLIENT_S = 1.25  # 7.5 reports/s in all: under the rate limits (120/min an address, 600 a key)
WORKERS_PER_HOST = 2
REPORTS = 2000  # more than the run posts: the load stops when the faults are through
FLOW_AFTER = 8  # reports posted after a fault and dispatched: the flow has resumed
PHASE_S = 12.0  # and at least this long from one fault to the next
HUNG_S = 3.0  # a worker host hangs this long before it dies
DEADLINE_S = 150.0


wait_for = partial(live_wait_for, deadline_s=DEADLINE_S, poll_s=0.3, errors_wait=True)


@pytest.fixture
def lab() -> Iterator[Lab]:
    why = netns_usable()
    missing = missing_packages()
    if why is None and missing:
        why = f"Debian packages missing: apt-get install {' '.join(missing)}"
    if why:
        if os.environ.get("GRIDOPS_TEST_REQUIRE_NETNS") == "1":
            pytest.fail(f"GRIDOPS_TEST_REQUIRE_NETNS=1 but {why}")
        pytest.skip(why)
    sweep_stale()
    made = Lab().open()
    try:
        for host, address in ADDRESSES.items():
            made.host(host, address)
        made.host("client", *CLIENTS)
        yield made
    finally:
        made.close()


@dataclass
class Site:
    """The running deployment."""

    lab: Lab
    pg: Postgres
    redis: RedisCluster
    hosts: dict[str, Proc]
    env: dict[str, dict[str, str]]
    proxy: Haproxy | None = None
    api_key: str = ""
    others: list[Proc] = field(default_factory=list)
    started_s: float = 0.0

    @property
    def db_url(self) -> str:
        return f"postgresql://postgres@{self.lab.hosts['db']}:5432/gridops"

    def logs(self) -> str:
        procs = [*self.pg.procs[-1:], *self.redis.procs.values(), *self.others,
                 *self.hosts.values()]  # fmt: skip
        return "\n".join(p.tail() for p in procs)

    def primary_port(self) -> int:
        from redis import Redis

        def ask() -> int:
            host = self.lab.hosts["redis"]
            for port in SENTINEL_PORTS:
                try:
                    with Redis(host=host, port=port, password=SENTINEL_PW,
                               socket_timeout=2) as s:  # fmt: skip
                        return int(s.sentinel_get_master_addr_by_name("mymaster")[1])
                except Exception:  # noqa: BLE001 - ask the next sentinel
                    continue
            return 0

        return self.lab.call_in("client", ask)

    def tickets(self) -> list[dict[str, Any]]:
        """Every ticket with its status, description and dispatch events (count, first time)."""
        import psycopg

        def query() -> list[dict[str, Any]]:
            with psycopg.connect(self.db_url, connect_timeout=3) as conn:
                rows = conn.execute(
                    "SELECT t.number, t.status, t.data, count(e.id), min(e.at) FROM tickets t "
                    "LEFT JOIN ticket_events e ON e.ticket_id = t.id AND e.type = 'dispatch' "
                    "GROUP BY t.number, t.status, t.data"
                ).fetchall()
            return [
                {"number": n, "status": s, "description": json.loads(d).get("description"),
                 "dispatches": c, "dispatched": at.timestamp() if at else None}
                for n, s, d, c, at in rows
            ]  # fmt: skip

        return self.lab.call_in("client", query)


def _ready(lab: Lab, host: str) -> bool:
    url = f"http://{lab.hosts[host]}:{WEB_PORT}/readyz"
    return lab.call_in("client", lambda: httpx.get(url, timeout=5).status_code == 200)


@pytest.fixture
def site(lab: Lab, tmp_path: Path) -> Iterator[Site]:
    pg_dir = scratch_dir()
    pg = Postgres(lab, pg_dir / "pg")
    redis = RedisCluster(lab, tmp_path / "redis")
    found = Site(lab, pg, redis, {}, {})
    began = time.monotonic()
    try:
        pg.init()
        pg.start()
        redis.start()
        pg.createdb("gridops")
        wait_for("the sentinels to see the primary", lambda: found.primary_port() > 0)
        database = f"postgresql+psycopg://postgres@{lab.hosts['db']}:5432/gridops"
        for host in ("web1", "web2", "worker1", "worker2"):
            found.env[host] = gridops_env(lab, tmp_path / host, database, redis.url)
            kind = ["--web", "--host", lab.hosts[host], "--port", str(WEB_PORT)]
            if host.startswith("worker"):
                kind = ["--workers", "-n", str(WORKERS_PER_HOST)]
            found.hosts[host] = gridops_host(lab, host, [*kind, "--grace", "5"],
                                             found.env[host], tmp_path / f"{host}.log")  # fmt: skip
        found.proxy = Haproxy(lab, tmp_path / "haproxy", ["web1", "web2"])
        found.others.append(found.proxy.start())
        for host in ("web1", "web2"):
            wait_for(f"{host} ready", lambda h=host: _ready(lab, h), deadline_s=300)
        for host in ("worker1", "worker2"):
            wait_for(f"{host}'s workers", lambda h=host: _workers_up(found, h), deadline_s=120)
        made = gridops_cli(lab, "web1", ["apikey", "create", "multihost"], found.env["web1"])
        assert made.returncode == 0, made.stderr
        found.api_key = made.stdout.strip().splitlines()[-1]
        found.started_s = time.monotonic() - began
        yield found
    except BaseException:
        print(found.logs())
        raise
    finally:
        lab.close()
        for proc in [*pg.procs, *redis.procs.values(), *found.others, *found.hosts.values()]:
            proc.reap()
        shutil.rmtree(pg_dir, ignore_errors=True)


def _workers_up(site: Site, host: str) -> bool:
    check = ["worker", "--check", "--expect", str(WORKERS_PER_HOST)]
    return gridops_cli(site.lab, host, check, site.env[host], timeout=60).returncode == 0


@dataclass
class Phase:
    """A fault and when it struck (wall clock)."""

    name: str
    at: float


def _dispatched_since(site: Site, load: Load, t: float) -> int:
    posted = {load.description(s.i) for s in load.accepted_since(t)}
    return sum(1 for r in site.tickets() if r["description"] in posted and r["dispatches"])


def _fail_redis_over(site: Site) -> None:
    primary = site.redis.procs["primary"]
    primary.signal(signal.SIGKILL)
    primary.wait(10)
    wait_for("the sentinels to promote the replica",
             lambda: site.primary_port() == REDIS_PORTS["replica"])  # fmt: skip


def test_hosts_die_redis_fails_over_postgres_restarts_and_no_report_is_lost_or_doubled(
    site: Site,
) -> None:
    lab = site.lab
    url = f"http://{lab.hosts['proxy']}:{PROXY_PORT}/open311/v2/requests.json"
    load = Load(lab.ns("client"), url, site.api_key, lab.run, spread_points(REPORTS), CLIENTS,
                per_second=1 / PER_CLIENT_S)  # fmt: skip
    assert site.proxy is not None
    proxy = site.proxy
    faults: list[tuple[str, Callable[[], object]]] = [
        ("worker host hung, then killed (SIGSTOP, SIGKILL)", lambda: _hang_kill(site, "worker1")),
        ("web host killed (every process, SIGKILL)", lambda: _kill(site, "web1")),
        ("Redis primary SIGKILLed, sentinels fail over", lambda: _fail_redis_over(site)),
        ("PostgreSQL restarted (fast shutdown, start)", site.pg.restart),
    ]
    phases = [Phase("warm-up (no fault)", time.time())]
    shares: dict[str, tuple[str, int]] = {}
    load.start()
    try:
        for name, strike in [("", lambda: None), *faults]:
            if name:
                phases.append(Phase(name, time.time()))
            strike()
            since = phases[-1].at
            wait_for(f"the flow after: {phases[-1].name}",
                     lambda t=since: _dispatched_since(site, load, t) >= FLOW_AFTER)  # fmt: skip
            time.sleep(max(0.0, phases[-1].at + PHASE_S - time.time()))
            if name.startswith("worker"):  # just before web1 dies
                shares = proxy.servers()
        load.stop()
        # both web hosts served before web1 died; then web2 took web1's share
        assert shares["web1"][0] == "UP" and shares["web1"][1] > 0, shares
        seen = proxy.servers()
        assert seen["web1"][0].startswith("DOWN") and seen["web2"][0] == "UP", seen
        assert seen["web2"][1] > shares["web2"][1], (shares, seen)
        assert _workers_up(site, "worker2")  # the other worker host rode it all out
        sent = load.snapshot()
        accepted = {load.description(s.i): s for s in sent if s.accepted}
        wait_for("every accepted report dispatched", lambda: _all_dispatched(site, accepted))
        rows = site.tickets()
        _assert_once(rows, accepted, load)
        verified = gridops_cli(lab, "web2", ["audit", "verify"], site.env["web2"])
        assert verified.returncode == 0, verified.stdout + verified.stderr
        print(f"multihost: the deployment started in {site.started_s:.0f} s; after the faults"
              f" {len(rows)} tickets, {len(accepted)} reports accepted of {len(sent)} posted;"
              f" children restarted by their supervisor: {_restarts(site)}")  # fmt: skip
        print(_figures(phases, sent, rows, load, time.time()))
    except BaseException:
        load.stop()
        print(site.logs())
        raise


def _kill(site: Site, host: str) -> None:
    assert site.lab.kill_host(host) > 0, f"nothing ran on {host}"


def _hang_kill(site: Site, host: str) -> None:
    """The host hangs first: Redis still hands drains to its idle workers, blocked in their
    dequeue, and they die with them, never begun."""
    assert site.lab.freeze_host(host) > 0, f"nothing ran on {host}"
    time.sleep(HUNG_S)
    _kill(site, host)


def _restarts(site: Site) -> dict[str, int]:
    """How many times each surviving host's supervisor restarted a child."""
    return {
        host: site.hosts[host].log.read_text(errors="replace").count("; restarting it in")
        for host in ("web2", "worker2")
    }


def _all_dispatched(site: Site, accepted: dict[str, Sent]) -> bool:
    done = {r["description"] for r in site.tickets() if r["dispatches"]}
    return set(accepted) <= done


def _assert_once(rows: list[dict[str, Any]], accepted: dict[str, Sent], load: Load) -> None:
    by_description: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_description.setdefault(row["description"], []).append(row)
    doubled = {d: [r["number"] for r in rs] for d, rs in by_description.items() if len(rs) > 1}
    assert doubled == {}, f"reports stored more than once: {doubled}"
    for description, s in accepted.items():
        assert [r["number"] for r in by_description.get(description, [])] == [s.number], s
    wrong = [r for r in rows if r["dispatches"] != 1 or r["status"] != "dispatched"]
    assert wrong == [], f"tickets not dispatched exactly once: {wrong[:5]}"
    refused = [s for s in load.snapshot() if not s.accepted]
    assert all(s.status in (0, 429, 502, 503, 504) for s in refused), refused[:5]


def _figures(phases: list[Phase], sent: list[Sent], rows: list[dict[str, Any]], load: Load,
             end: float) -> str:  # fmt: skip
    """Per phase: the reports, how long until one was accepted and one dispatched again after
    the fault, the worst report→dispatch of the phase."""
    dispatched = {r["description"]: r["dispatched"] for r in rows}
    lines = ["multihost: phase | posted | accepted | refused | intake back | dispatch back | "
             "worst report→dispatched | p50"]  # fmt: skip
    for n, phase in enumerate(phases):
        until = phases[n + 1].at if n + 1 < len(phases) else end
        mine = [s for s in sent if phase.at <= s.sent < until]
        ok = [s for s in mine if s.accepted]
        waits = [dispatched[load.description(s.i)] - s.sent for s in ok]
        back_in = min((s.answered for s in ok), default=until) - phase.at
        back_out = min((dispatched[load.description(s.i)] for s in ok), default=until) - phase.at
        worst = max(waits, default=0.0)
        p50 = statistics.median(waits) if waits else 0.0
        counts = f"{len(mine)} | {len(ok)} | {len(mine) - len(ok)}"
        times = f"{back_in:.1f} s | {back_out:.1f} s | {worst:.1f} s | {p50:.2f} s"
        lines.append(f"multihost: {phase.name} | {counts} | {times}")
    return "\n".join(lines)
