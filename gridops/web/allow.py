"""405 answers say every method the resource takes (``Allow``, RFC 9110 §15.5.6).

Starlette answers a method no route of a path takes with the methods of the *first* route that
matched the path: ``OPTIONS /api/v1/admin/users`` said ``Allow: GET`` though POST works too, and
a console page's 405 (rendered as a page) lost the header altogether. :class:`AllowHeader`
rewrites the header of every 405 from all the routes that match the path. A route named
:data:`FALLBACK` (a catch-all that answers "no such resource" in its API's format) is left out:
it takes a path only when no other route does.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FALLBACK = "fallback"


def _routes(app: Any) -> list[Any]:
    """Every route of ``app``, those of included routers too (FastAPI includes them lazily)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # a FastAPI whose included routes are the app's own
        return list(app.router.routes)
    return list(iter_route_contexts(app.router.routes))


def allowed_methods(scope: Scope) -> list[str]:
    """The methods of the routes (not fallbacks) whose path matches the request's, sorted."""
    methods: set[str] = set()
    for route in _routes(scope["app"]):
        if getattr(route, "name", None) == FALLBACK:
            continue
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


class AllowHeader:
    """On every 405, ``Allow`` lists the methods of all routes of the path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods = allowed_methods(scope)
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                headers.append((b"allow", ", ".join(methods).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_allow)
