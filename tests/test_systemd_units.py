"""The systemd units shipped in gridops/defaults/systemd/: systemd accepts them (when
systemd-analyze is here), their commands are ones gridops parses, and a stop gives the
workers more time than run's grace before anything is killed."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gridops.cli import app
from gridops.settings import DEFAULTS_DIR

UNITS = DEFAULTS_DIR / "systemd"
NAMES = ["gridops.service", "gridops-check.service", "gridops-check.timer"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parser


def argv(name: str) -> list[str]:
    words = shlex.split(unit(name)["Service"]["ExecStart"])
    assert words[0].endswith("/gridops")
    return words[1:]


def test_the_shipped_units_are_the_documented_ones() -> None:
    assert sorted(p.name for p in UNITS.iterdir()) == sorted(NAMES)


@pytest.mark.parametrize("name", ["gridops.service", "gridops-check.service"])
def test_their_commands_parse(name: str) -> None:
    command = typer.main.get_command(app)
    words = argv(name)
    sub = command.commands[words[0]]  # type: ignore[attr-defined]
    ctx = sub.make_context(words[0], words[1:])  # raises on an unknown option or bad value
    assert ctx.params
    with pytest.raises(Exception, match="No such option"):
        sub.make_context(words[0], [*words[1:], "--no-such-option"])


def test_a_stop_outlasts_the_grace_and_reaches_the_supervisor_only() -> None:
    service = unit("gridops.service")["Service"]
    words = argv("gridops.service")
    grace = float(words[words.index("--grace") + 1])
    assert float(service["TimeoutStopSec"]) > grace
    assert service["KillMode"] == "mixed" and service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # a config mistake waits for a person
    assert service["UMask"] == "0077" and service["StateDirectoryMode"] == "0700"


def test_run_prints_a_shipped_unit() -> None:
    out = CliRunner().invoke(app, ["run", "--systemd-unit", "gridops.service"])
    assert out.exit_code == 0 and out.output == (UNITS / "gridops.service").read_text()
    bad = CliRunner().invoke(app, ["run", "--systemd-unit", "nginx.conf"])
    assert "gridops ships gridops-check.service" in str(bad.exception)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verify_accepts_them(tmp_path: Path) -> None:
    gridops = Path(sys.executable).with_name("gridops")
    for name in NAMES:
        text = (UNITS / name).read_text().replace("/opt/gridops/bin/gridops", str(gridops))
        (tmp_path / name).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in NAMES)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    ours = [line for line in done.stderr.splitlines() if str(tmp_path) in line]
    assert done.returncode == 0 and ours == [], done.stderr
