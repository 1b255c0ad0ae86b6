"""A PostgreSQL outage under a running server (gridops/web/unavailable.py): a private server
of the test's own is stopped with SIGQUIT while uvicorn serves; Open311 (JSON and XML), the JSON
API and the console answer 503 with Retry-After in their own formats over one keep-alive
connection, which works again once the server is back; a console stream stays open through
the outage and shows what came after."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis

from gridops.processes import stop
from gridops.queue.embedded import free_port
from gridops.services.context import build_context
from gridops.settings import load_settings
from gridops.store.accounts import Accounts
from gridops.web.app import create_app
from gridops.web.auth import create_api_key, create_user

from .conftest import NOW
from .test_unavailable import (
    open311_errors,
    open_session,
    report_form,
    serving,
    session,
    tickets,
)


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(versions[-1]) if versions else None


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of this test's own (trust auth, 127.0.0.1, a free port)."""

    root: Path
    port: int
    user: str | None  # run as this OS user (initdb refuses root)
    proc: subprocess.Popen[bytes] | None = None
    logs: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 - closed in close()
        self.logs.append(log)
        self.proc = subprocess.Popen(
            [_pg_binary("postgres") or "postgres", "-D", str(self.root / "data"),
             "-p", str(self.port), "-k", str(self.root), "-c", "listen_addresses=127.0.0.1",
             "-c", "fsync=off"],
            stdout=log, stderr=log, user=self.user,
        )  # fmt: skip
        import psycopg

        for _ in range(600):  # until it accepts connections (bounded; not a timing assertion)
            assert self.proc.poll() is None, (self.root / "server.log").read_text()[-2000:]
            try:
                psycopg.connect(host="127.0.0.1", port=self.port, user="postgres").close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise AssertionError("the private PostgreSQL server did not start")

    def stop(self) -> None:
        """An immediate shutdown (SIGQUIT): every connection dropped, new ones refused."""
        if self.proc is not None:
            stop(self.proc, sig=signal.SIGQUIT, grace=30)
            self.proc = None

    def close(self) -> None:
        self.stop()
        for log in self.logs:
            log.close()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    initdb = _pg_binary("initdb")
    if initdb is None or _pg_binary("postgres") is None:
        why = "the outage test needs PostgreSQL's initdb and postgres binaries"
        if os.environ.get("GRIDOPS_TEST_REQUIRE_PG") == "1":
            pytest.fail(why)
        pytest.skip(why)
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="gridops-pg-"))  # short: the socket path has a limit
    if user is not None:
        shutil.chown(root, user)
    server = PrivatePostgres(root, free_port(), user)
    try:
        subprocess.run([initdb, "-D", str(root / "data"), "-U", "postgres", "--auth=trust",
                        "--no-sync", "-E", "UTF8"], check=True, capture_output=True,
                       user=user)  # fmt: skip
        server.start()
        yield server
    finally:
        server.close()


@pytest.mark.fault
@pytest.mark.slow
def test_a_postgresql_outage_is_a_503_in_each_format_on_the_same_connection(
    private_pg: PrivatePostgres, tmp_path: Path, redis_server: str, redis_conn: Redis
) -> None:
    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_server,
           "GRIDOPS_DATABASE_URL": private_pg.url}  # fmt: skip
    ctx = build_context(load_settings(env))
    try:
        accounts = Accounts(ctx.store.engine)
        key = create_api_key(accounts, "outage", now=NOW)[1]
        token = create_user(accounts, "d-1", name="d-1", role="dispatcher", units="all",
                            now=NOW, org=ctx.ops.org)[1]  # fmt: skip
        sid = open_session(ctx, token)
        bearer = {"Authorization": f"Bearer {token}"}
        app = create_app(ctx, clock=lambda: NOW)
        post = {"data": report_form(ctx, key)}
        with serving(app) as base, httpx.Client(base_url=base, timeout=60) as http:
            used: set[Any] = set()

            def ask(method: str, path: str, **kw: Any) -> httpx.Response:
                response = http.request(method, path, **kw)
                used.add(response.extensions["network_stream"].get_extra_info("client_addr"))
                return response

            assert ask("GET", "/open311/v2/requests.json").status_code == 200
            private_pg.stop()
            for fmt in ("json", "xml"):
                for method, kw in (("GET", {}), ("POST", post)):
                    r = ask(method, f"/open311/v2/requests.{fmt}", **kw)
                    assert r.status_code == 503 and r.headers["retry-after"] == "5", r.text
                    [error] = open311_errors(r, fmt)
                    assert int(error["code"]) == 503 and "database" in error["description"]
            r = ask("GET", "/api/v1/queues/new", headers=bearer)
            assert r.status_code == 503 and r.headers["retry-after"] == "5"
            assert "database cannot be reached" in r.json()["detail"]
            for lang, words in (("en", "The database cannot be reached"), ("zh", "无法连接数据库")):
                r = ask("GET", "/console/dispatch", headers=session(sid, lang))
                assert r.status_code == 503 and r.headers["retry-after"] == "5"
                assert r.headers["content-type"].startswith("text/html") and words in r.text
            assert ask("GET", "/openapi.json").status_code == 200

            private_pg.start()
            made = ask("POST", "/open311/v2/requests.json", **post)
            assert made.status_code == 200, made.text
            number = made.json()[0]["service_request_id"]
            found = ask("GET", "/open311/v2/requests.xml")
            assert found.status_code == 200 and number in found.text
            assert ask("GET", "/api/v1/queues/new", headers=bearer).status_code == 200
            assert ask("GET", "/console/dispatch", headers=session(sid)).status_code == 200
            assert len(used) == 1, used  # one keep-alive connection throughout
        assert tickets(ctx) == 1
    finally:
        ctx.close()


@pytest.mark.fault
@pytest.mark.slow
def test_a_console_stream_outlives_an_outage_and_shows_what_came_after(
    private_pg: PrivatePostgres, tmp_path: Path, redis_server: str, redis_conn: Redis
) -> None:
    from gridops.web.console.live import TIMING_KEY, Timing

    env = {"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_server,
           "GRIDOPS_DATABASE_URL": private_pg.url}  # fmt: skip
    ctx = build_context(load_settings(env))
    try:
        accounts = Accounts(ctx.store.engine)
        key = create_api_key(accounts, "outage", now=NOW)[1]
        token = create_user(accounts, "d-1", name="d-1", role="dispatcher", units="all",
                            now=NOW, org=ctx.ops.org)[1]  # fmt: skip
        sid = open_session(ctx, token)
        app = create_app(ctx, clock=lambda: NOW)
        app.state.web.extra[TIMING_KEY] = Timing(check=0.05, heartbeat=0.2, refresh=0.1)
        with (
            serving(app) as base,
            httpx.Client(base_url=base, timeout=30) as http,
            http.stream("GET", "/console/dispatch/stream", headers=session(sid)) as stream,
        ):
            assert stream.status_code == 200
            lines = stream.iter_lines()

            def heartbeats(n: int) -> None:
                for line in lines:
                    n -= line.startswith(":")
                    if n == 0:
                        return
                raise AssertionError("the stream ended")

            heartbeats(1)
            private_pg.stop()
            heartbeats(5)  # the stream stays open through the outage
            private_pg.start()
            made = httpx.post(f"{base}/open311/v2/requests.json", data=report_form(ctx, key))
            assert made.status_code == 200, made.text
            number = made.json()[0]["service_request_id"]
            assert any(f'data-number="{number}"' in line for line in lines)  # read timeout 30 s
    finally:
        ctx.close()
