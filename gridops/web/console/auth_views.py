"""Sign in with the API's bearer token (which opens a console session of its own), sign out
(which ends it), the language switch, and the static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from gridops.services.access import SIGN_IN, SIGN_IN_REFUSED, SIGN_OUT
from gridops.web.console.pages import HERE, html_errors, render, signed_in
from gridops.web.console.session import (
    check_csrf,
    check_login_csrf,
    home_of,
    login_form_token,
    set_login_nonce,
    sign_in,
    sign_out,
)
from gridops.web.state import State

router = APIRouter(include_in_schema=False)
STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
STATIC.update({"hotline.css": "text/css", "hotline.js": "text/javascript"})  # the hotline desk


def _safe_next(target: str) -> str:
    """Only a console path (no scheme, no //host, 500 characters at most): never an open
    redirect. Anything else is dropped (the role's home page instead), never refused."""
    if len(target) > 500 or "//" in target or ":" in target or "\\" in target:
        return ""
    if target == "/console" or target.startswith(("/console/", "/console?")):
        return target
    return ""


@router.get("/console", response_class=HTMLResponse)
@router.get("/console/", response_class=HTMLResponse)
@html_errors
def index(request: Request, state: State) -> Response:
    return RedirectResponse(home_of(signed_in(state, request)), status_code=303)


def _login_form(
    request: Request, state: State, *, next: str, error: str, status: int = 200
) -> HTMLResponse:
    token, fresh = login_form_token(request)
    command = Markup("<code>gridops user add</code>")
    response = render(request, state, "login.html", status=status, next=next, error=error,
                      login_csrf=token, command=command)  # fmt: skip
    if fresh is not None:
        set_login_nonce(response, request, fresh)
    return response


@router.get("/console/login", response_class=HTMLResponse)
def login_page(request: Request, state: State) -> HTMLResponse:
    return _login_form(request, state, next=_safe_next(request.query_params.get("next", "")),
                       error="")  # fmt: skip


async def _fields(request: Request, *names: str) -> dict[str, str]:
    """Text fields of a posted form ("" where absent; 1000 characters at most each)."""
    form = await request.form()
    return {n: str(form.get(n) or "")[:1000] for n in names}


@router.post("/console/login", response_class=HTMLResponse)
@html_errors
async def login(request: Request, state: State) -> Response:
    fields = await _fields(request, "token", "next", "csrf")
    return await run_in_threadpool(_login, request, state, fields)


def _login(request: Request, state: State, fields: dict[str, str]) -> Response:
    from gridops.web.auth import principal_of
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of
    from gridops.web.security import hash_token

    check_login_csrf(request, fields["csrf"])
    next = _safe_next(fields["next"])
    token = fields["token"].strip()
    user = state.accounts.user_by_token_hash(hash_token(token)) if token else None
    if user is None or user.expired(state.now()):
        _note(request, state, SIGN_IN_REFUSED, user.id if user else "",
              "expired" if user else "unknown token")  # fmt: skip
        error = translator(lang_of(request))("bad_token" if user is None else "expired_token")
        return _login_form(request, state, next=next, error=error, status=403)
    target = next or home_of(principal_of(user))
    response = RedirectResponse(target, status_code=303)
    sign_in(response, request, state, user)
    _note(request, state, SIGN_IN, user.id)
    return response


def _note(request: Request, state: State, kind: str, subject: str, detail: str = "") -> None:
    """Record a sign-in, a refused one or a sign-out in the access log."""
    from gridops.services.access import note_access

    address = request.client.host if request.client else ""
    note_access(state.accounts.engine, kind, subject, now=state.now(), detail=detail,
                address=address)  # fmt: skip


@router.post("/console/logout")
@html_errors
async def logout(request: Request, state: State) -> Response:
    fields = await _fields(request, "csrf")
    check_csrf(request, fields["csrf"])
    response = RedirectResponse("/console/login", status_code=303)
    await run_in_threadpool(_sign_out, response, request, state)
    return response


def _sign_out(response: Response, request: Request, state: State) -> None:
    who = signed_in(state, request).user_id
    sign_out(response, request, state)
    _note(request, state, SIGN_OUT, who)


@router.get("/console/static/{name}")
def static(name: str) -> FileResponse:
    """The console's own CSS and script (no CDN)."""
    if name not in STATIC:
        raise HTTPException(404, f"no static file {name!r}")
    path: Path = HERE / "static" / name
    return FileResponse(path, media_type=STATIC[name], headers={"Cache-Control": "max-age=300"})
