"""Benchmark: the address database (标准地址库) at a million addresses, each figure beside a
same-run baseline.

- import: ``import_addresses`` of a 1,000,000-row CSV (read, parse, place every point in the
  sample grid, write to a fresh SQLite database) — no baseline of its own; the goal is 60 s.
- geocode p99: ``AddressBook.geocode`` of addresses as a caller says them (no district, some
  with a one-character typo in the road, some full-width), beside a plain SQL
  ``text LIKE '%…%'`` over the same table for the exact text (which cannot tolerate typos).
- reverse p99: ``AddressBook.reverse`` of random points, beside a brute-force nearest (numpy
  over every point of the table).

``quick=True``: 50,000 addresses.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import text

from gridops.address.book import AddressBook
from gridops.address.sample import KINDS, SYLLABLES
from gridops.benchmarking import BenchResult, Figure
from gridops.grids import Grid, load_grid
from gridops.services.addresses import import_addresses
from gridops.settings import DEFAULT_GRID
from gridops.store import open_store
from gridops.store.addresses import load_addresses

NUMBERS_PER_ROAD = 200


def _points(grid: Grid, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    cover = shapely.union_all([c.geometry for c in grid.cells_at(1)])
    shapely.prepare(cover)
    x0, y0, x1, y1 = cover.bounds
    xs, ys, have = [], [], 0
    while have < n:
        x, y = rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)
        keep = shapely.contains_xy(cover, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _roads(count: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        parts = rng.sample(SYLLABLES, rng.choice((2, 2, 3)))
        names.add("".join(zh for zh, _ in parts) + rng.choice(KINDS)[0])
    return sorted(names)


def write_file(grid: Grid, n: int, path: Path, seed: int = 7) -> list[str]:
    """``n`` addresses (路…号, one in five 路…弄…号) at random points of the grid; their texts."""
    rng = random.Random(seed)
    roads = _roads(-(-n // NUMBERS_PER_ROAD), rng)
    x, y = _points(grid, n + n // 50 + 10, np.random.default_rng(seed))
    x, y = np.round(x, 6), np.round(y, 6)
    inside = grid.locate_many(x, y)[0] != ""  # the union's seams and the rounding: not all are
    x, y = x[inside][:n], y[inside][:n]
    texts = []
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,address,lon,lat\n")
        for i in range(n):
            road = roads[i // NUMBERS_PER_ROAD]
            k = i % NUMBERS_PER_ROAD
            house = f"{k // 5 + 1}弄{k % 5 + 1}号" if k % 5 == 4 else f"{k + 1}号"
            t = f"浦东新区{road}{house}"
            texts.append(t)
            fh.write(f"B{i:07d},{t},{x[i]:.6f},{y[i]:.6f}\n")
    return texts


def _spoken(t: str, rng: random.Random) -> str:
    """An address as a caller says it: no district; a typo in one of four, full-width in one
    of four."""
    t = t.removeprefix("浦东新区")
    roll = rng.random()
    if roll < 0.25:
        zh = [c for c, _ in SYLLABLES]
        t = t[0] + rng.choice(zh) + t[2:]  # the road's second character misheard
    elif roll < 0.5:
        t = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in t)
    return t


def _p99(samples: list[float]) -> float:
    return float(np.percentile(np.array(samples) * 1000.0, 99))


def run(quick: bool = False) -> BenchResult:
    result = BenchResult("address")
    n = 50_000 if quick else 1_000_000
    grid = load_grid(DEFAULT_GRID)
    with tempfile.TemporaryDirectory(prefix="gridops-address-bench-") as tmp:
        csv = Path(tmp) / "addresses.csv"
        texts = write_file(grid, n, csv)
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        done = import_addresses(store, grid, csv, now=datetime.now(UTC))
        import_s, import_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert done.imported == n, done.problems[:3]
        result.add(Figure(f"import {n:,} addresses", import_s, "s", 60.0, lower_is_better=True,
                          note=f"baseline: the goal (60 s for 1M), not a measurement; "
                               f"{import_cpu:.1f} s of CPU; load average {load:.1f}"))  # fmt: skip
        t0, c0 = time.perf_counter(), time.process_time()
        book = AddressBook(load_addresses(store.engine))
        build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
        once = f"no baseline: once per import per process; {build_cpu:.1f} s of CPU"
        result.add(Figure("load the address book", build_s, "s", build_s, lower_is_better=True,
                          note=once))  # fmt: skip
        rng = random.Random(11)
        asked = [(t, _spoken(t, rng)) for t in rng.sample(texts, 2000)]
        times, cpu, right = [], [], 0
        for want, said in asked:
            t0, c0 = time.perf_counter(), time.thread_time()
            found = book.geocode(said)
            times.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)
            right += bool(found) and found[0].text == want
        like_times, like_cpu = [], []
        with store.engine.connect() as conn:
            q = text("SELECT id, text FROM addresses WHERE text LIKE :p LIMIT 5")
            for want, _ in asked[:40]:
                key = unicodedata.normalize("NFKC", want.removeprefix("浦东新区"))
                t0, c0 = time.perf_counter(), time.thread_time()
                conn.execute(q, {"p": f"%{key}%"}).all()
                like_times.append(time.perf_counter() - t0)
                like_cpu.append(time.thread_time() - c0)
        note = (f"baseline: SQL LIKE '%text%' (exact text only); {right / len(asked):.1%} "
                "found first, a quarter asked with a typo")  # fmt: skip
        result.add(Figure("geocode p99", _p99(times), "ms", _p99(like_times), lower_is_better=True,
                          note=note))  # fmt: skip
        result.add(Figure("geocode p99 (CPU time)", _p99(cpu), "ms", _p99(like_cpu),
                          lower_is_better=True, note="the same queries, the thread's CPU time: "
                          "what the machine's other load does not inflate"))  # fmt: skip
        px, py = _points(grid, 5000, np.random.default_rng(3))
        rev, rev_cpu = [], []
        for a, b in zip(px, py, strict=True):
            t0, c0 = time.perf_counter(), time.thread_time()
            book.reverse(float(a), float(b))
            rev.append(time.perf_counter() - t0)
            rev_cpu.append(time.thread_time() - c0)
        brute, brute_cpu = [], []
        scale = float(np.cos(np.radians(book.lat.mean())))
        for a, b in zip(px[:200], py[:200], strict=True):
            t0, c0 = time.perf_counter(), time.thread_time()
            i = int(np.argmin(((book.lon - a) * scale) ** 2 + (book.lat - b) ** 2))
            brute.append(time.perf_counter() - t0)
            brute_cpu.append(time.thread_time() - c0)
            assert book.ids[i] == book.reverse(float(a), float(b)).id  # type: ignore[union-attr]
        brute_note = "baseline: brute-force nearest (numpy)"
        result.add(Figure("reverse geocode p99", _p99(rev), "ms", _p99(brute),
                          lower_is_better=True, note=brute_note))  # fmt: skip
        result.add(Figure("reverse geocode p99 (CPU time)", _p99(rev_cpu), "ms", _p99(brute_cpu),
                          lower_is_better=True, note=brute_note))  # fmt: skip
        store.close()
    return result
