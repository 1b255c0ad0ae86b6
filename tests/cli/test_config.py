"""`gridops config check` reads the work calendar the services load at start: a bad time
zone, working period or date there is an error of the check, naming the file and the key; so is
a bad verification deadline (verify_limit) in categories.yaml."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gridops.cli import app
from gridops.settings import DEFAULT_CONFIG_DIR


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("timezone: Asia/Shanghai", "timezone: Mars/Olympus",
         "timezone 'Mars/Olympus' is not an IANA zone name"),
        ('["14:00", "18:00"]', '["14:00", "25:00"]',
         "working_periods entry ['14:00', '25:00'] must be two HH:MM times"),
        ("holidays: []", "holidays: [2026-02-30]",
         "line 11 column 12: '2026-02-30' is not a real date"),
    ],
)  # fmt: skip
def test_a_bad_calendar_is_an_error_naming_file_and_key(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    calendar = config / "calendar.yaml"
    text = calendar.read_text(encoding="utf-8")
    assert old in text
    calendar.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "check", "--config-dir", str(config), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    [finding] = [f for f in report["findings"] if f["severity"] == "error"]
    assert finding["check"] == "calendar" and finding["subject"] == str(calendar)
    assert finding["message"].startswith(f"{calendar}: ") and expected in finding["message"]


def test_a_bad_verification_limit_is_an_error_naming_file_key_and_value(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    categories = config / "categories.yaml"
    old = "verify_limit: {amount: 2, clock: working_hours}"
    text = categories.read_text(encoding="utf-8")
    assert old in text
    categories.write_text(text.replace(old, "verify_limit: {amount: 2, clock: weeks}"), "utf-8")
    result = CliRunner().invoke(app, ["config", "check", "--config-dir", str(config), "--json"])
    assert result.exit_code == 1, result.output
    [finding] = [f for f in json.loads(result.output)["findings"] if f["severity"] == "error"]
    assert finding["message"].startswith(f"{categories}: defaults.verify_limit.clock: ")
    assert "unknown value 'weeks'" in finding["message"] and "working_hours" in finding["message"]
