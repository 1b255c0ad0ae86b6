"""`gridops notify status`: the deliveries by status, and the latest that failed, are in doubt
or are retrying, with the channel's type and the error — never a secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gridops.cli import app
from gridops.services.notifying import delivery
from gridops.store import open_store
from gridops.store.service_tables import add_deliveries

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
ROBOT = json.dumps({"type": "dingtalk", "url_secret": "LJZ_DT_URL", "secret": "LJZ_DT_SIGN"})


def test_status_lists_what_did_not_arrive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    monkeypatch.setenv("GRIDOPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDOPS_DATABASE_URL", url)
    monkeypatch.setenv("GRIDOPS_SECRET_LJZ_DT_SIGN", "SECvalue")
    store = open_store(url)
    row = delivery("t1", 1, "dispatch", "zhang-wei", "N1 【派遣】…", AT)
    add_deliveries(store, [
        row | {"status": "sent", "channel": ROBOT},
        row | {"recipient": "gw-1>li/0", "status": "unknown", "attempts": 1, "channel": ROBOT,
               "last_error": "the sending worker stopped mid-send"},
        row | {"recipient": "supervisor@sc-1", "status": "failed",
               "last_error": "nobody to reach for supervisor@sc-1"},
    ])  # fmt: skip
    store.close()
    result = CliRunner().invoke(app, ["notify", "status", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["counts"] == {"sent": 1, "unknown": 1, "failed": 1}
    assert [(r["status"], r["recipient"], r["channel"]) for r in out["troubled"]] == [
        ("failed", "supervisor@sc-1", "log"), ("unknown", "gw-1>li/0", "dingtalk")]  # fmt: skip
    table = CliRunner().invoke(app, ["notify", "status"])
    assert "unknown 1" in table.output and "mid-send" in table.output
    assert "SECvalue" not in table.output + result.output
