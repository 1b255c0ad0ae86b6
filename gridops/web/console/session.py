"""Console sign-in (登录): a session of its own — a random id in an HttpOnly, SameSite=Strict
cookie, kept server-side (:mod:`gridops.services.access`) with an expiry and an idle timeout and
ended on sign-out — a CSRF token for every form, and the language choice.

The cookie never holds the user's bearer token: signing out deletes the session, so a copied
cookie is worthless afterwards, while the token keeps working for the API. The CSRF token is a
keyed hash of the session id under the install's own secret (:mod:`gridops.web.install_secret`):
a page of another site can neither read the HttpOnly cookie nor compute the hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from fastapi import Request
from fastapi.responses import Response

from gridops.services.access import User
from gridops.tickets.vocabulary import Role
from gridops.web.permissions import PermissionDenied, Principal
from gridops.web.state import WebState

SESSION_COOKIE = "gridops_session"
LOGIN_COOKIE = "gridops_login"  # a nonce for the login form's own CSRF token
PATH = "/console"


class NotSignedIn(Exception):
    """No valid session: pages redirect to the login page, actions answer 401."""


def csrf_token(key: bytes, session: str) -> str:
    """The form token of a session (hex), under the install's ``key``."""
    return hmac.new(key, session.encode(), hashlib.sha256).hexdigest()[:40]


def _key(request: Request) -> bytes:
    state: WebState = request.app.state.web
    return state.csrf_key


def check_csrf(request: Request, sent: str | None) -> None:
    """PermissionDenied unless ``sent`` is this session's form token."""
    session = request.cookies.get(SESSION_COOKIE) or ""
    if not session or not sent or not hmac.compare_digest(csrf_token(_key(request), session), sent):
        raise PermissionDenied(
            "the form's security token (CSRF) is missing or stale; reload the page and try again"
        )


def login_form_token(request: Request) -> tuple[str, str | None]:
    """The login form's CSRF token, and a fresh nonce to set as LOGIN_COOKIE when the browser
    has none yet. Before sign-in there is no session to derive a token from; without one, a
    page of another site could sign the victim in as the attacker (login CSRF)."""
    nonce = request.cookies.get(LOGIN_COOKIE) or ""
    fresh = None
    if len(nonce) != 32:
        nonce = fresh = secrets.token_hex(16)
    return csrf_token(_key(request), "login:" + nonce), fresh


def set_login_nonce(response: Response, request: Request, nonce: str) -> None:
    """Keep the login form's nonce (HttpOnly, SameSite=Strict: another site's form never
    carries it, so its POST to the login fails)."""
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path=PATH, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")  # fmt: skip


def check_login_csrf(request: Request, sent: str | None) -> None:
    """PermissionDenied unless ``sent`` is the token of this browser's login nonce."""
    nonce = request.cookies.get(LOGIN_COOKIE) or ""
    expected = csrf_token(_key(request), "login:" + nonce)
    if not nonce or not sent or not hmac.compare_digest(expected, sent):
        raise PermissionDenied(
            "the login form's security token (CSRF) is missing or stale; open the login page "
            "again and sign in from there"
        )


def _idle(state: WebState) -> timedelta:
    return timedelta(minutes=state.ctx.settings.session_idle_minutes)


def _background(request: Request) -> bool:
    """A page's own polling or event stream: not a sign of someone at the desk."""
    return request.headers.get("x-requested-with") == "poll" or (
        "text/event-stream" in request.headers.get("accept", "")
    )


def principal_of_request(state: WebState, request: Request) -> Principal:
    """The signed-in user of this request; NotSignedIn when there is no live session."""
    from gridops.services.access import session_user
    from gridops.web.auth import principal_of
    from gridops.web.security import hash_token

    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        raise NotSignedIn("no session")
    now = state.now()
    user = session_user(
        state.accounts.engine,
        hash_token(session),
        now=now,
        idle=_idle(state),
        touch=not _background(request),
    )
    if user is None:
        raise NotSignedIn("the session has ended (signed out, expired or idle too long)")
    return principal_of(user)


def sign_in(response: Response, request: Request, state: WebState, user: User) -> None:
    """Open a session for ``user`` and keep its id as the cookie (HttpOnly, SameSite=Strict,
    /console only, gone when the session ends)."""
    from gridops.services.access import open_session
    from gridops.web.security import issue_session

    now = state.now()
    issued = issue_session()
    lifetime = timedelta(hours=state.ctx.settings.session_hours)
    ends = open_session(
        state.accounts.engine, user, id_hash=issued.token_hash, now=now, lifetime=lifetime
    )
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=max(int((ends - now).total_seconds()), 1),
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def sign_out(response: Response, request: Request, state: WebState) -> None:
    """End this browser's session (server-side) and drop its cookie."""
    from gridops.services.access import close_session
    from gridops.web.security import hash_token

    session = request.cookies.get(SESSION_COOKIE)
    if session:
        close_session(state.accounts.engine, hash_token(session))
    response.delete_cookie(SESSION_COOKIE, path=PATH, httponly=True, samesite="strict")


HOME = {
    Role.DISPATCHER: "/console/dispatch",
    Role.ACCEPTOR: "/console/hotline",  # 12345 受理: the call-taking page
    Role.FIELD_STAFF: "/console/app/",  # the field app; it links back to /console/field
    Role.GRID_WORKER: "/console/app/",
    Role.INSPECTOR: "/console/app/",
    Role.SUPERVISOR: "/console/supervise",
    Role.ADMIN: "/console/admin/users",
}


def home_of(principal: Principal) -> str:
    """The page a role lands on after signing in."""
    return HOME.get(principal.role, "/console/login")
