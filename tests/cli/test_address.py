"""gridops address import / geocode / reverse: one line per problem, never a traceback."""

from __future__ import annotations

from typer.testing import CliRunner

from gridops.cli import app
from gridops.errors import UserError


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def refused(result) -> str:
    """The one-line message of a UserError (``gridops`` prints it as ``error: …``, exit 2)."""
    assert isinstance(result.exception, UserError), result.output
    assert result.exception.exit_code == 2
    return str(result.exception)


def test_import_geocode_reverse(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDOPS_DATA_DIR", str(tmp_path))
    f = tmp_path / "a.csv"
    f.write_text(
        "address,lon,lat\n浦东新区潍坊新村街道张杨路88号,121.5255,31.2433\n锦绣路1号,0,0\n",
        encoding="utf-8",
    )
    bad = refused(run("address", "import", str(f)))
    assert "line 3: 锦绣路1号: the point (0.0, 0.0) lies outside grid" in bad
    assert "among the 0 stored" in refused(run("address", "geocode", "张杨路88号"))
    ok = run("address", "import", str(f), "--skip-bad")
    assert ok.exit_code == 0 and "imported 1 addresses, skipped 1 bad rows" in ok.output
    found = run("address", "geocode", "张扬路88号")
    assert found.exit_code == 0 and "浦东新区潍坊新村街道张杨路88号" in found.output
    near = run("address", "reverse", "121.5256", "31.2433")
    assert near.exit_code == 0 and "10 m" in near.output


def test_a_missing_column_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDOPS_DATA_DIR", str(tmp_path))
    f = tmp_path / "a.csv"
    f.write_text("name,lon,lat\nx,1,2\n", encoding="utf-8")
    out = refused(run("address", "import", str(f)))
    assert "no address column; the header has name, lon, lat" in out
