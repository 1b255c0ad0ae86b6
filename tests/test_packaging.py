"""A built wheel runs on its own: the default configuration and the sample grid are inside it.

The wheel is built offline from a copy of the sources (pip, no build isolation, no index) and
installed into a fresh venv that takes its dependencies from this interpreter's site-packages
through a .pth file. (``venv --system-site-packages`` would not do: the project's interpreter
is itself a venv, and that flag exposes the base interpreter instead.) A .pth line adds a path
without running the .pth files inside it, so the checkout's editable install stays out of
sight: gridops and workers come from the wheel. Every command runs from a temporary directory
with no GRIDOPS_* variable set.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from gridops.settings import DEFAULT_CONFIG_DIR, DEFAULT_GRID, DEFAULTS_DIR, REPO_ROOT

pytestmark = pytest.mark.slow

SOURCES = ("gridops", "workers", "pyproject.toml", "README.md")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    outside: Path  # a working directory outside the checkout

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDOPS_")}
        env.pop("PYTHONPATH", None)
        env["GRIDOPS_DATA_DIR"] = str(self.outside / "data")
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=self.outside, env=env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip


def _pip(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("packaging")
    src = tmp / "src"
    for name in SOURCES:  # a copy: building in the checkout would leave build/ and egg-info
        origin = REPO_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(origin, src / name)
    built = _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", "dist",
                 "./src", cwd=tmp)  # fmt: skip
    if built.returncode != 0:
        pytest.fail(
            "pip could not build the gridops wheel offline with this venv's setuptools "
            "(it needs setuptools>=70.1, or the `wheel` package, for bdist_wheel: the dev extra "
            "pins it; run `make install`).\n" + (built.stdout + built.stderr)[-3000:],
            pytrace=False,
        )
    (wheel,) = (tmp / "dist").glob("gridops-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (site,) = (venv / "lib").glob("python3*/site-packages")
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "gridops-test-deps.pth").write_text("".join(f"{p}\n" for p in sorted(deps)))
    done = _pip("--python", str(venv / "bin" / "python"), "install", "--no-deps", "--no-index",
                str(wheel), cwd=tmp)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    outside = tmp / "elsewhere"
    outside.mkdir()
    return Installed(wheel, venv, outside)


def test_the_wheel_holds_the_configuration_and_the_sample_grid(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {
        f"gridops/{p.relative_to(DEFAULTS_DIR.parent).as_posix()}"
        for folder in (DEFAULT_CONFIG_DIR, DEFAULT_GRID)
        for p in folder.iterdir()
        if p.is_file()
    }
    assert {Path(n).name for n in expected} >= {"routing.yaml", "grid.yaml", "level3.geojson"}
    assert expected <= names, sorted(expected - names)


def test_gridops_and_workers_come_from_the_wheel(installed: Installed) -> None:
    out = installed.run("python", "-c", "import gridops, workers; print(gridops.__file__); "
                        "print(workers.__file__)")  # fmt: skip
    assert out.returncode == 0, out.stderr
    for line in out.stdout.split():
        assert Path(line).is_relative_to(installed.venv), line


def test_the_installed_grid_check_passes_on_the_embedded_sample(installed: Installed) -> None:
    out = installed.run("gridops", "grid", "check", "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["grid"] == "pudong-sample" and report["errors"] == 0


def test_the_installed_config_check_passes_on_the_embedded_defaults(installed: Installed) -> None:
    out = installed.run("gridops", "config", "check")
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_installed_demo_runs_its_workers_from_the_wheel(installed: Installed) -> None:
    out = installed.run("gridops", "demo", "--headless", "--duration", "6", "--no-web",
                        "--rate", "10")  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "gridops summary" in out.stdout and "合计" in out.stdout
    data = installed.outside / "data"
    logs = sorted((data / "logs").glob("worker*.log"))
    assert logs and not any("Traceback" in log.read_text("utf-8") for log in logs)
    with sqlite3.connect(data / "gridops.db") as db:
        statuses = {row[0] for row in db.execute("SELECT DISTINCT status FROM tickets")}
    assert statuses - {"reported"}, "no ticket was routed: the workers did nothing"


def test_benchmarks_ask_for_a_checkout(installed: Installed) -> None:
    out = installed.run("gridops", "bench", "locate")
    assert out.returncode == 2 and "checkout" in out.stderr, out.stdout + out.stderr
    assert "Traceback" not in out.stderr


def test_the_wheel_holds_the_field_apps_files(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    app = {f"gridops/web/console/app_static/{n}" for n in ("app.js", "outbox.js", "patrol.js",
                                                         "sw.js", "app.css")}  # fmt: skip
    assert app <= names, sorted(app - names)
    assert "gridops/web/console/templates/app.html" in names
