"""schemathesis ``--checks all`` against a live server finds nothing: every status a route
answers is in /openapi.json with its body, schema-valid input is taken, schema-invalid input is
refused, 405s carry Allow, and no request causes a 5xx.

The app is served by uvicorn on a free port (real HTTP, as a client sees it) and the schemathesis
CLI runs in a child process, each operation signed in as the role that may call it. Bounded: a
fixed seed, deterministic generation, one example per operation and mode in the fuzzing phase,
and only OPTIONS and PUT as unexpected methods in the coverage phase.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from live import serving

from gridops.processes import reaped
from gridops.services.context import ServiceContext
from gridops.web.app import create_app
from gridops.web.limits import RateLimits

from .conftest import NOW, Users

pytestmark = pytest.mark.slow

#: Beyond the check's defaults, 400 is a schema-valid request the service cannot use: a rule a
#: schema cannot state (a unit not in the org chart, a search over 90 days, a token lifetime
#: over ten years). 422 stays a failure there: it means the schema and the parser disagree.
POSITIVE = '["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]'
#: Photos must be JPEG or PNG by their content, which a schema cannot say either (422).
WITH_PHOTOS = '["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429", "5xx"]'
#: Who calls each tag's operations (the rest: a dispatcher of all units).
ROLES = {
    "admin": ("admin",),
    "field": ("field_staff", "all"),
    "supervise": ("supervisor", "all"),
    "verification": ("grid_worker", "all"),
}


def schemathesis_config(users: Users) -> str:
    """The run's schemathesis.toml: seed, bounds, checks and a bearer token per tag."""
    dispatcher = users.add("fuzz-dispatcher", "dispatcher", "all")["Authorization"]
    lines = [
        "seed = 1",
        # a loaded CI machine answers slowly; the checks are about answers, not their speed
        "request-timeout = 120",
        "[generation]",
        "max-examples = 1",
        "deterministic = true",
        "[phases.coverage]",
        'unexpected-methods = ["OPTIONS", "PUT"]',
        "[checks.positive_data_acceptance]",
        f"expected-statuses = {POSITIVE}",
        "[headers]",
        f'Authorization = "{dispatcher}"',
    ]
    for tag, (role, *units) in ROLES.items():
        bearer = users.add(f"fuzz-{role}", role, *units)["Authorization"]
        lines += ["[[operations]]", f'include-tag = "{tag}"',
                  f'headers = {{ Authorization = "{bearer}" }}']  # fmt: skip
    lines += [
        # the reload re-proves the whole routing table (seconds each, dozens of calls): it takes
        # no input to fuzz, and tests/web/api/test_roles.py covers its answers
        "[[operations]]",
        'include-name = "POST /api/v1/admin/config/reload"',
        "enabled = false",
        "[[operations]]",
        'include-path-regex = "/(done|onsite|verification/[a-z]+)$"',
        f"checks.positive_data_acceptance.expected-statuses = {WITH_PHOTOS}",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def live(ctx: ServiceContext) -> Iterator[str]:
    """The app on uvicorn on a free port; its base URL."""
    limits = RateLimits(per_key=10_000, per_address=10_000)
    app: FastAPI = create_app(ctx, clock=lambda: NOW, rate_limits=limits)
    with serving(app) as base:
        yield base


def test_schemathesis_checks_all_find_nothing(live: str, users: Users, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(schemathesis_config(users), encoding="utf-8")
    st = Path(sys.executable).with_name("st")
    command = [str(st), "--config-file", str(config), "run", f"{live}/openapi.json",
               "--checks", "all", "--no-color"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip
    with reaped(proc):
        out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", out)
    assert selected is not None, out
    chosen, total, tested = int(selected[1]), int(selected[2]), int(selected[3])
    assert tested == chosen == total - 1 and total > 40, out  # all but the reload
