"""Benchmark: the supervisor's indicator map (``/console/supervise/map.json``) beside the
supervisor's page it belongs to, for the same grouping and period, in one run, in-process
(TestClient), best of 3. The map's shades are fetched after the page, so the baseline is the
page itself: the ratio says what the map adds to a visit.

    rm -rf /tmp/sim && GRIDOPS_DATA_DIR=/tmp/sim .venv/bin/gridops simulate --days 7 \\
        --start 2026-11-23T00:00+08:00 --per-hour 60 --seed 1      # ~10,000 tickets, ~5 min
    .venv/bin/python -m bench.supervise_map /tmp/sim

Not part of the test suite; signs in a supervisor of all units it adds to that data dir.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from datetime import UTC, datetime

QUERIES = ("view=1&period=2026-W48", "view=2&period=2026-W48",
           "view=2&parent=310115005&period=2026-W48",
           "view=3&parent=310115005001&period=2026-W48")  # fmt: skip
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)


def main(data_dir: str) -> None:
    from fastapi.testclient import TestClient

    from gridops.services.context import build_context
    from gridops.settings import load_settings
    from gridops.store.accounts import Accounts
    from gridops.web.app import create_app
    from gridops.web.auth import create_user
    from gridops.web.console import console_router

    ctx = build_context(load_settings({"GRIDOPS_DATA_DIR": data_dir}))
    app = create_app(ctx, clock=lambda: NOW)
    if not any(getattr(r, "path", "") == "/console/login" for r in app.routes):
        app.include_router(console_router)
    user = f"sup-bench-{uuid.uuid4().hex[:6]}"
    _, token = create_user(Accounts(ctx.store.engine), user, name=user, role="supervisor",
                           units=["all"], now=NOW, org=ctx.ops.org)  # fmt: skip
    client = TestClient(app)
    login = client.get("/console/login").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', login)
    assert csrf, "the login page carries no CSRF token"
    assert client.post("/console/login", data={"csrf": csrf.group(1), "token": token}).is_success

    def best(url: str) -> tuple[float, int]:
        times, size = [], 0
        for _ in range(3):
            t = time.perf_counter()
            r = client.get(url)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200, (url, r.status_code)
            size = len(r.content)
        return min(times), size

    for q in QUERIES:
        page, page_b = best(f"/console/supervise?{q}")
        shades, shades_b = best(f"/console/supervise/map.json?{q}&ind=on_time_close")
        ratio = shades / page
        print(f"{q:44s} page (baseline) {page * 1000:6.0f} ms {page_b:8,} B | "
              f"map.json {shades * 1000:5.0f} ms {shades_b:7,} B | ratio {ratio:.2f}")  # fmt: skip
    ctx.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
