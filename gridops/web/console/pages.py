"""Rendering console pages: the Jinja2 templates, the words of the chosen language, the
signed-in user, and domain errors turned into an HTML page with the reason (403/404/409/400)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gridops.errors import UserError
from gridops.store.errors import StaleTicket, UnknownTicket
from gridops.tickets.errors import BadTransitionInput, IllegalTransition, RoleNotAllowed
from gridops.web.console.i18n import LANG_COOKIE, pick_lang, translator
from gridops.web.console.session import (
    SESSION_COOKIE,
    NotSignedIn,
    csrf_token,
    principal_of_request,
)
from gridops.web.permissions import PermissionDenied, Principal
from gridops.web.state import WebState

HERE = Path(__file__).parent
ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
F = TypeVar("F", bound=Callable[..., Any])


def query_string(params: Any, **change: Any) -> str:
    """The query ``params`` with ``change`` applied (None drops a key), URL-encoded."""
    merged = {k: v for k, v in dict(params).items() if k != "msg"}
    merged.update(change)
    return urlencode({k: v for k, v in merged.items() if v is not None and v != ""})


def local_time(value: str | datetime | None, tz: Any) -> str:
    """An ISO time (UTC) as the operations centre's local "2026-11-24 10:00"."""
    if not value:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


ENV.filters["qs"] = query_string
ENV.filters["localtime"] = local_time


def lang_of(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def countdown(
    due: datetime | None, now: datetime, t: Callable[..., str], clock_state: str = ""
) -> str:
    """ "剩余 2h 05m" / "已超时 1d 3h": the text the page shows before its script ticks; a
    paused or stopped clock (``clock_state``) shows its state instead of a countdown."""
    if clock_state:
        return t(f"clock.{clock_state}")
    if due is None:
        return t("no_deadline")
    left = int((due - now).total_seconds())
    word = t("left") if left >= 0 else t("late")
    s = abs(left)
    d, h, m = s // 86400, s % 86400 // 3600, s % 3600 // 60
    span = f"{d}d {h}h" if d else f"{h}h {m:02d}m"
    return f"{word} {span}"


def render(
    request: Request,
    state: WebState,
    template: str,
    *,
    me: Principal | None = None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A page in the request's language, with the user and the session's CSRF token."""
    lang = lang_of(request)
    t = translator(lang)
    session = request.cookies.get(SESSION_COOKIE) or ""
    html = ENV.get_template(template).render(
        t=t,
        lang=lang,
        me=me,
        csrf=csrf_token(state.csrf_key, session) if session else "",
        request=request,
        now=state.now(),
        tz=state.tz,
        countdown=lambda due, clock_state="": countdown(due, state.now(), t, clock_state),
        **values,
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(
            LANG_COOKIE, request.query_params["lang"], max_age=365 * 86400, samesite="strict"
        )
    return response


_STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (PermissionDenied, 403, "forbidden"),
    (RoleNotAllowed, 403, "forbidden"),
    (UnknownTicket, 404, "not_found"),
    (StaleTicket, 409, "conflict"),
    (IllegalTransition, 409, "conflict"),
    (BadTransitionInput, 422, "bad_request"),
    (UserError, 400, "bad_request"),
)


def _error_page(request: Request, exc: Exception) -> Response:
    state: WebState = request.app.state.web
    if isinstance(exc, NotSignedIn):
        if request.method == "GET":
            target = quote(
                str(request.url.path) + ("?" + request.url.query if request.url.query else "")
            )
            return RedirectResponse(f"/console/login?next={target}", status_code=303)
        return render(request, state, "error.html", status=401, title="login", reason=str(exc))
    for kind, code, title in _STATUS:
        if isinstance(exc, kind):
            reason = exc.reason if isinstance(exc, PermissionDenied) else str(exc)
            return render(request, state, "error.html", status=code, title=title, reason=reason)
    raise exc


def html_errors(fn: F) -> F:
    """Wrap a console endpoint so domain errors become an HTML page with the reason."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            request: Request = kwargs["request"]
            try:
                return await fn(*args, **kwargs)
            except (NotSignedIn, PermissionDenied, RoleNotAllowed, UnknownTicket, StaleTicket,
                    IllegalTransition, UserError) as exc:  # fmt: skip
                return _error_page(request, exc)

        return run_async  # type: ignore[return-value]

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        request: Request = kwargs["request"]
        try:
            return fn(*args, **kwargs)
        except (NotSignedIn, PermissionDenied, RoleNotAllowed, UnknownTicket, StaleTicket,
                IllegalTransition, UserError) as exc:  # fmt: skip
            return _error_page(request, exc)

    return run  # type: ignore[return-value]


def signed_in(state: WebState, request: Request) -> Principal:
    """The request's user (NotSignedIn → the login page)."""
    return principal_of_request(state, request)


def back(url: str, msg: str = "") -> RedirectResponse:
    """After a form: 303 to ``url`` (with a short message to show)."""
    if msg:
        url += ("&" if "?" in url else "?") + "msg=" + quote(msg)
    return RedirectResponse(url, status_code=303)
