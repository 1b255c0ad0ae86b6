"""`gridops config check` for notifications: a bad URL, a missing signing secret, an unknown
channel type, a bad notify.yaml are errors naming the file, the key and the value; a secret the
environment does not set is an error naming the variable — and a secret that is set is never
printed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gridops.cli import app
from gridops.settings import DEFAULT_CONFIG_DIR

NAMED = (
    "  - {id: zhang-wei, name: 张伟, name_en: Zhang Wei, unit: gw-310115005001001, pattern: day}"
)


def check(tmp_path: Path, channels: str, notify: str | None = None) -> tuple[int, dict, str]:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    roster = config / "roster.yaml"
    text = roster.read_text(encoding="utf-8")
    assert NAMED in text
    named = NAMED[:-1] + f", lead: true,\n     channels: [{channels}]}}"
    roster.write_text(text.replace(NAMED, named), encoding="utf-8")
    if notify is not None:
        (config / "notify.yaml").write_text(notify, encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "check", "--config-dir", str(config), "--json"])
    return result.exit_code, json.loads(result.output), result.output


def test_a_bad_channel_is_an_error_naming_file_key_and_value(tmp_path: Path) -> None:
    bad = "{type: dingtalk, url: 'ftp://oapi.dingtalk.com/robot/send', secret: DT_SIGN}"
    code, report, _ = check(tmp_path, bad)
    assert code == 1
    [finding] = [f for f in report["findings"] if f["severity"] == "error"]
    assert "roster.yaml: staff[0].channels[0].url: bad URL 'ftp://oapi" in finding["message"]


def test_a_secret_not_set_is_named_and_one_set_is_never_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "GRIDOPS_SECRET_DT_URL", "https://oapi.dingtalk.com/robot/send?access_token=s3cr3t-token"
    )
    code, report, output = check(tmp_path, "{type: dingtalk, url_secret: DT_URL, secret: DT_SIGN}")
    assert code == 1
    [finding] = [f for f in report["findings"] if f["severity"] == "error"]
    assert finding["check"] == "notify" and finding["subject"] == "roster.yaml staff zhang-wei"
    assert "GRIDOPS_SECRET_DT_SIGN is not set" in finding["message"]
    assert "s3cr3t-token" not in output  # the secret that is set is never shown


def test_a_bad_notify_yaml_is_an_error(tmp_path: Path) -> None:
    notify = "quiet_hours: {start: '22:00', end: '7 am'}"
    code, report, _ = check(tmp_path, "{type: email, to: zhang.wei@example.org}", notify)
    assert code == 1
    [finding] = [f for f in report["findings"] if f["severity"] == "error"]
    assert finding["check"] == "notify"
    assert "notify.yaml: quiet_hours.end: expected a time HH:MM, got '7 am'" in finding["message"]
