"""Who is asking (鉴权): bearer tokens → Principal, API keys → ApiKey, and issuing both.

Secrets are issued by :mod:`gridops.web.security` and shown once; the accounts repository keeps
their hashes only. ``gridops user add`` and the admin API both call :func:`create_user`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from gridops.errors import UserError
from gridops.org.orgchart import OrgChart
from gridops.store.account_log import UNATTRIBUTED
from gridops.store.accounts import ALL_UNITS, Accounts, ApiKey, User, check_role, check_units
from gridops.tickets.vocabulary import Role
from gridops.web.permissions import PermissionDenied, Principal
from gridops.web.security import bearer_token, hash_token, issue_api_key, issue_user_token


def principal_of(user: User) -> Principal:
    """The permissions view of a user."""
    return Principal(user.id, user.role, user.units)


def authenticate(accounts: Accounts, authorization: str | None) -> Principal:
    """The principal behind an ``Authorization: Bearer`` header; PermissionDenied otherwise."""
    token = bearer_token(authorization)
    if token is None:
        raise PermissionDenied(
            "this call needs 'Authorization: Bearer <token>'; ask an admin for a token "
            "(gridops user add)"
        )
    user = accounts.user_by_token_hash(hash_token(token))
    if user is None:
        raise PermissionDenied("the bearer token is not valid or its user is inactive")
    return principal_of(user)


def api_key_for(accounts: Accounts, key: str) -> ApiKey | None:
    """The active API key this secret belongs to, or None."""
    return accounts.api_key_by_hash(hash_token(key))


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

    def remembered(self, key: str, *, now: float) -> ApiKey | None:
        """The key for this secret if it was found valid within ``ttl_s``, else None — no
        database read (an event loop may call it)."""
        hit = self._known.get(hash_token(key))
        return hit[0] if hit is not None and hit[1] > now else None

    def lookup(self, key: str, *, now: float) -> ApiKey | None:
        """The active key for this secret, or None (``now`` is a monotonic clock reading)."""
        hit = self.remembered(key, now=now)
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
        return found

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
) -> tuple[User, str]:
    """A new user and their bearer token (the token is returned once, never stored).
    ``actor`` (who asked: an admin's user id, ``cli:<os user>``) goes into the account log."""
    checked_role = check_role(role)
    scope = check_units(checked_role, units)
    check_unit_ids(scope, org)
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
    )
    return user, issued.token


def create_api_key(
    accounts: Accounts, name: str, *, now: datetime, actor: str = UNATTRIBUTED
) -> tuple[ApiKey, str]:
    """A new Open311 API key and its secret (returned once, never stored)."""
    issued = issue_api_key()
    key = accounts.add_api_key(
        name, key_hash=issued.token_hash, key_hint=issued.hint, now=now, actor=actor
    )
    return key, issued.token


def rotate_token(
    accounts: Accounts, user_id: str, *, now: datetime, actor: str = UNATTRIBUTED
) -> tuple[User, str]:
    """Replace a user's token; the old one stops working at once."""
    issued = issue_user_token()
    user = accounts.replace_token(
        user_id, token_hash=issued.token_hash, token_hint=issued.hint, now=now, actor=actor
    )
    return user, issued.token
