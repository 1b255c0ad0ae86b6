"""`gridops bench NAME [--json]`: run bench/NAME.py and print its figures beside their baselines."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import typer
from rich.console import Console
from rich.table import Table

from gridops.benchmarking import BenchResult
from gridops.errors import UserError
from gridops.settings import REPO_ROOT

BENCH_DIR = REPO_ROOT / "bench"


def available() -> list[str]:
    """Names of the benchmarks in bench/."""
    return sorted(p.stem for p in BENCH_DIR.glob("*.py") if not p.stem.startswith("_"))


def _load(name: str) -> ModuleType:
    path = BENCH_DIR / f"{name}.py"
    if not path.is_file():
        raise UserError(
            f"no benchmark {name!r} in {BENCH_DIR}; available: {', '.join(available())}"
        )
    spec = importlib.util.spec_from_file_location(f"gridops_bench_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_bench(name: str, *, quick: bool = False) -> BenchResult:
    """Run one benchmark by name."""
    result: BenchResult = _load(name).run(quick=quick)
    return result


def print_table(result: BenchResult) -> None:
    table = Table(title=f"bench {result.bench}")
    for col in ("figure", "value", "baseline", "ratio", "unit"):
        table.add_column(col, justify="left" if col in ("figure", "unit") else "right")
    for f in result.figures:
        table.add_row(f.name, f"{f.value:,.4g}", f"{f.baseline:,.4g}", f"{f.ratio:.2f}", f.unit)
    Console().print(table)


def bench(
    name: str = typer.Argument(..., help="Benchmark name (a file in bench/), e.g. locate"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last line"),
    quick: bool = typer.Option(False, "--quick", help="Smaller inputs, for a smoke run"),
) -> None:
    """Run a benchmark beside its same-run baseline.

    Example: gridops bench locate --json
    """
    result = run_bench(name, quick=quick)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print_table(result)


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)


def results_path() -> Path:
    return BENCH_DIR / "results.json"
