"""Accounts (账号): users with a bearer token, role and unit scope, and Open311 API keys.

Only SHA-256 hashes of tokens and keys are stored: the caller issues the secret
(:mod:`gridops.web.security`, which also says why a fast hash is right for 256-bit random
secrets), shows it once, and hands this repository its hash and hint. Lookups take the hash too.
The tables are created by the migration ``0002_accounts``; every change is logged in the
hash-chained account log (migration ``0007_account_events``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

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
from gridops.store.engine import write
from gridops.store.schema import UTCDateTime, metadata
from gridops.text import free_text
from gridops.tickets.vocabulary import Role

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
)
api_keys = Table(
    "api_keys",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_hint", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

ALL_UNITS: Literal["all"] = "all"
USER_ROLES = frozenset(Role) - {Role.SYSTEM, Role.PUBLIC}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
Units = frozenset[str] | Literal["all"]


@dataclass(frozen=True)
class User:
    """A person who signs in with a bearer token: role and the units they work for."""

    id: str
    name: str
    role: Role
    units: Units
    active: bool
    token_hint: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the admin API (no token, no hash)."""
        units = self.units if self.units == ALL_UNITS else sorted(self.units)
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "units": units,
            "active": self.active,
            "token_hint": self.token_hint,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class ApiKey:
    """An Open311 client's key (the key itself is never stored)."""

    name: str
    hint: str
    active: bool
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "hint": self.hint,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
        }


def check_user_id(value: str, what: str = "user id") -> str:
    """A user id or key name: letters, digits and ``. _ @ -``, 1–100 characters."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise UserError(
            f"{what} {value!r} is not usable: use letters, digits and . _ @ -, up to 100 chars"
        )
    return value


def check_role(value: str) -> Role:
    """A role a user may hold (not ``system`` or ``public``)."""
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role is None or role not in USER_ROLES:
        known = ", ".join(sorted(r.value for r in USER_ROLES))
        raise UserError(f"role {value!r} is not a user role; use one of: {known}")
    return role


def check_units(role: Role, units: Iterable[str] | str) -> Units:
    """``"all"`` or a non-empty set of unit ids (admins may have none)."""
    if units == ALL_UNITS:
        return ALL_UNITS
    if isinstance(units, str):
        units = [units]
    scope = frozenset(u.strip() for u in units if u.strip())
    if ALL_UNITS in scope:
        return ALL_UNITS
    if not scope and role is not Role.ADMIN:
        raise UserError(f"a {role.value} needs a unit scope: give --unit UNIT (or --unit all)")
    return scope


def _check_hash(value: str) -> None:
    if not _HASH.fullmatch(value):
        raise ValueError("expected a hex SHA-256 hash: store hashes, never the secret itself")


def _units_text(units: Units) -> str:
    return json.dumps(units if units == ALL_UNITS else sorted(units), ensure_ascii=False)


def _units_of(text: str) -> Units:
    value = json.loads(text)
    return ALL_UNITS if value == ALL_UNITS else frozenset(value)


def _user(row: Any) -> User:
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        units=_units_of(row.units),
        active=bool(row.active),
        token_hint=row.token_hint,
        created_at=row.created_at,
    )


def _key(row: Any) -> ApiKey:
    return ApiKey(row.name, row.key_hint, bool(row.active), row.created_at)


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
    ) -> User:
        """A new active user whose bearer token hashes to ``token_hash``."""
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
        }
        user = _user(_Row(row))
        try:
            with self._writing(actor) as conn:
                conn.execute(users.insert(), [row])
                log.append(conn, now, actor, Action.USER_ADD, user_id, _logged(user))
        except IntegrityError:
            raise UserError(f"user {user_id!r} already exists; pick another id") from None
        return user

    def user(self, user_id: str) -> User:
        """The user with this id; UserError if none."""
        with self.engine.connect() as conn:
            return _user_in(conn, user_id)

    def user_by_token_hash(self, token_hash: str) -> User | None:
        """The active user whose token hashes to ``token_hash``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users).where(users.c.token_hash == token_hash, users.c.active)
            ).first()
        return _user(row) if row is not None else None

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.id))]

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
    ) -> User:
        """Give a user a new token (the old one stops working at once)."""
        _check_hash(token_hash)
        with self._writing(actor) as conn:
            current = _user_in(conn, user_id)
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(token_hash=token_hash, token_hint=token_hint[:16], updated_at=now)
            )
            payload = {"token_hint": token_hint[:16], "before": {"token_hint": current.token_hint}}
            log.append(conn, now, actor, Action.USER_TOKEN, user_id, payload)
        return replace(current, token_hint=token_hint[:16])

    # -- API keys -----------------------------------------------------------------------
    def add_api_key(
        self,
        name: str,
        *,
        key_hash: str,
        key_hint: str,
        now: datetime,
        actor: str = UNATTRIBUTED,
    ) -> ApiKey:
        """A new active Open311 API key whose secret hashes to ``key_hash``."""
        check_user_id(name, "API key name")
        _check_hash(key_hash)
        row = {
            "name": name,
            "key_hash": key_hash,
            "key_hint": key_hint[:16],
            "active": True,
            "created_at": now,
        }
        try:
            with self._writing(actor) as conn:
                conn.execute(api_keys.insert(), [row])
                payload = {"hint": key_hint[:16], "active": True}
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
        """Deactivate a key; UserError if there is no such key."""
        with self._writing(actor) as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.name == name)).first()
            if row is None:
                raise UserError(f"no API key named {name!r}")
            conn.execute(update(api_keys).where(api_keys.c.name == name).values(active=False))
            payload = {
                "hint": row.key_hint,
                "active": False,
                "before": {"active": bool(row.active)},
            }
            log.append(conn, now, actor, Action.KEY_REVOKE, name, payload)
        return ApiKey(row.name, row.key_hint, False, row.created_at)

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
        raise UserError(f"no user {user_id!r}")
    return _user(row)


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
