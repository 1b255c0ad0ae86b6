"""Server-Sent Events for the console's live fragments (实时推送): the fragment a page would poll,
pushed when it changes.

Every ``check`` seconds the stream reads a cheap change marker (:mod:`gridops.services.changes`:
the count and highest id of recent ticket events, read off the primary key) — no fragment
queries; the marker is shared by every stream of the process, so it costs one query per
``check`` however many streams are open. Only when the marker moved, or ``refresh`` seconds
passed (queues such as "overdue" change with the clock, not with a write), is the fragment
rendered by the same code as the polled fragment, with the session and scope checked again;
its HTML is hashed (SHA-256) and sent only when the hash differs from the last one the client
holds. The marker is read *before* rendering, so a write between the two is seen by the next
check rather than lost (a shared mark may be up to ``check`` old when read, so a change shows
within two checks).

While the database is unavailable the stream stays open and sends only heartbeats. The
stream opens with a ``retry:`` hint, sends a comment heartbeat when idle for ``heartbeat``
seconds (proxies keep it open), and ends when the client disconnects, when the user may no
longer read the fragment, or after ``lifetime`` seconds (the browser's EventSource reconnects,
sending the last event id — the hash — so an unchanged fragment is not sent again).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from gridops.services.changes import ticket_change_mark
from gridops.web.console.session import NotSignedIn
from gridops.web.permissions import PermissionDenied
from gridops.web.state import WebState
from gridops.web.unavailable import OUTAGE

log = logging.getLogger(__name__)

TIMING_KEY = "console_live_timing"  # WebState.extra key: tests set shorter timings
LINE_END = re.compile(r"\r\n|\r|\n")
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # personal data


@dataclass(frozen=True)
class Timing:
    """Seconds between marker checks, idle heartbeats and forced re-renders; the stream's
    lifetime; the reconnect delay the client is told (ms)."""

    check: float = 1.5
    heartbeat: float = 15.0
    refresh: float = 30.0
    lifetime: float = 600.0
    retry_ms: int = 3000

    def __post_init__(self) -> None:
        if min(self.check, self.heartbeat, self.refresh, self.lifetime) <= 0 or self.retry_ms < 0:
            raise ValueError(f"live stream timings must be positive, got {self}")


def timing_of(state: WebState) -> Timing:
    found = state.extra.get(TIMING_KEY)
    return found if isinstance(found, Timing) else Timing()


def digest(html: str) -> str:
    """The hash a fragment is sent under (its event id)."""
    return hashlib.sha256(html.encode()).hexdigest()[:24]


def text_of(response: HTMLResponse) -> str:
    """A rendered fragment's HTML."""
    return bytes(response.body).decode()


def embedded(fragment: HTMLResponse) -> dict[str, Any]:
    """What a page needs to hold its live fragment: the HTML and the hash its stream starts
    from (``live_html``, ``live_digest``)."""
    html = text_of(fragment)
    return {"live_html": html, "live_digest": digest(html)}


def sse_event(data: str, event_id: str) -> str:
    """One ``message`` event: ``data`` line by line (split where the SSE parser splits, so the
    client reads it back with its line ends as ``\\n``), and its ``id``."""
    lines = "".join(f"data: {line}\n" for line in LINE_END.split(data))
    return f"id: {event_id}\n{lines}\n"


def ticket_marker(state: WebState) -> Callable[[], Hashable]:
    """The change marker of the tickets: the process's shared mark of the current store, read
    at most once per ``check`` for all streams."""
    return lambda: ticket_change_mark(state.ctx.store, timing_of(state).check)


async def changes(
    request: Request,
    render: Callable[[], str | None],
    marker: Callable[[], Hashable],
    *,
    held: str,
    timing: Timing,
) -> AsyncIterator[str]:
    """The stream's text: events of ``render()`` (sync; None ends the stream) whenever its hash
    differs from the last one sent — ``held`` at first, the hash the client already shows."""
    yield f"retry: {timing.retry_ms}\n\n"
    opened = quiet = time.monotonic()
    seen: Hashable = object()  # nothing seen yet: render at once
    rendered = float("-inf")
    while not await request.is_disconnected():
        now = time.monotonic()
        if now - opened >= timing.lifetime:
            return
        try:
            mark = await run_in_threadpool(marker)
            due = mark != seen or now - rendered >= timing.refresh
            html = await run_in_threadpool(render) if due else ""
        except OUTAGE as exc:  # the page keeps what it shows; the next check tries again
            log.debug("live stream: the database is unavailable: %s", exc)
            due = False
        if due:
            if html is None:  # the page says the session ended (console.js), rather than retry
                yield "event: ended\ndata: \n\n"
                return
            seen, rendered = mark, now
            if (hashed := digest(html)) != held:
                held, quiet = hashed, now
                yield sse_event(html, hashed)
        if now - quiet >= timing.heartbeat:
            quiet = now
            yield ": heartbeat\n\n"
        await anyio.sleep(timing.check)


def event_stream(
    request: Request,
    state: WebState,
    render: Callable[[], str | None],
    marker: Callable[[], Hashable],
) -> StreamingResponse:
    """``text/event-stream`` of :func:`changes`; the client's hash comes from the
    ``Last-Event-ID`` header on a reconnect, else from the page's ``since`` parameter."""
    held = request.headers.get("last-event-id") or request.query_params.get("since") or ""
    body = changes(request, render, marker, held=held, timing=timing_of(state))
    return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)


def fragment_stream(
    request: Request, state: WebState, fragment: Callable[[], HTMLResponse]
) -> StreamingResponse:
    """The stream of a page's polled fragment (``fragment()`` checks sign-in and role itself)
    over the ticket marker; it ends once the user is signed out or no longer allowed."""

    def render() -> str | None:
        try:
            return text_of(fragment())
        except (NotSignedIn, PermissionDenied):  # signed out or deactivated meanwhile: stop
            return None

    return event_stream(request, state, render, ticket_marker(state))
