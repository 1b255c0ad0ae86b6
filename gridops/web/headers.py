"""Security headers on every answer (安全响应头).

- ``Content-Security-Policy``: scripts, styles, images and connections from this server only,
  no inline script or style (the console keeps its own in /console/static), no plugins, forms
  posted here only, and no framing (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for
  old browsers). A configured basemap's tile host (GRIDOPS_BASEMAP_URL) is the one other origin
  the console may fetch from and draw (connect-src, img-src). The interactive API docs (/docs,
  /redoc) load FastAPI's Swagger UI and ReDoc from their CDN with an inline bootstrap script:
  they get that much more, and nothing else does.
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
- ``Cache-Control: no-store`` on what carries personal data — console pages and fragments, the
  JSON API, photos — so no shared or browser cache keeps it (the console's static files keep
  their own short max-age, and the map's vector tiles, the grid's outlines and names under a
  URL naming its content, stay in the browser: ``immutable``).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDN}; "
    f"style-src 'self' 'unsafe-inline' {DOCS_CDN} https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
#: The field app previews the photos just taken (``blob:`` images made on the phone).
APP_CSP = CSP.replace("img-src 'self'", "img-src 'self' blob:")
APP = "/console/app/"
DOCS = ("/docs", "/redoc")
PERSONAL = ("/console", "/api/", "/media/")
STATIC = "/console/static/"
TILES = "/console/map/tiles/"  # the grid's outlines: no personal data


def csp_with(origins: tuple[str, ...], base: str = CSP) -> str:
    """``base`` (:data:`CSP`) with ``origins`` (the basemap's tile host) allowed to be fetched
    and drawn."""
    if not origins:
        return base
    extra = " ".join(origins)
    return base.replace("img-src 'self'", f"img-src 'self' {extra}").replace(
        "connect-src 'self'", f"connect-src 'self' {extra}"
    )


def headers_for(path: str, origins: tuple[str, ...] = ()) -> dict[str, str]:
    """The security headers of an answer to ``path`` (``origins``: see :func:`csp_with`)."""
    console = path.startswith("/console") and not path.startswith(STATIC)
    out = {
        "Content-Security-Policy": DOCS_CSP
        if path.startswith(DOCS)
        else csp_with(origins if console else (), APP_CSP if path.startswith(APP) else CSP),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if path.startswith(PERSONAL) and not path.startswith((STATIC, TILES)):
        out["Cache-Control"] = "no-store"
    return out


class SecurityHeaders:
    """ASGI middleware: :func:`headers_for` set on every HTTP answer (replacing a
    ``Cache-Control`` the route chose where the answer holds personal data); ``origins`` gives
    the basemap's tile host, if any, for the console's pages."""

    def __init__(self, app: ASGIApp, origins: Callable[[], tuple[str, ...]] = lambda: ()) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"], self.origins())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
