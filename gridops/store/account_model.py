"""What an account is: a user (bearer token, role, unit scope, optional expiry) and an Open311
API key, as records, and the checks their fields pass before they are stored."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from gridops.errors import UserError
from gridops.tickets.vocabulary import Role

ALL_UNITS: Literal["all"] = "all"
USER_ROLES = frozenset(Role) - {Role.SYSTEM, Role.PUBLIC}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
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
    token_expires_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        """Whether the bearer token has expired by ``now``."""
        return self.token_expires_at is not None and self.token_expires_at <= now

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
            "token_expires_at": iso_or_none(self.token_expires_at),
        }


@dataclass(frozen=True)
class ApiKey:
    """An Open311 client's key (the key itself is never stored)."""

    name: str
    hint: str
    active: bool
    created_at: datetime
    expires_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "hint": self.hint,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
            "expires_at": iso_or_none(self.expires_at),
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


def iso_or_none(at: datetime | None) -> str | None:
    """ISO-8601 text of ``at``, or None."""
    return at.isoformat() if at is not None else None
