"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work) for load balancers,
systemd and orchestrators (健康检查).

``/readyz`` runs :func:`gridops.services.health.readiness` — database, migrations at head,
Redis, grid and configuration loaded — and answers 200, or 503 naming the checks that failed::

    {"status": "unready", "failed": ["redis"],
     "checks": {"database": {"ok": true, "detail": "postgresql"}, "redis": {"ok": false, …}}}

Both are open (a probe has no token) and say nothing a visitor could use: no URLs, no secrets.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gridops.services.health import readiness
from gridops.web.state import State

router = APIRouter(tags=["health"])
NO_CACHE = {"Cache-Control": "no-store"}


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> JSONResponse:
    """200 while the event loop runs; nothing else is looked at."""
    return JSONResponse({"status": "alive"}, headers=NO_CACHE)


@router.get("/readyz", summary="Readiness: database, migrations, Redis and config")
def readyz(state: State) -> JSONResponse:
    """200 when every check passes, else 503 with the failed checks named."""
    checks = readiness(state.ctx)
    failed = [c.name for c in checks if not c.ok]
    body = {
        "status": "unready" if failed else "ready",
        "failed": failed,
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return JSONResponse(body, status_code=503 if failed else 200, headers=NO_CACHE)
