"""`gridops audit verify` checks the account log too; `gridops user add` and `apikey create`
are logged as done by ``cli:<os user>``."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from gridops.cli import app
from gridops.cli import serve as serve_cli
from gridops.settings import load_settings
from gridops.store import open_store
from gridops.store.accounts import Accounts
from gridops.web.security import issue_user_token

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    monkeypatch.setenv("GRIDOPS_DATABASE_URL", url)
    store = open_store(url)
    accounts = Accounts(store.engine)
    for user_id in ("a-1", "a-2"):
        token = issue_user_token()
        accounts.add_user(user_id, name=user_id, role="dispatcher", units=["sc-1"],
                          token_hash=token.token_hash, token_hint=token.hint, now=NOW,
                          actor="root")  # fmt: skip
    store.close()
    return url


def tamper(url: str, sql: str) -> None:
    store = open_store(url)
    with store.engine.begin() as conn:
        conn.execute(text(sql))
    store.close()


def test_json_reports_the_account_log_and_its_head(url: str) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    clean = json.loads(ok.output.strip().splitlines()[-1])
    assert clean["tickets"] == 0 and clean["bad"] == []
    assert clean["accounts"]["events"] == 2 and clean["accounts"]["bad"] == []
    tamper(url, "UPDATE account_events SET payload = replace(payload, 'sc-1', 'all') WHERE seq = 2")
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 1
    out = json.loads(result.output.strip().splitlines()[-1])
    assert out["accounts"]["bad"] == [
        {"seq": 2, "subject": "a-2", "kind": "altered", "detail": "event 2 (user.add) does not "
         "match its hash"}
    ]  # fmt: skip
    assert out["accounts"]["head"] == clean["accounts"]["head"]


def test_table_names_the_account_and_the_problem(url: str) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "2 account events: the chain verifies" in ok.output
    tamper(url, "UPDATE users SET role = 'admin' WHERE id = 'a-1'")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "account log" in result.output and "a-1" in result.output
    assert "altered" in result.output and "every chain verifies" in result.output  # tickets


def test_cli_account_changes_are_logged_as_the_os_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDOPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDOPS_REDIS_URL", "redis://127.0.0.1:1")  # never contacted
    cli = typer.Typer()
    serve_cli.register(cli)
    runner = CliRunner()
    added = runner.invoke(cli, ["user", "add", "li-na", "--role", "admin"])
    assert added.exit_code == 0, added.output
    made = runner.invoke(cli, ["apikey", "create", "city-app"])
    assert made.exit_code == 0, made.output
    store = open_store(load_settings().database_url)
    events, total = Accounts(store.engine).history()
    store.close()
    assert total == 2 and {e.actor for e in events} == {f"cli:{getpass.getuser()}"}
    secrets = [added.output.strip().splitlines()[-1], made.output.strip().splitlines()[-1]]
    assert not [s for s in secrets if s in json.dumps([e.to_dict() for e in events])]


def test_cli_actor_when_the_os_cannot_say(monkeypatch: pytest.MonkeyPatch) -> None:
    def nobody() -> str:
        raise OSError("no user")

    monkeypatch.setattr(getpass, "getuser", nobody)
    assert serve_cli.cli_actor() == "cli:unknown"
