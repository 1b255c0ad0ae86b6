"""Who is asking (鉴权): bearer tokens → Principal, API keys → ApiKey, and issuing both.

Secrets are issued by :mod:`gridops.web.security` and shown once; the accounts repository keeps
their hashes only. ``gridops user add`` and the admin API both call :func:`create_user`. Either
kind may be given a lifetime (``--expires 90d``); an expired one is refused like a wrong one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from fastapi import HTTPException

from gridops.errors import UserError
from gridops.org.orgchart import OrgChart
from gridops.store.account_log import UNATTRIBUTED
from gridops.store.accounts import ALL_UNITS, Accounts, ApiKey, User, check_role, check_units
from gridops.tickets.vocabulary import Role
from gridops.web.permissions import Principal
from gridops.web.security import bearer_token, hash_token, issue_api_key, issue_user_token

log = logging.getLogger(__name__)
USE_EVERY_S = 600.0  # an API key's use is noted in the access log once per 10 min per process


def principal_of(user: User) -> Principal:
    """The permissions view of a user."""
    return Principal(user.id, user.role, user.units)


class NotAuthenticated(HTTPException):
    """A 401: no credential, or one that is not valid (unknown, expired, user inactive); a
    valid credential refused an action is a 403 (PermissionDenied)."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, detail, headers={"WWW-Authenticate": 'Bearer realm="gridops"'})


def authenticate(accounts: Accounts, authorization: str | None, *, now: datetime) -> Principal:
    """The principal behind an ``Authorization: Bearer`` header; NotAuthenticated otherwise."""
    token = bearer_token(authorization)
    if token is None:
        raise NotAuthenticated(
            "this call needs 'Authorization: Bearer <token>'; ask an admin for a token "
            "(gridops user add)"
        )
    user = accounts.user_by_token_hash(hash_token(token))
    if user is None:
        raise NotAuthenticated("the bearer token is not valid or its user is inactive")
    if user.expired(now):
        raise NotAuthenticated(
            f"the bearer token of {user.id} expired at {user.token_expires_at:%Y-%m-%d %H:%M} "
            "UTC; ask an admin for a new one"
        )
    return principal_of(user)


LIFETIME = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$")
UNIT_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}
MAX_LIFETIME = timedelta(days=3660)


def parse_lifetime(text: str, what: str = "expires") -> timedelta:
    """``90d``, ``12h`` or ``2w`` as a timedelta (at most ten years); UserError otherwise."""
    found = LIFETIME.match(text or "")
    span = timedelta(seconds=int(found[1]) * UNIT_SECONDS[found[2]]) if found else timedelta()
    if not timedelta() < span <= MAX_LIFETIME:
        raise UserError(
            f"{what} {text!r} is not a lifetime: give a number and h, d or w (e.g. 90d, 12h, "
            "2w), at most ten years"
        )
    return span


def expiry(lifetime: str | None, now: datetime) -> datetime | None:
    """When a secret issued at ``now`` with ``lifetime`` (None: never) expires."""
    return None if not lifetime else now + parse_lifetime(lifetime)


def api_key_for(accounts: Accounts, key: str, *, at: datetime) -> ApiKey | None:
    """The active, unexpired API key this secret belongs to, or None."""
    found = accounts.api_key_by_hash(hash_token(key))
    return None if found is None or found.expired(at) else found


