"""Who came in (访问记录): the console's server-side sign-in sessions and the access log of
sign-ins, refused sign-ins, sign-outs and API key use — kept apart from the account log's
chain, since none of them changes an account. Over :mod:`gridops.store.sessions` and
:mod:`gridops.store.access_log`; the pages decide who may read the log before asking."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from gridops.store.access_log import (
    KEY_USE,
    SIGN_IN,
    SIGN_IN_REFUSED,
    SIGN_OUT,
    AccessEvent,
    AccessLog,
)
from gridops.store.account_model import User
from gridops.store.sessions import Sessions

__all__ = [
    "KEY_USE",
    "SIGN_IN",
    "SIGN_IN_REFUSED",
    "SIGN_OUT",
    "AccessEvent",
    "User",
    "access_page",
    "close_session",
    "note_access",
    "open_session",
    "session_user",
]


def note_access(
    engine: Any, kind: str, subject: str, *, now: datetime, detail: str = "", address: str = ""
) -> None:
    """Record one access (a sign-in, a refused one, a sign-out, a key's use)."""
    AccessLog(engine).record(kind, subject, now=now, detail=detail, address=address)


def access_page(
    engine: Any, *, limit: int, offset: int, subject: str | None = None
) -> tuple[list[AccessEvent], int]:
    """A page of the access log, newest first, and how many events match in all."""
    return AccessLog(engine).read(limit=limit, offset=offset, subject=subject)


def open_session(
    engine: Any, user: User, *, id_hash: str, now: datetime, lifetime: timedelta
) -> datetime:
    """A new console session of ``user``; returns when it ends (no later than the token)."""
    return Sessions(engine).open(user, id_hash=id_hash, now=now, lifetime=lifetime)


def session_user(
    engine: Any, id_hash: str, *, now: datetime, idle: timedelta, touch: bool
) -> User | None:
    """The user of a live session (None once ended, expired or idle too long)."""
    return Sessions(engine).user(id_hash, now=now, idle=idle, touch=touch)


def close_session(engine: Any, id_hash: str) -> bool:
    """End one session (signing out)."""
    return Sessions(engine).close(id_hash)
