"""When the database cannot take a request (暂时无法服务): 503 with Retry-After, never a 500.

Two causes: the writer stayed busy past the request's deadline (another process holds the
write lock: :class:`~gridops.store.errors.WriterBusy`), or the database is unreachable
(PostgreSQL refusing connections, a SQLite file that cannot be opened). Nothing was written
either way — a write is one transaction. The answer takes the route's own shape: Open311's
error list in JSON or XML as the path's ``.{fmt}`` says, the JSON API's ``{"detail": …}``,
and for the console an HTML page in the user's language. It is an ordinary response, so the
keep-alive connection stays open for the client's next request.

:class:`WriteWait` bounds every write of a request: it waits for the writer at most
``GRIDOPS_WEB_WRITE_WAIT`` seconds (:func:`gridops.store.engine.writes_wait`), counted from
when the write starts — after the request's body is in, so a slow upload does not use it up.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.types import ASGIApp, Receive, Scope, Send

from gridops.store.engine import writes_wait
from gridops.store.errors import WriterBusy

log = logging.getLogger(__name__)

#: What a database outage looks like through SQLAlchemy: no connection (refused, dropped,
#: unreachable file), the driver's link gone, or no pooled connection free in time.
OUTAGE: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
)


class WriteWait:
    """Every write of an HTTP request waits at most ``wait_s()`` seconds for the writer."""

    def __init__(self, app: ASGIApp, wait_s: Callable[[], float]) -> None:
        self.app = app
        self.wait_s = wait_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with writes_wait(self.wait_s()):
            await self.app(scope, receive, send)


def retry_after(request: Request) -> int:
    """Seconds a client should wait before trying again: the write bound, rounded up."""
    return max(1, math.ceil(request.app.state.web.ctx.settings.web_write_wait_s))


def install(app: FastAPI) -> None:
    """Answer WriterBusy and database outages with 503 + Retry-After in the route's format."""

    async def busy(request: Request, exc: Exception) -> Response:
        log.warning("%s %s: %s", request.method, request.url.path, exc)
        after = retry_after(request)
        return unavailable(request, "db_busy", f"{exc}: try again in {after} s", after)

    async def down(request: Request, exc: Exception) -> Response:
        log.warning("%s %s: database unavailable: %s", request.method, request.url.path, exc)
        after = retry_after(request)
        reason = (
            f"the database cannot be reached just now; nothing was written: try again in {after} s"
        )
        return unavailable(request, "db_down", reason, after)

    app.add_exception_handler(WriterBusy, busy)
    for kind in OUTAGE:
        app.add_exception_handler(kind, down)


def unavailable(request: Request, key: str, reason: str, after: int) -> Response:
    """503 in the shape of the route asked for; ``key`` names the console's words for it."""
    headers = {"Retry-After": str(after)}
    path = request.url.path
    if path.startswith("/open311/"):
        from gridops.web.open311.errors import Open311Error
        from gridops.web.open311.formats import Format, render_refusal

        suffix = path.rpartition(".")[2] if "." in path.rpartition("/")[2] else "json"
        try:
            fmt = Format.from_suffix(suffix)
        except Open311Error:
            fmt = Format.JSON
        doc = render_refusal(503, reason, fmt)
        return Response(doc.body, status_code=503, media_type=doc.media_type, headers=headers)
    if path == "/console" or path.startswith("/console/"):
        from gridops.web.console.i18n import translator
        from gridops.web.console.pages import lang_of, render

        t = translator(lang_of(request))
        page = render(request, request.app.state.web, "error.html", status=503,
                      title="unavailable", reason=t(key, n=after))  # fmt: skip
        page.headers.update(headers)
        return page
    return JSONResponse({"detail": reason}, status_code=503, headers=headers)
