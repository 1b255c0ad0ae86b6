"""Rendering console pages: the Jinja2 templates, the words of the chosen language, the
signed-in user, and every refusal turned into a page in that language — domain errors
(403/404/409/400), bad query strings, unknown paths and methods — never JSON to a browser."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException

from gridops.errors import UserError
from gridops.store.errors import StaleTicket, UnknownTicket
from gridops.tickets.errors import BadTransitionInput, IllegalTransition, RoleNotAllowed
from gridops.web.console.explain import Speaker
from gridops.web.console.i18n import CATALOGUE, LANG_COOKIE, pick_lang, translator
from gridops.web.console.session import (
    SESSION_COOKIE,
    NotSignedIn,
    csrf_token,
    principal_of_request,
)
from gridops.web.permissions import NotVisible, PermissionDenied, Principal
from gridops.web.state import WebState

HERE = Path(__file__).parent
ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
F = TypeVar("F", bound=Callable[..., Any])
NUMBER = re.compile(r"^[A-Z0-9]{1,40}$")
LEGACY_MSG = re.compile(r"^(\w+): (ok|[A-Z0-9]{1,40})$")  # "accept: ok", "onsite: E0102…"


def query_string(params: Any, **change: Any) -> str:
    """The query ``params`` with ``change`` applied (None drops a key), URL-encoded."""
    merged = {k: v for k, v in dict(params).items() if k not in ("msg", "done", "n")}
    merged.update(change)
    return urlencode({k: v for k, v in merged.items() if v is not None and v != ""})


def local_time(value: str | datetime | None, tz: Any, short: bool = False) -> str:
    """An ISO time (UTC) as the operations centre's local "2026-11-24 10:00" ("11-24 10:00")."""
    if not value:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(tz).strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")


ENV.filters["qs"] = query_string
ENV.filters["localtime"] = local_time


