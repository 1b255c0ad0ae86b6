"""Benchmark: Open311 POST requests/s and p50/p99 latency over loopback HTTP.

gridops: ``POST /open311/v2/requests.json`` of the real app (API key lookup, form checks, rate
limit counters in Redis, intake with locate, a committed ticket + event in SQLite, the routing
kick) on uvicorn in its own process. Baseline, measured in the same run: a bare FastAPI
endpoint on the same uvicorn settings that parses the same form and answers a receipt of the
same shape — the framework's own cost, so the ratio shows ours. The load comes from another
process (httpx clients in threads, keep-alive), one server at a time, alternating, best round
of each kept.

Run: ``gridops bench http --json`` (``--quick`` for a short smoke run). Not runnable as
``python bench/http.py``: the file name would shadow the standard library's ``http``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gridops.benchmarking import BenchResult, Figure
from gridops.processes import stop_all

HERE = Path(__file__).resolve()
PATH = "/open311/v2/requests.json"
# Children load this file by path: run as a script, bench/ would shadow the stdlib's ``http``.
_CHILD = (
    "import importlib.util, sys; "
    f"spec = importlib.util.spec_from_file_location('gridops_bench_http_child', {str(HERE)!r}); "
    "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); m.child(sys.argv[1:])"
)


# --- the two servers (run in a child process: python bench/http.py --serve KIND PORT) --------


def _serve(kind: str, port: int) -> None:
    import uvicorn

    if kind == "bare":
        app = FastAPI()

        @app.post(PATH)
        async def receipt(request: Request) -> JSONResponse:
            form = await request.form()
            return JSONResponse(
                [
                    {
                        "service_request_id": str(form.get("service_code")),
                        "service_notice": None,
                        "account_id": None,
                    }
                ]  # fmt: skip
            )

        @app.get("/ready")
        def ready() -> dict[str, bool]:
            return {"ok": True}

        uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)
        return
    from gridops.services.context import build_context
    from gridops.settings import load_settings
    from gridops.web.app import create_app
    from gridops.web.limits import RateLimits

    ctx = build_context(load_settings())
    ctx.redis()
    app = create_app(ctx, rate_limits=RateLimits(per_key=10**9, per_address=10**9))

    @app.get("/ready", include_in_schema=False)
    def ready_gridops() -> dict[str, bool]:
        return {"ok": True}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


# --- the load generator (another process: python bench/http.py --load URL SECONDS THREADS) ---


def _load(url: str, seconds: float, threads: int, forms_path: str) -> None:
    import threading

    import httpx

    forms: list[dict[str, str]] = json.loads(Path(forms_path).read_text())
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    stop_at = time.perf_counter() + seconds

    def worker(i: int) -> None:
        with httpx.Client(timeout=30) as client:
            n = i
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                r = client.post(url, data=forms[n % len(forms)])
                latencies[i].append(time.perf_counter() - t0)
                errors[i] += r.status_code != 200
                n += threads

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    flat = sorted(x for lat in latencies for x in lat)
    print(json.dumps({"n": len(flat), "elapsed": elapsed, "errors": sum(errors), "lat": flat}))


# --- the parent -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become ready")


def _start(kind: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", _CHILD, "--serve", kind, str(port)], env=env, cwd=HERE.parent.parent
    )
    _wait_ready(port, server)
    return server, port


def _drive(port: int, env: dict[str, str], forms: str, seconds: float, threads: int) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, "--load", f"http://127.0.0.1:{port}{PATH}",
         str(seconds), str(threads), forms],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure(
    env: dict[str, str], forms: str, seconds: float, threads: int, rounds: int
) -> dict[str, Any]:
    """Both servers up at once (an idle one costs nothing); load runs alternate between them,
    and each keeps its best round (the least disturbed by other work on the machine)."""
    servers = {kind: _start(kind, env) for kind in ("gridops", "bare")}
    best: dict[str, Any] = {}
    try:
        for _ in range(rounds):
            for kind, (_, port) in servers.items():
                got = _drive(port, env, forms, seconds, threads)
                got["rps"] = got["n"] / got["elapsed"]
                if got["errors"]:
                    raise RuntimeError(f"{kind}: {got['errors']} non-200 answers")
                if kind not in best or got["rps"] > best[kind]["rps"]:
                    best[kind] = got
    finally:
        stop_all([proc for proc, _ in servers.values()], grace=30)
    return best


def _pct(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _forms(env: dict[str, str], key: str, n: int) -> list[dict[str, str]]:
    """``n`` valid forms at points spread over the sample grid (WGS84)."""
    from gridops.grids import load_grid
    from gridops.grids.crs import WGS84, to_grid_crs
    from gridops.settings import load_settings

    grid = load_grid(load_settings(env).grid_path)
    cells = grid.cells_at(3)
    step = max(1, len(cells) // n)
    forms = []
    for i, cell in enumerate(cells[::step][:n]):
        p = cell.geometry.representative_point()
        lon, lat = to_grid_crs(float(p.x), float(p.y), grid.crs, WGS84)
        forms.append({"api_key": key, "service_code": "E0102", "lat": f"{lat:.7f}",
                      "long": f"{lon:.7f}", "description": f"bench {i}",
                      "phone": "13800000000"})  # fmt: skip
    return forms


def run(quick: bool = False) -> BenchResult:
    """Measure gridops and the bare endpoint, one after the other, in this run."""
    from gridops.queue.connect import embedded_for
    from gridops.settings import load_settings
    from gridops.store import open_store
    from gridops.store.accounts import Accounts
    from gridops.web.auth import create_api_key

    seconds, threads, rounds = (2.0, 4, 1) if quick else (5.0, 8, 3)
    tmp = tempfile.mkdtemp(prefix="gridops-bench-http-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDOPS_")}
    env |= {"GRIDOPS_DATA_DIR": tmp, "PYTHONPATH": str(HERE.parent.parent)}
    settings = load_settings(env)
    result = BenchResult("http")
    try:
        store = open_store(settings.database_url)
        from datetime import UTC, datetime

        _, key = create_api_key(Accounts(store.engine), "bench", now=datetime.now(UTC))
        store.close()
        forms_path = Path(tmp) / "forms.json"
        forms_path.write_text(json.dumps(_forms(env, key, 500)))
        best = _measure(env, str(forms_path), seconds, threads, rounds)
    finally:
        embedded_for(settings).stop()
        shutil.rmtree(tmp, ignore_errors=True)
    ours, bare = best["gridops"], best["bare"]
    note = (
        f"{threads} client threads in another process; best of {rounds} alternating "
        f"{seconds:g} s rounds; SQLite; loopback"
    )
    result.add(Figure("open311_post_rps", ours["rps"], "req/s", bare["rps"], note=note))
    for name, q in (("p50", 0.50), ("p99", 0.99)):
        result.add(Figure(f"open311_post_{name}_ms", _pct(ours["lat"], q) * 1e3, "ms",
                          _pct(bare["lat"], q) * 1e3, lower_is_better=True, note=note))  # fmt: skip
    return result


def child(argv: list[str]) -> None:
    """Entry point of the server and load-generator processes."""
    if argv[0] == "--serve":
        _serve(argv[1], int(argv[2]))
    elif argv[0] == "--load":
        _load(argv[1], float(argv[2]), int(argv[3]), argv[4])
    else:
        raise SystemExit(f"unknown child role {argv[0]!r}")
