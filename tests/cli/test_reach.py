"""A setting that cannot work — an unreachable database or Redis, a time zone that does not
exist, a data dir that is a file, an impossible date in calendar.yaml — stops every command
with one line on stderr naming the setting or file and the fix, never a traceback. Run as
real commands (`gridops …` in a subprocess), as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import free_port

from gridops.settings import DEFAULT_CONFIG_DIR, REPO_ROOT

DATA = Path(__file__).resolve().parents[1] / "metrics" / "data"
COMMANDS = {
    "serve": ("serve", "--port", "{port}"),
    "worker": ("worker", "--burst"),
    "demo": ("demo", "--headless", "--duration", "5", "--no-web"),
    "config check": ("config", "check"),
    "report": ("report", "--period", "2026-10"),
    "import": ("import", "tickets", str(DATA / "history.csv"), "--mapping",
               str(DATA / "mapping.yaml")),
}  # fmt: skip


def gridops(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = [a.format(port=free_port()) for a in COMMANDS[command]]
    return subprocess.run(
        [sys.executable, "-c", "from gridops.cli import main; main()", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    """The single line of stderr, after checking the exit code and that it reads well."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.returncode == code, (result.returncode, result.stderr)
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("GRIDOPS_")}
    return out | {"GRIDOPS_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}


@pytest.mark.parametrize("command", ["serve", "worker", "demo", "report", "import"])
def test_an_unreachable_database_is_one_line(env: dict[str, str], command: str) -> None:
    url = f"postgresql+psycopg://gridops:secret@127.0.0.1:{free_port()}/gridops"
    result = gridops(command, env | {"GRIDOPS_DATABASE_URL": url})
    line = one_line(result, 1, "GRIDOPS_DATABASE_URL=postgresql+psycopg://gridops:***@127.0.0.1")
    assert "Connection refused; start it, or fix GRIDOPS_DATABASE_URL" in line
    assert "secret" not in result.stderr


@pytest.mark.parametrize("command", ["serve", "worker", "demo"])
def test_an_unreachable_redis_is_one_line(env: dict[str, str], command: str) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = gridops(command, env | {"GRIDOPS_REDIS_URL": url})
    one_line(result, 1, f"Redis at GRIDOPS_REDIS_URL={url} does not answer",
             "start it, or fix GRIDOPS_REDIS_URL")  # fmt: skip


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_time_zone_that_does_not_exist_is_one_line(env: dict[str, str], command: str) -> None:
    result = gridops(command, env | {"GRIDOPS_TIMEZONE": "Mars/Olympus"})
    one_line(result, 2, "GRIDOPS_TIMEZONE 'Mars/Olympus' is not an IANA time zone name")


@pytest.mark.parametrize("command", ["serve", "worker", "demo", "config check"])
def test_a_data_dir_that_is_a_file_is_one_line(
    env: dict[str, str], tmp_path: Path, command: str
) -> None:
    file = tmp_path / "data"
    file.write_text("a file, not a directory")
    result = gridops(command, env)
    one_line(result, 2, f"GRIDOPS_DATA_DIR {file}: {file} is a file, not a directory")


@pytest.mark.parametrize("command", ["serve", "worker", "demo"])
def test_an_impossible_date_in_calendar_yaml_is_one_line(
    env: dict[str, str], tmp_path: Path, redis_server: str, command: str
) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    calendar = config / "calendar.yaml"
    text = calendar.read_text(encoding="utf-8")
    calendar.write_text(text.replace("holidays: []", "holidays: [2026-02-30]"), encoding="utf-8")
    result = gridops(command, env | {"GRIDOPS_CONFIG_DIR": str(config),
                                     "GRIDOPS_REDIS_URL": redis_server})  # fmt: skip
    one_line(result, 2, f"{calendar}: line 11 column 12: '2026-02-30' is not a real date",
             "write a valid YYYY-MM-DD date")  # fmt: skip
