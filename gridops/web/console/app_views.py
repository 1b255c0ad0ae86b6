"""The field app (城管通) as an installable PWA under the console: the shell page
(``/console/app/``), its script, style, manifest, icons (drawn with Pillow when first asked
for) and service worker, and the tasks as JSON for the app's five tabs. The writes are
:mod:`gridops.web.console.app_moves`. Chinese by default, English with ``?lang=en``."""

from __future__ import annotations

import hashlib
import io
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from gridops.web.console.app_data import TABS, tabs
from gridops.web.console.explain import Speaker
from gridops.web.console.i18n import CATALOGUE, translator
from gridops.web.console.pages import html_errors, lang_of, render, signed_in
from gridops.web.console.session import NotSignedIn
from gridops.web.permissions import FIELD_ROLES, ROLE_ACTIONS, Action, PermissionDenied, Principal
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).parent / "app_static"
FILES = {"app.js": "text/javascript", "app.css": "text/css", "outbox.js": "text/javascript",
         "patrol.js": "text/javascript"}  # fmt: skip
ICON_SIZES = (192, 512)
SCOPE = "/console/"  # the worker also serves the report photos (/console/media/) offline


def require_app(me: Principal) -> None:
    """Field staff, grid workers and inspectors use the app."""
    if me.role not in FIELD_ROLES and Action.VERIFY not in ROLE_ACTIONS[me.role]:
        raise PermissionDenied(f"{me.role.value} has no field app; field staff and inspectors do")


@lru_cache(maxsize=1)
def version() -> str:
    """A digest of the app's files: the service worker's cache name changes with them."""
    h = hashlib.sha256()
    for name in sorted(FILES):
        h.update((HERE / name).read_bytes())
    return h.hexdigest()[:12]


def app_words(lang: str) -> dict[str, str]:
    """The catalogue entries the app's script uses, in ``lang``."""
    t = translator(lang)
    keys = [k for k in CATALOGUE if k.startswith(("app.", "status.", "cd.", "span.", "clock."))]
    return {k: t(k) for k in keys}


@router.get("/console/app", include_in_schema=False)
def app_root() -> RedirectResponse:
    return RedirectResponse("/console/app/", status_code=308)


@router.get("/console/app/", response_class=HTMLResponse)
@html_errors
def app_page(request: Request, state: State) -> HTMLResponse:
    me = signed_in(state, request)
    require_app(me)
    lang = lang_of(request)
    words = json.dumps(app_words(lang), ensure_ascii=False).replace("</", "<\\/")
    on_site = sorted((c for c in state.ctx.ops.taxonomy.categories.values() if c.on_site),
                     key=lambda c: c.code)  # fmt: skip
    categories = json.dumps([[c.code, c.en if lang == "en" else c.zh] for c in on_site],
                            ensure_ascii=False).replace("</", "<\\/")  # fmt: skip
    return render(request, state, "app.html", me=me, words=words, version=version(),
                  tabs=TABS, categories=categories,
                  patrols=Action.SELF_REPORT in ROLE_ACTIONS[me.role])  # fmt: skip


@router.get("/console/app/tasks")
async def app_tasks(request: Request, state: State) -> Response:
    """The five tabs as JSON (401 / 403 as JSON with a message, for the app's script; a page
    saying what it is when opened in the address bar)."""
    if request.headers.get("sec-fetch-mode") == "navigate":
        from gridops.web.console.readers import not_a_page

        return await run_in_threadpool(not_a_page, state, request)
    t = translator(lang_of(request))
    try:
        me = await run_in_threadpool(signed_in, state, request)
        require_app(me)
    except NotSignedIn:
        return JSONResponse({"message": t("app.err.signin"), "signin": True}, status_code=401)
    except PermissionDenied:
        return JSONResponse({"message": t("err.forbidden")}, status_code=403)
    body = await run_in_threadpool(_tasks, request, state, me)
    return JSONResponse(body)


def _tasks(request: Request, state: WebState, me: Principal) -> dict[str, Any]:
    lang = lang_of(request)
    say = Speaker(translator(lang), lang, state.ctx.ops, state.ctx.grid)
    return {"at": state.now().isoformat(), "user": me.user_id, "tabs": tabs(state, me, say)}


@router.get("/console/app/manifest.webmanifest")
def manifest(request: Request) -> Response:
    t = translator(lang_of(request))
    body = {
        "name": t("app.name"),
        "short_name": t("app.short"),
        "lang": "zh-CN" if lang_of(request) == "zh" else "en",
        "start_url": "/console/app/",
        "scope": "/console/app/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5d3b",
        "icons": [
            {
                "src": f"/console/app/icon-{s}.png",
                "sizes": f"{s}x{s}",
                "type": "image/png",
                "purpose": "any maskable",
            }  # fmt: skip
            for s in ICON_SIZES
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/manifest+json")


@lru_cache(maxsize=4)
def icon(size: int) -> bytes:
    """The app's icon: a white grid on the console's green (Pillow, made once per size)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (size, size), (11, 93, 59))
    draw = ImageDraw.Draw(img)
    pad, width = size // 5, max(2, size // 40)
    for i in range(4):
        at = pad + i * (size - 2 * pad) // 3
        draw.line([(at, pad), (at, size - pad)], fill="white", width=width)
        draw.line([(pad, at), (size - pad, at)], fill="white", width=width)
    dot = size // 9
    cx, cy = pad + (size - 2 * pad) // 2, pad + (size - 2 * pad) // 2
    draw.ellipse([cx - dot, cy - dot, cx + dot, cy + dot], fill=(240, 180, 0))
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


@router.get("/console/app/icon-{size}.png")
def app_icon(size: int) -> Response:
    if size not in ICON_SIZES:
        raise HTTPException(404, f"no icon of size {size}")
    return Response(icon(size), media_type="image/png", headers={"Cache-Control": "max-age=86400"})


@router.get("/console/icon.png")
def console_icon() -> Response:
    """The desks' tab icon: the app's, at a path outside the field app's service worker's list
    (there, fetching it from the sign-in page would fill the cache that signing out emptied)."""
    return Response(icon(192), media_type="image/png", headers={"Cache-Control": "max-age=86400"})


@router.get("/console/app/sw.js")
def service_worker() -> Response:
    """The service worker, its cache named after :func:`version`; allowed the console's scope
    so that it may keep the report photos too."""
    text = (HERE / "sw.js").read_text().replace("__VERSION__", version())
    headers = {"Service-Worker-Allowed": SCOPE, "Cache-Control": "no-cache"}
    return Response(text, media_type="text/javascript", headers=headers)


@router.get("/console/app/{name}")
def app_file(name: str) -> Response:
    if name not in FILES:
        raise HTTPException(404, f"no app file {name!r}")
    return Response((HERE / name).read_bytes(), media_type=FILES[name],
                    headers={"Cache-Control": "no-cache"})  # fmt: skip
