"""`gridops config check` keeps its report per content: the same grid, configuration, secrets'
names and code answer from the kept report; any edited byte, another secret or --fresh proves
again; the kept report is a private file, and one that cannot be read is checked again."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gridops.cli import app
from gridops.services.check_cache import check_key, report_file
from gridops.settings import DEFAULT_CONFIG_DIR, DEFAULT_GRID


@pytest.fixture
def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Runs `gridops config check --json` on a copy of the shipped config; returns its JSON."""
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    monkeypatch.setenv("GRIDOPS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GRIDOPS_SECRET_SMTP", raising=False)

    def run(*extra: str) -> dict:
        args = [
            "config",
            "check",
            "--json",
            "--config-dir",
            str(config),
            "--grid",
            str(DEFAULT_GRID),
        ]
        result = CliRunner().invoke(app, [*args, *extra])
        assert result.exit_code == 0, result.output
        return json.loads(result.output.strip().splitlines()[-1])

    run.config = config  # type: ignore[attr-defined]
    return run


def test_the_same_content_answers_from_the_kept_report(check, tmp_path: Path) -> None:  # noqa: ANN001
    first = check()
    again = check()
    assert first["checked_before"] is None and again["checked_before"] is not None
    strip = {"checked_before"}
    assert {k: v for k, v in again.items() if k not in strip} == {
        k: v for k, v in first.items() if k not in strip
    }
    kept = report_file(tmp_path / "data", check_key(DEFAULT_GRID, check.config, set()))
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert check("--fresh")["checked_before"] is None


def test_the_same_content_elsewhere_is_checked_anew(check, tmp_path: Path) -> None:  # noqa: ANN001
    """The report names the files it read: a copy of the configuration in another folder gets
    its own report, naming its own files (found by the suite: a kept report named another
    test's folder)."""
    check()
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(check.config, elsewhere)
    args = [
        "config",
        "check",
        "--json",
        "--config-dir",
        str(elsewhere),
        "--grid",
        str(DEFAULT_GRID),
    ]
    result = CliRunner().invoke(app, args)
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["checked_before"] is None and report["config_dir"] == str(elsewhere)


def test_an_edited_file_or_another_secret_proves_again(
    check, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    check()
    org = check.config / "org.yaml"
    org.write_text(org.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert check()["checked_before"] is None
    monkeypatch.setenv("GRIDOPS_SECRET_SMTP", "x")
    assert check()["checked_before"] is None
    assert check()["checked_before"] is not None


def test_an_unreadable_kept_report_is_checked_again(check, tmp_path: Path) -> None:  # noqa: ANN001
    first = check()
    kept = report_file(tmp_path / "data", check_key(DEFAULT_GRID, check.config, set()))
    kept.write_text("{not json", encoding="utf-8")
    again = check()
    assert again["checked_before"] is None and again["ok"] == first["ok"]
    assert check()["checked_before"] is not None
