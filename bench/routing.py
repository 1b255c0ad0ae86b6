"""Benchmark: routing decisions per second, compiled table beside rule evaluation.

Same run, same Pudong sample config and grid, same random facts (every level-3 cell × category
pair is equally likely; sources, times of day and priorities random, 10% of the facts inside an
overlay). Baseline: ``gridops.org.evaluate`` — every rule in order, then target resolution.
Figures: the compiled table with its decision cache warm (the steady state of a routing
worker), and with no cache (entry lookup, residual rules, then the same decision building).
The time to load the config and to compile the table with its totality proof is in the note.
"""

from __future__ import annotations

import random
import time
from datetime import time as clock_time

from gridops.benchmarking import BenchResult, Figure, best_rate
from gridops.grids import load_grid
from gridops.org import OpsConfig, RoutingFacts, check_config, evaluate, load_ops_config
from gridops.org.compiled import CompiledTable
from gridops.org.gridview import lineage
from gridops.settings import load_settings
from gridops.tickets.vocabulary import Source


def random_facts(config: OpsConfig, n: int, seed: int = 7) -> list[RoutingFacts]:
    rng = random.Random(seed)
    cells = [lineage(config.grid, c.code) for c in config.grid.cells_at(config.grid.levels)]
    categories = sorted(config.taxonomy.categories)
    overlays = [(k, c.code) for k, v in config.grid.overlays.items() for c in v]
    out = []
    for _ in range(n):
        out.append(
            RoutingFacts(
                rng.choice(categories),
                rng.choice(cells),
                (rng.choice(overlays),) if overlays and rng.random() < 0.1 else (),
                source=rng.choice(list(Source)),
                local_time=time_of_day(rng),
                priority=rng.choice(["low", "normal", "high", "urgent"]),
            )
        )
    return out


def time_of_day(rng: random.Random) -> clock_time:
    return clock_time(rng.randrange(24), rng.randrange(60))


def run(quick: bool = False) -> BenchResult:
    settings = load_settings()
    grid = load_grid(settings.grid_path)
    t0 = time.perf_counter()
    config = load_ops_config(settings.config_dir, grid, verify=False)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = check_config(config)
    proof_s = time.perf_counter() - t0
    assert report.ok, report.errors
    n = 5_000 if quick else 50_000
    facts = random_facts(config, n)
    repeats = 2 if quick else 3

    def evaluating() -> int:
        for f in facts:
            evaluate(config, f)
        return n

    warm = CompiledTable(config, cache_size=2 * n)
    warm.compile_all()
    for f in facts:
        warm.route(f)

    def warm_lookup() -> int:
        for f in facts:
            warm.route(f)
        return n

    cold = CompiledTable(config, cache_size=0)
    cold.compile_all()

    def cold_lookup() -> int:
        for f in facts:
            cold.route(f)
        return n

    base = best_rate(evaluating, repeats=repeats)
    result = BenchResult("routing")
    result.add(
        Figure(
            "decisions/s, compiled table (cache warm)",
            best_rate(warm_lookup, repeats=repeats),
            "decisions/s",
            base,
            note=f"baseline: rule evaluation; {n} random facts on {len(facts[0].cells)}-level "
            f"Pudong sample, {report.stats['entries']} cell × category entries; loading the "
            f"config took {load_s:.2f} s, compiling the table + totality proof {proof_s:.2f} s",
        )
    )
    result.add(
        Figure(
            "decisions/s, compiled table (no cache)",
            best_rate(cold_lookup, repeats=repeats),
            "decisions/s",
            base,
            note="baseline: rule evaluation",
        )
    )
    return result