def lang_of(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def span(seconds: int, t: Callable[..., str]) -> str:
    """A duration in the language's units: "2天14小时" / "2 d 14 h", "3小时05分" / "3 h 05 min"."""
    d, h, m = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    return t("span.dh", d=d, h=h) if d else t("span.hm", h=h, m=f"{m:02d}")


def countdown(
    due: datetime | None, now: datetime, t: Callable[..., str], clock_state: str = ""
) -> str:
    """ "剩余 2小时05分" / "已超时 1天3小时": the text the page shows before its script ticks; a
    paused or stopped clock (``clock_state``) shows its state instead of a countdown."""
    if clock_state:
        return t(f"clock.{clock_state}")
    if due is None:
        return t("no_deadline")
    left = int((due - now).total_seconds())
    return t("cd.left" if left >= 0 else "cd.late", span=span(abs(left), t))


def flash_of(request: Request, t: Callable[..., str], legacy: str = "") -> str:
    """The message after a form, from the catalogue: ``?done=<action>&n=<case no.>`` (or an
    older "action: ok" message); anything else in the address is not shown."""
    done, number = request.query_params.get("done", ""), request.query_params.get("n", "")
    m = LEGACY_MSG.match(legacy or request.query_params.get("msg", ""))
    if m and not done:
        done, number = m.group(1), "" if m.group(2) == "ok" else m.group(2)
    if not done or f"done.{done}" not in CATALOGUE or (number and not NUMBER.match(number)):
        return ""
    return t(f"done.{done}", number=number).strip()


def render(
    request: Request,
    state: WebState,
    template: str,
    *,
    me: Principal | None = None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A page in the request's language, with the user, the session's CSRF token and
    ``say`` (names and explanations in that language)."""
    lang = lang_of(request)
    t = translator(lang)
    session = request.cookies.get(SESSION_COOKIE) or ""
    values.setdefault("flash", flash_of(request, t, str(values.pop("msg", "") or "")))
    html = ENV.get_template(template).render(
        t=t,
        lang=lang,
        me=me,
        csrf=csrf_token(state.csrf_key, session) if session else "",
        request=request,
        now=state.now(),
        tz=state.tz,
        say=Speaker(t, lang, state.ctx.ops, state.ctx.grid, state.ctx.roster),
        countdown=lambda due, clock_state="": countdown(due, state.now(), t, clock_state),
        my_name=lambda: _name_of(state, me),  # asked by the page's header only
        **values,
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(
            LANG_COOKIE, request.query_params["lang"], max_age=365 * 86400, samesite="strict"
        )
    return response


def _name_of(state: WebState, me: Principal | None) -> str:
    """The signed-in user's own name ("" when none is kept, or it is their id)."""
    from gridops.store.errors import UnknownAccount

    if me is None:
        return ""
    try:
        name = state.accounts.user(me.user_id).name
    except UnknownAccount:
        return ""
    return name if name and name != me.user_id else ""


_STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (PermissionDenied, 403, "forbidden"),
    (RoleNotAllowed, 403, "forbidden"),
    (UnknownTicket, 404, "not_found"),
    (StaleTicket, 409, "conflict"),
    (IllegalTransition, 409, "conflict"),
    (BadTransitionInput, 422, "bad_request"),
    (UserError, 400, "bad_request"),
)
REFUSALS = (NotSignedIn, PermissionDenied, RoleNotAllowed, UnknownTicket, StaleTicket,
            IllegalTransition, UserError)  # fmt: skip


def refusal(exc: Exception, t: Callable[..., str]) -> tuple[int, str, str, str]:
    """(status, title key, message in the language, technical detail) of a refusal."""
    found = next(((code, title) for kind, code, title in _STATUS if isinstance(exc, kind)), None)
    if found is None:
        raise exc
    code, title = found
    title = "not_found" if isinstance(exc, NotVisible) else title
    detail = exc.reason if isinstance(exc, PermissionDenied) else str(exc)
    if isinstance(exc, PermissionDenied) and "(CSRF)" in detail:
        message = t("err.csrf")
    elif isinstance(exc, NotVisible):  # a typo in a case number reads as one, not as a ban
        message = t("err.not_visible", number=exc.ref)
    elif isinstance(exc, PermissionDenied | RoleNotAllowed):
        message = t("err.forbidden")
    elif isinstance(exc, IllegalTransition):
        action = t(f"do.{exc.action}") if f"do.{exc.action}" in CATALOGUE else exc.action
        message = t("err.state", status=t(f"status.{exc.status.value}"), action=action)
    elif isinstance(exc, StaleTicket):
        message = t("err.stale")
    elif isinstance(exc, UnknownTicket):
        message = t("err.unknown_ticket")
    else:
        message = t("err.input")
    return code, title, message, detail


def error_page(request: Request, exc: Exception) -> Response:
    """The page for a refusal (a GET without a session goes to the login page)."""
    state: WebState = request.app.state.web
    t = translator(lang_of(request))
    if isinstance(exc, NotSignedIn):
        if request.headers.get("x-requested-with"):  # a page's script (a poll): no redirect
            from gridops.web.console.readers import signed_out

            return signed_out(request)
        if request.method == "GET":
            target = quote(
                str(request.url.path) + ("?" + request.url.query if request.url.query else "")
            )
            return RedirectResponse(f"/console/login?next={target}", status_code=303)
        return render(request, state, "error.html", status=401, title="login",
                      reason=t("login"), detail=str(exc))  # fmt: skip
    code, title, message, detail = refusal(exc, t)
    return render(request, state, "error.html", status=code, title=title, reason=message,
                  detail=detail)  # fmt: skip


def html_errors(fn: F) -> F:
    """Wrap a console endpoint so domain errors become a page with the reason."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            request: Request = kwargs["request"]
            try:
                return await fn(*args, **kwargs)
            except REFUSALS as exc:
                return error_page(request, exc)

        return run_async  # type: ignore[return-value]

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        request: Request = kwargs["request"]
        try:
            return fn(*args, **kwargs)
        except REFUSALS as exc:
            return error_page(request, exc)

    return run  # type: ignore[return-value]


def is_console(request: Request) -> bool:
    path = request.url.path
    return path == "/console" or path.startswith("/console/")


def install_errors(app: FastAPI, validation: Callable[..., Any]) -> None:
    """On console paths, a query or form FastAPI refuses and an HTTP error (no such page, a
    method a page does not take, no such photo) are pages in the user's language; elsewhere
    ``validation`` and FastAPI's own handler answer as before."""

    async def invalid(request: Request, exc: Exception) -> Response:
        if not is_console(request):
            return await validation(request, exc)
        assert isinstance(exc, RequestValidationError)
        t = translator(lang_of(request))
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return render(request, request.app.state.web, "error.html", status=400,
                      title="bad_request", reason=t("err.input"), detail=problems)  # fmt: skip

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if not is_console(request) or exc.status_code < 400:
            return await http_exception_handler(request, exc)
        t = translator(lang_of(request))
        key = {404: "err.page_missing", 405: "err.method"}.get(exc.status_code, "err.input")
        title = "not_found" if exc.status_code == 404 else "bad_request"
        return render(request, request.app.state.web, "error.html", status=exc.status_code,
                      title=title, reason=t(key), detail=str(exc.detail))  # fmt: skip

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)


def signed_in(state: WebState, request: Request) -> Principal:
    """The request's user (NotSignedIn → the login page)."""
    return principal_of_request(state, request)


def back(url: str, msg: str = "") -> RedirectResponse:
    """After a form: 303 to ``url`` (with a short message to show)."""
    if msg:
        url += ("&" if "?" in url else "?") + "msg=" + quote(msg)
    return RedirectResponse(url, status_code=303)


def done(url: str, action: str, number: str = "") -> RedirectResponse:
    """After a form: 303 to ``url``, whose page says in its language that ``action`` was done
    (on ticket ``number``)."""
    params = urlencode({"done": action, **({"n": number} if number else {})})
    return RedirectResponse(url + ("&" if "?" in url else "?") + params, status_code=303)
