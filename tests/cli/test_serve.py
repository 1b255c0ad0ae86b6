"""gridops user add / apikey create print the secret last and store only its hash; mistakes
are one line without a traceback; serve is mounted with its options."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gridops.cli import serve as serve_cli
from gridops.settings import load_settings
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
    ],
)
def test_mistakes_are_user_errors(cli, args: tuple[str, ...], message: str) -> None:
    from gridops.errors import UserError

    res = cli(*args)
    assert isinstance(res.exception, UserError) and message in str(res.exception)


def test_serve_is_mounted_with_host_and_port(cli) -> None:
    res = cli("serve", "--help")
    assert res.exit_code == 0 and "--port" in res.output and "--host" in res.output
