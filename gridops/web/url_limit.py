"""Refuse URLs longer than ``MAX_URL`` bytes (``path?query`` as sent) with 414, before routing.

No route needs more (an Open311 search names at most 1000 ids, ~8 KiB of them is already
plenty): a longer URL would only be parsed, split and searched for nothing. The answer is
the route's error shape: the Open311 error list (JSON, or XML for a ``.xml`` path) under
``/open311/``, ``{"detail": …}`` elsewhere, as for a body over its limit (413).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from gridops.web.open311 import formats

MAX_URL = 8 * 1024


class UrlLengthLimit:
    """414 for a request whose raw path + query is over ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_URL) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            query = scope.get("query_string", b"")
            size = len(path) + (len(query) + 1 if query else 0)  # as sent: path?query
            if size > self.max_bytes:
                await self._refuse(scope, send, size)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send, size: int) -> None:
        reason = f"URL is {size} bytes long; at most {self.max_bytes} allowed: send a shorter one"
        path = scope["path"]
        if path.startswith("/open311/"):
            fmt = formats.Format.XML if path.lower().endswith(".xml") else formats.Format.JSON
            doc = formats._list(fmt, "errors", "error", [{"code": 414, "description": reason}],
                                status=414)  # fmt: skip
            body, media_type = doc.body, doc.media_type
        else:
            body, media_type = json.dumps({"detail": reason}).encode(), "application/json"
        await send(
            {
                "type": "http.response.start",
                "status": 414,
                "headers": [
                    (b"content-type", media_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
