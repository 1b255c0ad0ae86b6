"""`gridops bench NAME [--json]`: run bench/NAME.py and print its figures beside their baselines.

`gridops bench all [--write] [--quick]` runs every benchmark; --write saves bench/results.json
(each figure, its same-run baseline and ratio, the CPU count and the commit) and refreshes the
table in docs/benchmarks.md between ``<!-- bench:start -->`` and ``<!-- bench:end -->``.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from gridops.benchmarking import BENCH_DIR, BenchResult, bench_module, current_commit
from gridops.errors import UserError
from gridops.settings import REPO_ROOT

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _bench_dir() -> Path:
    """bench/ of the checkout; benchmarks are not part of an installed wheel."""
    if not BENCH_DIR.is_dir():
        raise UserError(
            f"{BENCH_DIR}: no bench/ folder; benchmarks run only from a gridops checkout "
            "(git clone, then make install), not from an installed wheel"
        )
    return BENCH_DIR


def available() -> list[str]:
    """Names of the benchmarks in bench/."""
    return sorted(p.stem for p in _bench_dir().glob("*.py") if not p.stem.startswith("_"))


def _load(name: str) -> ModuleType:
    if name.startswith("_") or not (_bench_dir() / f"{name}.py").is_file():
        raise UserError(
            f"no benchmark {name!r} in {BENCH_DIR}; available: {', '.join(available())}"
        )
    return bench_module(name)


def run_bench(name: str, *, quick: bool = False, **options: Any) -> BenchResult:
    """Run one benchmark by name; ``options`` (e.g. cityday's ``minutes``) go to its ``run``,
    which must take them."""
    module = _load(name)
    known = inspect.signature(module.run).parameters
    for option in options:
        if option not in known:
            raise UserError(f"bench {name} has no --{option} option; it takes "
                            f"{', '.join('--' + k for k in known) or 'none'}")  # fmt: skip
    result: BenchResult = module.run(quick=quick, **options)
    return result


def in_all(name: str) -> bool:
    """Whether ``gridops bench all`` runs it (a module sets ``IN_ALL = False`` to be left out:
    too long for a routine run)."""
    return bool(getattr(_load(name), "IN_ALL", True))


def print_table(result: BenchResult) -> None:
    table = Table(title=f"bench {result.bench}")
    for col in ("figure", "value", "baseline", "ratio", "unit"):
        table.add_column(col, justify="left" if col in ("figure", "unit") else "right")
    for f in result.figures:
        table.add_row(f.name, f"{f.value:,.4g}", f"{f.baseline:,.4g}", f"{f.ratio:.2f}", f.unit)
    Console().print(table)


def bench(
    name: str = typer.Argument(..., help="Benchmark name (a file in bench/), e.g. locate, or all"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last line"),
    quick: bool = typer.Option(False, "--quick", help="Smaller inputs, for a smoke run"),
    write: bool = typer.Option(
        False,
        "--write",
        help="With all: write bench/results.json and the table in docs/benchmarks.md",
    ),
    minutes: float | None = typer.Option(
        None, "--minutes", min=0.1, help="cityday: the compressed day's length (default 20)"
    ),
    volume: int | None = typer.Option(
        None, "--volume", min=1, help="cityday: reports in the day (default 70,000)"
    ),
) -> None:
    """Run a benchmark (or all of them) beside its same-run baseline.

    Example: gridops bench locate --json · gridops bench all --write
    """
    if name != "all":
        if write:
            raise UserError("--write goes with 'gridops bench all' (results.json holds every run)")
        options = {k: v for k, v in (("minutes", minutes), ("volume", volume)) if v is not None}
        result = run_bench(name, quick=quick, **options)
        if as_json:
            print(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            print_table(result)
        return
    if minutes is not None or volume is not None:
        raise UserError("--minutes and --volume go with 'gridops bench cityday', not all")
    results, failed = [], {}
    for each in available():
        if not in_all(each):
            typer.echo(f"bench {each}: left out of all (run it on its own)", err=True)
            continue
        typer.echo(f"bench {each} …", err=True)
        try:
            results.append(run_bench(each, quick=quick))
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the rest
            failed[each] = f"{type(exc).__name__}: {exc}"
            typer.secho(f"bench {each} failed: {failed[each]}", err=True, fg="red")
            continue
        if not as_json:
            print_table(results[-1])
    doc = all_results(results, quick=quick) | ({"failed": failed} if failed else {})
    if as_json:
        print(json.dumps(doc, ensure_ascii=False))
    if write:
        write_results(doc)
    if failed:
        raise typer.Exit(1)


def all_results(results: list[BenchResult], *, quick: bool) -> dict[str, Any]:
    """One document for bench/results.json."""
    return {
        "commit": current_commit(),
        "cpus": os.cpu_count(),
        "quick": quick,
        "benches": [
            {k: v for k, v in r.to_dict().items() if k not in ("cpus", "commit")} for r in results
        ],  # fmt: skip
    }


def write_results(
    doc: dict[str, Any], readme: Path | None = None, results: Path | None = None
) -> None:
    """Write bench/results.json and refresh the table in docs/benchmarks.md between the markers
    (checked first, so that nothing is half-written)."""
    readme = readme or REPO_ROOT / "docs" / "benchmarks.md"
    text = readme.read_text("utf-8")
    if START not in text or END not in text or text.index(START) > text.index(END):
        raise UserError(
            f"{readme}: markers {START} … {END} not found; add them where the table goes"
        )
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    (results or results_path()).write_text(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )
    readme.write_text(f"{head}{START}\n{readme_table(doc)}{END}{tail}", "utf-8")


def readme_table(doc: dict[str, Any]) -> str:
    """The markdown table of every figure (value and baseline with their unit, ratio)."""
    lines = ["| bench | figure | value | baseline | ratio |", "|---|---|---|---|---|"]
    for b in doc["benches"]:
        for f in b["figures"]:
            unit = f["unit"]
            lines.append(
                f"| {b['bench']} | {f['name']} | {_num(f['value'])} {unit} | "
                f"{_num(f['baseline'])} {unit} | {f['ratio']:.3g} |"
            )
    quick = " (--quick inputs)" if doc.get("quick") else ""
    lines.append("")
    lines.append(f"{doc['cpus']} CPUs, commit {str(doc['commit'])[:10]}{quick}; ratio > 1: "
                 "better than the same-run baseline.")  # fmt: skip
    for name, error in (doc.get("failed") or {}).items():
        lines.append(f"`{name}` failed in this run: {error}")
    return "\n".join(lines) + "\n"


def _num(v: float) -> str:
    if v >= 100_000:
        return f"{v / 1000:,.0f}k"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)


def results_path() -> Path:
    return BENCH_DIR / "results.json"
