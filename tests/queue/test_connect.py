"""Connections: GRIDOPS_REDIS_URL with a password, an ACL user and rediss:// TLS (real servers);
the embedded server's clients starting it again after a SIGKILL; masked URLs; clear errors."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import toy_stage
from redis import Redis

from gridops.errors import UserError
from gridops.processes import stop
from gridops.queue import kick
from gridops.queue.connect import (
    client,
    embedded_for,
    mask_url,
    redis_connection,
    running_redis,
)
from gridops.queue.embedded import EmbeddedRedis, free_port
from gridops.settings import REPO_ROOT, load_settings

HERE = Path(__file__).resolve().parent
DEBIAN_REDIS = Path("/usr/bin/redis-server")


def settings_for(tmp_path: Path, url: str | None = None):
    env = {"GRIDOPS_DATA_DIR": str(tmp_path / "data")}
    if url:
        env["GRIDOPS_REDIS_URL"] = url
    return load_settings(env)


def gridops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from gridops.cli import main; main()", *args],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_mask_url_hides_every_password() -> None:
    assert mask_url("redis://:s3cret@127.0.0.1:1/0") == "redis://:***@127.0.0.1:1/0"
    assert mask_url("rediss://app:s3cret@h:6380/2?ssl_ca_certs=/ca") == (
        "rediss://app:***@h:6380/2?ssl_ca_certs=/ca"
    )
    assert mask_url("redis://h:1/0?db=1&password=s3cret") == "redis://h:1/0?db=1&password=***"
    assert mask_url("redis://app@h:1/0") == "redis://app@h:1/0"
    assert mask_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_running_redis_stops_only_what_it_started(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with running_redis(settings) as conn:
        assert conn.ping()
        with running_redis(settings) as inner:  # a second user reuses it and leaves it up
            assert inner.ping()
        assert conn.ping()
    assert EmbeddedRedis(tmp_path / "data" / "redis").info() is None


def test_redis_connection_leaves_the_server_running(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    conn = redis_connection(settings)
    try:
        assert conn.ping()
        assert embedded_for(settings).info() is not None
    finally:
        conn.close()
        embedded_for(settings).stop()


def test_a_client_starts_a_sigkilled_embedded_server_again(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    conn = redis_connection(settings, fast_fail=True)
    server = embedded_for(settings)
    try:
        conn.set("kept", "yes")
        before = server.info()
        assert before is not None
        os.kill(before.pid, signal.SIGKILL)
        # the same client, no new URL: its next command finds the server dead and revives it
        end = time.monotonic() + 60
        while True:
            try:
                conn.set("after", "yes")
                break
            except Exception:  # noqa: BLE001 - the commands of the outage's first moment
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)
        after = server.info()
        assert after is not None and after.pid != before.pid and after.url == before.url
        assert conn.get("after") == b"yes"
    finally:
        conn.close()
        server.stop()


def test_a_server_that_cannot_be_started_again_is_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridops.queue import embedded

    settings = settings_for(tmp_path)
    conn = client(settings, socket_connect_timeout=1)
    server = embedded_for(settings)
    info = server.info()
    assert info is not None and conn.ping()
    caplog.set_level(logging.WARNING, "gridops.queue.connect")
    monkeypatch.setattr(embedded, "redis_binary", lambda: tmp_path / "gone" / "redis-server")
    os.kill(info.pid, signal.SIGKILL)
    for _ in range(3):  # one attempt to start it a second at most, each in vain
        with pytest.raises(Exception, match="(?i)connect"):
            conn.ping()
        time.sleep(1.1)
    assert caplog.text.count("could not be started again") == 1
    monkeypatch.undo()  # the binary is back: the next attempt starts it
    assert conn.ping()
    conn.close()
    server.stop()


def test_a_stopped_embedded_server_stays_stopped(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    conn = client(settings, socket_connect_timeout=1)
    server = embedded_for(settings)
    assert conn.ping()
    server.stop()
    with pytest.raises(Exception, match="(?i)connect"):
        conn.ping()
    assert server.info() is None
    conn.close()


def test_external_url_starts_nothing(tmp_path: Path, redis_server: str) -> None:
    conn = redis_connection(settings_for(tmp_path, redis_server))
    assert conn.ping()
    conn.close()
    assert not (tmp_path / "data" / "redis").exists()


def test_unreachable_or_refusing_external_url_is_a_user_error_without_its_password(
    tmp_path: Path, redis_server: str
) -> None:
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    with pytest.raises(UserError, match="GRIDOPS_REDIS_URL") as down:
        redis_connection(settings_for(tmp_path, url))
    wrong = redis_server.replace("redis://:", "redis://:s3cretB")
    with pytest.raises(UserError, match="(?i)password") as refused:
        redis_connection(settings_for(tmp_path, wrong))
    for exc in (down, refused):
        assert "s3cret" not in str(exc.value)
        assert "***" in str(exc.value)


def test_fast_fail_connection_gives_up_at_once_when_redis_goes_away(
    tmp_path: Path, redis_server: str
) -> None:
    conn = redis_connection(settings_for(tmp_path, redis_server), fast_fail=True)
    kwargs = conn.connection_pool.connection_kwargs
    assert kwargs["socket_connect_timeout"] == 1.0 and kwargs["socket_timeout"] == 2.0
    # pointed at a port where nothing listens, one call fails with no retry loop
    dead = Redis(port=free_port(), **{k: kwargs[k] for k in ("socket_connect_timeout", "retry")})
    with pytest.raises(Exception, match="(?i)connect"):
        dead.ping()
    assert dead.get_retry().get_retries() == 0
    conn.close()


def drained_by_a_real_worker(url: str, tmp_path: Path) -> int:
    """Put 25 toy items through a real `gridops worker --burst` on ``url``; how many are done."""
    db = tmp_path / "toy.db"
    toy_stage.create(str(db))
    toy_stage.add_items(str(db), range(25))
    env = dict(os.environ, GRIDOPS_REDIS_URL=url, GRIDOPS_DATA_DIR=str(tmp_path / "data"),
               TOY_DB=str(db), PYTHONPATH=os.pathsep.join([str(HERE), str(REPO_ROOT)]))  # fmt: skip
    conn = redis_connection(settings_for(tmp_path, url))
    kick(conn, toy_stage.TOY)
    conn.close()
    done = gridops("worker", "--burst", "--stages", "toy_stage:STAGES", "--queues", "toy", env=env)
    assert done.returncode == 0, done.stderr
    status = gridops("redis", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert mask_url(url) in status.stdout and "hunter2" not in status.stdout + done.stderr
    count = toy_stage.connect(str(db))
    try:
        return int(count.execute("SELECT count(*) FROM items WHERE status = 'done'").fetchone()[0])
    finally:
        count.close()


@pytest.fixture
def acl_url(tmp_path: Path) -> Iterator[str]:
    """A redis:// URL of an ACL user (ACL SETUSER) on a real server whose default user is off."""
    server = EmbeddedRedis(tmp_path / "acl-redis")
    info, _ = server.start(port=free_port())
    admin = Redis.from_url(info.url)
    admin.acl_setuser("gridops-app", enabled=True, passwords=["+hunter2"], keys=["*"],
                      channels=["*"], commands=["+@all"])  # fmt: skip
    admin.acl_setuser("default", enabled=False)
    admin.close()
    url = f"redis://gridops-app:hunter2@127.0.0.1:{info.port}/0"
    try:
        yield url
    finally:
        with Redis.from_url(url) as app:  # the launcher stops the server as its default user
            app.acl_setuser("default", enabled=True)
        assert server.stop()


