"""The HTTP application (FastAPI): Open311 GeoReport v2, the JSON API per role, media, metrics.

``create_app(ctx)`` wires the routers onto one ServiceContext; ``gridops serve`` runs it on
uvicorn. Every error a user can cause comes back as JSON with a reason: 403 for a refusal
(from :func:`gridops.web.permissions.authorize`), 404 for an unknown ticket, 409 for a move the
workflow refuses or a ticket someone else just changed, 400/422 for bad input; 503 with
Retry-After, in the route's own format, when the database cannot take the request
(:mod:`gridops.web.unavailable`). Blocking database work never runs on the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Receive, Scope, Send

from gridops.errors import UserError
from gridops.services.errors import UnknownQueue
from gridops.store.accounts import Accounts
from gridops.store.errors import StaleTicket, UnknownAccount, UnknownTicket
from gridops.tickets.errors import BadTransitionInput, IllegalTransition, RoleNotAllowed
from gridops.web import unavailable
from gridops.web.allow import AllowHeader
from gridops.web.auth import ApiKeyCache
from gridops.web.basemap import basemap_origins
from gridops.web.headers import SecurityHeaders
from gridops.web.input import validation_failed
from gridops.web.limits import MAX_BODY, BodySizeLimit, RateLimiter, RateLimits
from gridops.web.media import MediaError
from gridops.web.permissions import PermissionDenied
from gridops.web.state import WebState, utc_now
from gridops.web.url_limit import UrlLengthLimit

if TYPE_CHECKING:
    from gridops.services.context import ServiceContext

TITLE = "gridops"
DESCRIPTION = (
    "Grid-based urban operations event router (网格化管理). Open311 GeoReport v2 at "
    "/open311/v2/ (lat/long are WGS84; the grid works in GCJ-02 and gridops converts both "
    "ways; times are in the operations centre's zone), the JSON API per role at /api/v1 "
    "(Authorization: Bearer <token>), Prometheus metrics at /metrics, probes at /healthz and "
    "/readyz."
)


def create_app(
    ctx: ServiceContext | None = None,
    *,
    rate_limits: RateLimits | None = None,
    clock: Callable[[], datetime] = utc_now,
    max_body: int = MAX_BODY,
) -> FastAPI:
    """The application over ``ctx`` (``build_context()`` when None)."""
    from gridops.web.metrics import WebMetrics

    if ctx is None:
        from gridops.services.context import build_context

        ctx = build_context()
    from gridops.web.intake_batch import IntakeBatcher

    app = FastAPI(title=TITLE, description=DESCRIPTION, version="1.0", lifespan=_lifespan)
    accounts = Accounts(ctx.store.engine)
    limits = rate_limits or RateLimits(
        per_key=ctx.settings.open311_per_key, per_address=ctx.settings.open311_per_address
    )
    limiter = RateLimiter(lambda: state.ctx.redis(), limits)
    state = WebState(
        ctx=ctx,
        accounts=accounts,
        api_keys=ApiKeyCache(accounts),
        limiter=limiter,
        metrics=WebMetrics(),
        intake=IntakeBatcher(lambda: state.ctx, clock, limiter),
        clock=clock,
    )
    app.state.web = state
    app.state.web.metrics.bind(app.state.web)
    _errors(app)
    from gridops.web.console.pages import install_errors  # console paths: pages, never JSON

    install_errors(app, validation_failed)
    unavailable.install(app)
    _routers(app)
    app.add_middleware(unavailable.WriteWait, wait_s=lambda: state.ctx.settings.web_write_wait_s)
    app.add_middleware(PagesGZip, minimum_size=1024)
    app.add_middleware(BodySizeLimit, max_bytes=max_body)
    app.add_middleware(UrlLengthLimit)
    app.add_middleware(AllowHeader)
    # outermost: every answer gets them, errors included
    app.add_middleware(SecurityHeaders, origins=lambda: basemap_origins(state.ctx.settings))
    from gridops.web.console.map_views import start_warming

    start_warming(ctx)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start the address book begins building in the background: every page answers
    meanwhile, and an address look-up waits for it a few seconds at most."""
    from gridops.services.address_books import warm

    warm(app.state.web.ctx.store)
    yield


class PagesGZip(GZipMiddleware):
    """gzip, over 1 KiB, for what is read over slow networks — the console, the JSON API's
    ticket lists, the OpenAPI document and Open311 searches. Open311 POSTs (small forms from
    machine clients, answered with a receipt) and media are left alone: the compressor's
    per-request cost would be all theirs. Nor is an event stream (an EventSource asks with
    ``Accept: text/event-stream``): each event must leave at once, not wait in the compressor."""

    PREFIXES = ("/console", "/api/", "/openapi.json")
    EVENT_STREAM = (b"accept", b"text/event-stream")

    def wanted(self, scope: Scope) -> bool:
        path = scope["path"]
        if self.EVENT_STREAM in scope.get("headers", ()):
            return False
        return path.startswith(self.PREFIXES) or (
            path.startswith("/open311/") and scope["method"] == "GET"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.wanted(scope):
            await super().__call__(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _routers(app: FastAPI) -> None:
    from gridops.web import health, media_routes, metrics, open311_routes
    from gridops.web.api import admin, dispatch, field, supervise, tickets, verify

    app.include_router(health.router)
    app.include_router(open311_routes.router)
    for module in (tickets, dispatch, field, verify, supervise, admin):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(media_routes.router)
    app.include_router(metrics.router)
    from gridops.web.console import console_router  # the HTML pages under /console

    app.include_router(console_router)


def _json(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _errors(app: FastAPI) -> None:
    """Map domain errors to HTTP answers (most specific first)."""

    async def denied(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PermissionDenied)
        return _json(403, exc.reason)

    async def unknown(_: Request, exc: Exception) -> JSONResponse:
        return _json(404, str(exc))

    async def stale(_: Request, exc: Exception) -> JSONResponse:
        return _json(409, f"{exc}; reload the ticket and try again")

    async def role(_: Request, exc: Exception) -> JSONResponse:
        return _json(403, str(exc))

    async def illegal(_: Request, exc: Exception) -> JSONResponse:
        return _json(409, str(exc))

    async def unprocessable(_: Request, exc: Exception) -> JSONResponse:
        return _json(422, str(exc))

    async def bad(_: Request, exc: Exception) -> JSONResponse:
        return _json(400, str(exc))

    app.add_exception_handler(PermissionDenied, denied)
    app.add_exception_handler(UnknownTicket, unknown)
    app.add_exception_handler(UnknownAccount, unknown)
    app.add_exception_handler(StaleTicket, stale)
    app.add_exception_handler(RoleNotAllowed, role)
    app.add_exception_handler(IllegalTransition, illegal)
    app.add_exception_handler(BadTransitionInput, unprocessable)
    app.add_exception_handler(MediaError, unprocessable)
    app.add_exception_handler(UnknownQueue, unknown)
    app.add_exception_handler(UserError, bad)
    app.add_exception_handler(RequestValidationError, validation_failed)
