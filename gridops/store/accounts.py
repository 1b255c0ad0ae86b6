"""Accounts (账号): users with a bearer token, role and unit scope, and Open311 API keys.

Only SHA-256 hashes of tokens and keys are stored: the caller issues the secret
(:mod:`gridops.web.security`, which also says why a fast hash is right for 256-bit random
secrets), shows it once, and hands this repository its hash and hint. Lookups take the hash too.
The records and the checks of their fields are :mod:`gridops.store.account_model`. The tables
are created by the migration ``0002_accounts`` (expiry: ``0010_sessions_media``); every change
is logged in the hash-chained account log (migration ``0007_account_events``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    String,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from gridops.errors import UserError
from gridops.store import account_log as log
from gridops.store.account_log import UNATTRIBUTED, AccountEvent, Action, check_actor
from gridops.store.account_model import (
    ALL_UNITS,
    USER_ROLES,
    ApiKey,
    Units,
    User,
    check_role,
    check_units,
    check_user_id,
    iso_or_none,
)
from gridops.store.engine import write
from gridops.store.errors import UnknownAccount
from gridops.store.schema import UTCDateTime, metadata
from gridops.text import free_text
from gridops.tickets.vocabulary import Role

__all__ = [
    "ALL_UNITS",
    "USER_ROLES",
    "Accounts",
    "ApiKey",
    "Units",
    "User",
    "api_keys",
    "check_role",
    "check_units",
    "check_user_id",
    "user_of",
    "users",
]

users = Table(
    "users",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("units", Text, nullable=False),  # JSON list of unit ids, or "all"
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("token_hint", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("token_expires_at", UTCDateTime),  # NULL: never (migration 0010)
)
api_keys = Table(
    "api_keys",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_hint", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),  # NULL: never (migration 0010)
)

_HASH = re.compile(r"^[0-9a-f]{64}$")


def _check_hash(value: str) -> None:
    if not _HASH.fullmatch(value):
        raise ValueError("expected a hex SHA-256 hash: store hashes, never the secret itself")


def _units_text(units: Units) -> str:
    return json.dumps(units if units == ALL_UNITS else sorted(units), ensure_ascii=False)


def _units_of(text: str) -> Units:
    value = json.loads(text)
    return ALL_UNITS if value == ALL_UNITS else frozenset(value)


def user_of(row: Any) -> User:
    """A ``users`` row as a User."""
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        units=_units_of(row.units),
        active=bool(row.active),
        token_hint=row.token_hint,
        created_at=row.created_at,
        token_expires_at=row.token_expires_at,
    )


def _key(row: Any) -> ApiKey:
    return ApiKey(row.name, row.key_hint, bool(row.active), row.created_at, row.expires_at)


def _expiry(payload: dict[str, Any], expires_at: datetime | None) -> dict[str, Any]:
    """An account event's payload with the expiry it set, if any (left out when none, so the
    events of accounts without one read as before)."""
    return payload | {"expires_at": iso_or_none(expires_at)} if expires_at is not None else payload


class Accounts:
    """Repository over the ``users`` and ``api_keys`` tables; every write appends its event to
    the account log (:mod:`gridops.store.account_log`) in the same transaction. ``actor`` names
    who asked: a user id, ``cli:<os user>``, or :data:`UNATTRIBUTED`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _writing(self, actor: str) -> Iterator[Connection]:
        """A write transaction queued behind every other account write."""
        check_actor(actor)
        with write(self.engine) as conn:
            log.lock(conn)
            yield conn

    # -- users --------------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        role: Role | str,
        units: Iterable[str] | str,
        token_hash: str,
        token_hint: str,
        now: datetime,
        actor: str = UNATTRIBUTED,
        token_expires_at: datetime | None = None,
    ) -> User:
        """A new active user whose bearer token hashes to ``token_hash`` (and expires at
        ``token_expires_at``, if given)."""
        check_user_id(user_id)
        role = check_role(role)
        scope = check_units(role, units)
        _check_hash(token_hash)
        row = {
            "id": user_id,
            "name": free_text((name or user_id).strip(), "user name")[:200],
            "role": role.value,
            "units": _units_text(scope),
            "token_hash": token_hash,
            "token_hint": token_hint[:16],
            "active": True,
            "created_at": now,
            "updated_at": now,
            "token_expires_at": token_expires_at,
        }
        user = user_of(_Row(row))
        try:
            with self._writing(actor) as conn:
                conn.execute(users.insert(), [row])
                payload = _expiry(_logged(user), token_expires_at)
                log.append(conn, now, actor, Action.USER_ADD, user_id, payload)
        except IntegrityError:
            raise UserError(f"user {user_id!r} already exists; pick another id") from None
        return user

    def user(self, user_id: str) -> User:
        """The user with this id; UnknownAccount if none."""
        with self.engine.connect() as conn:
            return _user_in(conn, user_id)

    def user_by_token_hash(self, token_hash: str) -> User | None:
        """The active user whose token hashes to ``token_hash``, or None (expired or not: the
        caller tells an expired token apart, with :meth:`User.expired`)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users).where(users.c.token_hash == token_hash, users.c.active)
            ).first()
        return user_of(row) if row is not None else None

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [user_of(r) for r in conn.execute(select(users).order_by(users.c.id))]

    def update_user(
        self,
        user_id: str,
        *,
        now: datetime,
        role: Role | str | None = None,
        units: Iterable[str] | str | None = None,
        active: bool | None = None,
        actor: str = UNATTRIBUTED,
    ) -> User:
        """Change a user's role, unit scope or active flag (the event holds the new values and,
        under ``before``, the old values of those that changed)."""
        with self._writing(actor) as conn:
            current = _user_in(conn, user_id)
            new_role = check_role(role) if role is not None else current.role
            scope = check_units(new_role, units) if units is not None else current.units
            if units is None:
                check_units(new_role, scope)
            new_active = current.active if active is None else active
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(
                    updated_at=now, role=new_role.value, units=_units_text(scope), active=new_active
                )
            )
            changed = replace(current, role=new_role, units=scope, active=new_active)
            old, new = _logged(current), _logged(changed)
            payload = {k: new[k] for k in ("role", "units", "active")}
            payload["before"] = {k: old[k] for k in payload if old[k] != new[k]}
            log.append(conn, now, actor, Action.USER_UPDATE, user_id, payload)
        return changed

    def replace_token(
        self,
        user_id: str,
        *,
        token_hash: str,
        token_hint: str,
        now: datetime,
        actor: str = UNATTRIBUTED,
        token_expires_at: datetime | None = None,
    ) -> User:
        """Give a user a new token, expiring at ``token_expires_at`` if given (the old one stops
        working at once)."""
        _check_hash(token_hash)
        with self._writing(actor) as conn:
            current = _user_in(conn, user_id)
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(
                    token_hash=token_hash,
                    token_hint=token_hint[:16],
                    updated_at=now,
                    token_expires_at=token_expires_at,
                )  # fmt: skip
            )
            payload = {"token_hint": token_hint[:16], "before": {"token_hint": current.token_hint}}
            payload = _expiry(payload, token_expires_at)
            log.append(conn, now, actor, Action.USER_TOKEN, user_id, payload)
        return replace(current, token_hint=token_hint[:16], token_expires_at=token_expires_at)

    # -- API keys -----------------------------------------------------------------------
    def add_api_key(
        self,
        name: str,
        *,
        key_hash: str,
        key_hint: str,
        now: datetime,
        actor: str = UNATTRIBUTED,
        expires_at: datetime | None = None,
    ) -> ApiKey:
        """A new active Open311 API key whose secret hashes to ``key_hash`` (expiring at
        ``expires_at``, if given)."""
        check_user_id(name, "API key name")
        _check_hash(key_hash)
        row = {
            "name": name,
            "key_hash": key_hash,
            "key_hint": key_hint[:16],
            "active": True,
            "created_at": now,
            "expires_at": expires_at,
        }
        try:
            with self._writing(actor) as conn:
                conn.execute(api_keys.insert(), [row])
                payload = _expiry({"hint": key_hint[:16], "active": True}, expires_at)
                log.append(conn, now, actor, Action.KEY_ADD, name, payload)
        except IntegrityError:
            raise UserError(f"API key {name!r} already exists; pick another name") from None
        return _key(_Row(row))

    def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        """The active API key whose secret hashes to ``key_hash``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_keys).where(api_keys.c.key_hash == key_hash, api_keys.c.active)
            ).first()
        return _key(row) if row is not None else None

    def list_api_keys(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            return [_key(r) for r in conn.execute(select(api_keys).order_by(api_keys.c.name))]

    def revoke_api_key(self, name: str, *, now: datetime, actor: str = UNATTRIBUTED) -> ApiKey:
        """Deactivate a key; UnknownAccount if there is no such key."""
        with self._writing(actor) as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.name == name)).first()
            if row is None:
                raise UnknownAccount(f"no API key named {name!r}")
            conn.execute(update(api_keys).where(api_keys.c.name == name).values(active=False))
            payload = {
                "hint": row.key_hint,
                "active": False,
                "before": {"active": bool(row.active)},
            }
            log.append(conn, now, actor, Action.KEY_REVOKE, name, payload)
        return ApiKey(row.name, row.key_hint, False, row.created_at, row.expires_at)

    # -- the account log ----------------------------------------------------------------
    def history(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        subject: str | None = None,
        actor: str | None = None,
    ) -> tuple[list[AccountEvent], int]:
        """A page of the account log, newest first, and how many events match in all."""
        return log.read_events(
            self.engine, limit=limit, offset=offset, subject=subject, actor=actor
        )


def _user_in(conn: Connection, user_id: str) -> User:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise UnknownAccount(f"no user {user_id!r}")
    return user_of(row)


def _logged(user: User) -> dict[str, Any]:
    """A user as the account log records it."""
    return log.user_state(
        name=user.name,
        role=user.role.value,
        units=user.units,
        active=user.active,
        token_hint=user.token_hint,
    )


class _Row:
    """Attribute access over a dict (a row we just wrote)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)
