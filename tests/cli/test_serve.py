"""gridops user add / apikey create print the secret last and store only its hash; mistakes
are one line without a traceback; serve is mounted with its options, and a stop ends the
console's open live streams."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer
from conftest import free_port
from typer.testing import CliRunner

from gridops.cli import serve as serve_cli
from gridops.settings import REPO_ROOT, load_settings
from gridops.store import open_store
from gridops.store.accounts import Accounts
from gridops.web.security import hash_token


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRIDOPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDOPS_REDIS_URL", "redis://127.0.0.1:1")  # never contacted
    app = typer.Typer()
    serve_cli.register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=True)


def accounts() -> Accounts:
    settings = load_settings()
    return Accounts(open_store(settings.database_url).engine)


def test_user_add_prints_the_token_last_and_stores_its_hash(cli) -> None:
    res = cli("user", "add", "li-na", "--role", "dispatcher", "--unit", "sc-310115005")
    assert res.exit_code == 0, res.output
    token = res.output.strip().splitlines()[-1]
    assert token.startswith("gut_")
    user = accounts().user_by_token_hash(hash_token(token))
    assert user is not None and user.units == frozenset({"sc-310115005"})
    again = cli("user", "add", "li-na", "--role", "dispatcher", "--unit", "sc-310115005")
    assert again.exit_code != 0 and "already exists" in str(again.exception)


def test_apikey_create_prints_the_key_last(cli) -> None:
    res = cli("apikey", "create", "city-app")
    assert res.exit_code == 0, res.output
    key = res.output.strip().splitlines()[-1]
    assert key.startswith("gok_") and accounts().api_key_by_hash(hash_token(key)) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("user", "add", "x", "--role", "dispatcher", "--unit", "nowhere"), "org chart"),
        (("user", "add", "x", "--role", "boss", "--unit", "all"), "not a user role"),
        (("apikey", "create", "bad name"), "not usable"),
        (
            ("user", "add", "x", "--role", "dispatcher", "--unit", "all", "--name", "a\x07b"),
            "user name contains control character U+0007; remove it",
        ),
        (
            ("user", "add", "x", "--role", "dispatcher", "--unit", "all", "--name", "\udcff"),
            "user name contains lone surrogate U+DCFF",
        ),  # argv bytes that are not UTF-8
    ],
)
def test_mistakes_are_user_errors(cli, args: tuple[str, ...], message: str) -> None:
    from gridops.errors import UserError

    res = cli(*args)
    assert isinstance(res.exception, UserError) and message in str(res.exception)


def test_serve_is_mounted_with_host_and_port(cli) -> None:
    res = cli("serve", "--help")
    assert res.exit_code == 0 and "--port" in res.output and "--host" in res.output


@pytest.mark.slow
def test_a_stop_ends_open_console_streams(tmp_path: Path, redis_server: str) -> None:
    """SIGTERM with a dispatcher's live stream open: the stream is ended after the grace and
    the server exits (uvicorn alone would wait for the stream's whole lifetime)."""
    env = dict(os.environ, GRIDOPS_DATA_DIR=str(tmp_path), GRIDOPS_REDIS_URL=redis_server)
    run = [sys.executable, "-c", "from gridops.cli import main; main()"]
    add = [*run, "user", "add", "d-1", "--role", "dispatcher", "--unit", "all"]
    made = subprocess.run(add, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([*run, "serve", "--port", str(port)], env=env, cwd=REPO_ROOT)
    try:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:  # startup, not a timing assertion
                assert server.poll() is None, "gridops serve exited at startup"
                try:
                    client.get("/open311/v2/services.json")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            key = tmp_path / "console-csrf.key"  # made at start, before any console page
            assert key.stat().st_mode & 0o777 == 0o600
            login = client.get("/console/login")
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', login.text)
            assert csrf
            signed = client.post("/console/login", data={"csrf": csrf.group(1), "token": token})
            assert signed.status_code == 303, signed.text
            with client.stream("GET", "/console/dispatch/stream") as stream:
                lines = stream.iter_lines()
                assert next(lines).startswith("retry:")
                server.send_signal(signal.SIGTERM)
                with contextlib.suppress(httpx.RemoteProtocolError):  # cut after the grace
                    list(lines)  # returns when the server ends the stream
        assert server.wait(timeout=120) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_user_add_and_apikey_create_take_a_lifetime(cli) -> None:
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC)
    res = cli("user", "add", "li-na", "--role", "dispatcher", "--unit", "all", "--expires", "90d")
    assert res.exit_code == 0, res.output
    assert "expires" in res.output.splitlines()[0]
    user = accounts().user_by_token_hash(hash_token(res.output.strip().splitlines()[-1]))
    assert user is not None and user.token_expires_at is not None
    assert (
        before + timedelta(days=90)
        <= user.token_expires_at
        <= datetime.now(UTC) + timedelta(days=90)
    )
    key = cli("apikey", "create", "city-app", "--expires", "2w")
    assert key.exit_code == 0 and "expires" in key.output
    found = accounts().api_key_by_hash(hash_token(key.output.strip().splitlines()[-1]))
    assert found is not None and found.expires_at is not None
    bad = cli("user", "add", "wang", "--role", "dispatcher", "--unit", "all", "--expires", "90x")
    assert bad.exit_code != 0 and "'90x' is not a lifetime" in str(bad.exception)
    assert not [u for u in accounts().list_users() if u.id == "wang"]
