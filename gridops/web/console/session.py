"""Console sign-in (登录): the API's bearer token kept in an HttpOnly, SameSite=Strict cookie,
a CSRF token derived from it for every form, and the language choice.

The CSRF token is a keyed hash of the session token (per session, nothing stored): a page of
another site can neither read the HttpOnly cookie nor compute the hash, so a forged form fails.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from fastapi.responses import Response

from gridops.tickets.vocabulary import Role
from gridops.web.permissions import PermissionDenied, Principal
from gridops.web.state import WebState

SESSION_COOKIE = "gridops_session"
LOGIN_COOKIE = "gridops_login"  # a nonce for the login form's own CSRF token
PATH = "/console"
MAX_AGE = 12 * 3600  # one shift


class NotSignedIn(Exception):
    """No valid session: pages redirect to the login page, actions answer 401."""


def csrf_token(session: str) -> str:
    """The form token of a session (hex)."""
    return hmac.new(b"gridops-console-csrf", session.encode(), hashlib.sha256).hexdigest()[:40]


def check_csrf(request: Request, sent: str | None) -> None:
    """PermissionDenied unless ``sent`` is this session's form token."""
    session = request.cookies.get(SESSION_COOKIE) or ""
    if not session or not sent or not hmac.compare_digest(csrf_token(session), sent):
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
    return csrf_token("login:" + nonce), fresh


def set_login_nonce(response: Response, request: Request, nonce: str) -> None:
    """Keep the login form's nonce (HttpOnly, SameSite=Strict: another site's form never
    carries it, so its POST to the login fails)."""
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path=PATH, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")  # fmt: skip


def check_login_csrf(request: Request, sent: str | None) -> None:
    """PermissionDenied unless ``sent`` is the token of this browser's login nonce."""
    nonce = request.cookies.get(LOGIN_COOKIE) or ""
    if not nonce or not sent or not hmac.compare_digest(csrf_token("login:" + nonce), sent):
        raise PermissionDenied(
            "the login form's security token (CSRF) is missing or stale; open the login page "
            "again and sign in from there"
        )


def principal_of_request(state: WebState, request: Request) -> Principal:
    """The signed-in user of this request; NotSignedIn when there is no valid session."""
    from gridops.web.auth import principal_of
    from gridops.web.security import hash_token

    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        raise NotSignedIn("no session")
    user = state.accounts.user_by_token_hash(hash_token(session))
    if user is None:
        raise NotSignedIn("the session's token is not valid or its user is inactive")
    return principal_of(user)


def sign_in(response: Response, request: Request, token: str) -> None:
    """Keep ``token`` as the session cookie (HttpOnly, SameSite=Strict, /console only)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=MAX_AGE,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def sign_out(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=PATH, httponly=True, samesite="strict")


HOME = {
    Role.DISPATCHER: "/console/dispatch",
    Role.ACCEPTOR: "/console/dispatch",
    Role.FIELD_STAFF: "/console/field",
    Role.GRID_WORKER: "/console/field",
    Role.INSPECTOR: "/console/field",
    Role.SUPERVISOR: "/console/supervise",
    Role.ADMIN: "/console/supervise",
}


def home_of(principal: Principal) -> str:
    """The page a role lands on after signing in."""
    return HOME.get(principal.role, "/console/login")