class ApiKeyCache:
    """Valid API keys remembered for ``ttl_s`` seconds (public intake checks one per request).

    Only keys found valid are remembered, so a revoked key stops working within ``ttl_s`` (1 s:
    a database read per key per second per server process, next to nothing under load);
    unknown keys always go to the database."""

    def __init__(self, accounts: Accounts, ttl_s: float = 1.0, max_entries: int = 10_000) -> None:
        self.accounts = accounts
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._known: dict[str, tuple[ApiKey, float]] = {}
        self._used: dict[str, float] = {}  # key name → when its use was last noted (monotonic)
        # notes are written off the request: a request never waits for the writer to note a use
        self._notes = ThreadPoolExecutor(1, thread_name_prefix="key-use")
        self._last_note: Future[None] | None = None

    def remembered(self, key: str, *, now: float, at: datetime) -> ApiKey | None:
        """The key for this secret if it was found valid within ``ttl_s`` and has not expired
        by ``at``, else None — no database read (an event loop may call it)."""
        hit = self._known.get(hash_token(key))
        if hit is None or hit[1] <= now or hit[0].expired(at):
            return None
        return hit[0]

    def lookup(self, key: str, *, now: float, at: datetime) -> ApiKey | None:
        """The active, unexpired key for this secret, or None (``now`` is a monotonic clock
        reading; ``at`` the time, against which the key's expiry is checked on every call)."""
        hit = self.remembered(key, now=now, at=at)
        if hit is not None:
            return hit
        digest = hash_token(key)
        found = self.accounts.api_key_by_hash(digest)
        if found is None:
            self._known.pop(digest, None)
            return None
        if len(self._known) >= self.max_entries:
            self._known.clear()
        self._known[digest] = (found, now + self.ttl_s)
        if found.expired(at):
            return None
        self._note_use(found.name, now=now, at=at)
        return found

    def _note_use(self, name: str, *, now: float, at: datetime) -> None:
        """Record the key's use in the access log, at most once per ``USE_EVERY_S`` per key
        and process, on a thread of its own: a held or busy writer delays the note (or skips
        it), never the request."""
        from sqlalchemy.exc import SQLAlchemyError

        from gridops.store.access_log import KEY_USE, AccessLog
        from gridops.store.errors import WriterBusy

        if self._used.get(name, -USE_EVERY_S) + USE_EVERY_S > now:
            return
        self._used[name] = now

        def note() -> None:
            try:
                AccessLog(self.accounts.engine).record(KEY_USE, name, now=at)
            except (SQLAlchemyError, WriterBusy):
                log.warning("the use of API key %r was not noted in the access log", name)

        self._last_note = self._notes.submit(note)

    def settle(self) -> None:
        """Wait until every use noted so far is written (tests; a stopping server)."""
        if self._last_note is not None:
            self._last_note.result()

    def forget(self) -> None:
        """Drop every remembered key (after a revocation through this app)."""
        self._known.clear()


def check_unit_ids(units: Iterable[str] | str, org: OrgChart | None) -> None:
    """Every unit id must exist in the org chart (``all`` always may)."""
    if org is None or units == ALL_UNITS:
        return
    for unit in [units] if isinstance(units, str) else units:
        if unit != ALL_UNITS and unit not in org:
            raise UserError(f"unit {unit!r} is not in the org chart (config/org.yaml)")


def create_user(
    accounts: Accounts,
    user_id: str,
    *,
    name: str,
    role: Role | str,
    units: Iterable[str] | str,
    now: datetime,
    org: OrgChart | None = None,
    actor: str = UNATTRIBUTED,
    expires: str | None = None,
) -> tuple[User, str]:
    """A new user and their bearer token (the token is returned once, never stored), valid
    for ``expires`` (``90d``; None: until replaced). ``actor`` (who asked: an admin's user id,
    ``cli:<os user>``) goes into the account log."""
    checked_role = check_role(role)
    scope = check_units(checked_role, units)
    check_unit_ids(scope, org)
    ends = expiry(expires, now)
    issued = issue_user_token()
    user = accounts.add_user(
        user_id,
        name=name,
        role=checked_role,
        units=scope,
        token_hash=issued.token_hash,
        token_hint=issued.hint,
        now=now,
        actor=actor,
        token_expires_at=ends,
    )
    return user, issued.token


def create_api_key(
    accounts: Accounts,
    name: str,
    *,
    now: datetime,
    actor: str = UNATTRIBUTED,
    expires: str | None = None,
) -> tuple[ApiKey, str]:
    """A new Open311 API key and its secret (returned once, never stored), valid for
    ``expires`` (``90d``; None: until revoked)."""
    ends = expiry(expires, now)
    issued = issue_api_key()
    key = accounts.add_api_key(name, key_hash=issued.token_hash, key_hint=issued.hint, now=now,
                               actor=actor, expires_at=ends)  # fmt: skip
    return key, issued.token


def rotate_token(
    accounts: Accounts,
    user_id: str,
    *,
    now: datetime,
    actor: str = UNATTRIBUTED,
    expires: str | None = None,
) -> tuple[User, str]:
    """Replace a user's token (valid for ``expires``, if given): the old one stops working at
    once, and so do the console sessions signed in with it."""
    from gridops.store.sessions import Sessions

    ends = expiry(expires, now)
    issued = issue_user_token()
    user = accounts.replace_token(user_id, token_hash=issued.token_hash, token_hint=issued.hint,
                                  now=now, actor=actor, token_expires_at=ends)  # fmt: skip
    Sessions(accounts.engine).close_all(user_id)
    return user, issued.token