@pytest.mark.slow
def test_an_acl_user_url_works_for_clients_and_a_real_worker(acl_url: str, tmp_path: Path) -> None:
    assert drained_by_a_real_worker(acl_url, tmp_path) == 25
    wrong = acl_url.replace("hunter2", "guess")
    with pytest.raises(UserError, match="GRIDOPS_REDIS_URL"):
        redis_connection(settings_for(tmp_path, wrong))


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def tls_url(tmp_path: Path) -> Iterator[str]:
    """A rediss:// URL (CA-verified, ACL user with a password) of a real TLS redis-server."""
    if not DEBIAN_REDIS.exists() or shutil.which("openssl") is None:
        pytest.skip("the TLS test needs a TLS-capable /usr/bin/redis-server and openssl")
    tls = tmp_path / "tls"
    tls.mkdir()
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.crt", "-days", "1", "-subj", "/CN=gridops test CA", cwd=tls)  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=127.0.0.1", cwd=tls)  # fmt: skip
    (tls / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "san.ext",
            cwd=tls)  # fmt: skip
    port = free_port()
    conf = tls / "redis.conf"
    conf.write_text("\n".join([
        "port 0", "bind 127.0.0.1", f"tls-port {port}", f"tls-cert-file {tls}/server.crt",
        f"tls-key-file {tls}/server.key", f"tls-ca-cert-file {tls}/ca.crt",
        "tls-auth-clients no", "user default off", "user gridops-app on >hunter2 ~* &* +@all",
        'save ""', "appendonly no", f"dir {tls}",
    ]) + "\n")  # fmt: skip
    proc = subprocess.Popen([str(DEBIAN_REDIS), str(conf)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip
    url = f"rediss://gridops-app:hunter2@127.0.0.1:{port}/0?ssl_ca_certs={tls}/ca.crt"
    try:
        end = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                out, _ = stop(proc)
                pytest.skip(f"/usr/bin/redis-server cannot serve TLS here: {out!r}")
            try:
                with Redis.from_url(url, socket_connect_timeout=0.5) as probe:
                    if probe.ping():
                        break
            except Exception:  # noqa: BLE001 - not listening yet
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        stop(proc)


@pytest.mark.slow
def test_a_rediss_tls_url_works_for_clients_and_a_real_worker(tls_url: str, tmp_path: Path) -> None:
    with redis_connection(settings_for(tmp_path, tls_url)) as conn:
        assert conn.ping()
    plain = tls_url.replace("rediss://", "redis://").split("?")[0]
    with pytest.raises(UserError, match="GRIDOPS_REDIS_URL"):  # TLS only: plain text refused
        redis_connection(settings_for(tmp_path, plain), fast_fail=True)
    assert drained_by_a_real_worker(tls_url, tmp_path) == 25
