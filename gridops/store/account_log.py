"""The account log (账号变更日志): one append-only hash chain of every change to users and API keys.

``hash = sha256(prev_hash + canonical JSON of the event)`` — the construction of the ticket
chains (:mod:`gridops.tickets.events`): the canonical form holds the action, actor, subject,
time (ISO-8601 UTC) and payload, not the sequence number, so an event moved elsewhere in the
chain shows up as *reordered* rather than *altered*. The first event chains from ``GENESIS``.
Payloads hold what an auditor asks (role, unit scope, active flag, the hint of a token or key),
never a secret or its hash. :mod:`gridops.store.account_audit` checks the chain and the tables
against it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from gridops.store.schema import account_events
from gridops.tickets.codec import canonical, iso
from gridops.tickets.events import GENESIS

#: pg_advisory_xact_lock key ("accl"): account writes queue behind it, so the chain never forks
LOG_LOCK = 0x6163636C
#: the actor of a change whose caller could not say who asked for it
UNATTRIBUTED = "unattributed"


class Action:
    """What an account event records (the ``action`` column)."""

    USER_ADD = "user.add"
    USER_UPDATE = "user.update"  # role, unit scope or active flag
    USER_TOKEN = "user.token"  # a new bearer token replaced the old one
    USER_BASELINE = "user.baseline"  # a user found when the log began (migration 0007)
    KEY_ADD = "apikey.add"
    KEY_REVOKE = "apikey.revoke"
    KEY_BASELINE = "apikey.baseline"


@dataclass(frozen=True)
class AccountEvent:
    """One change of an account: ``subject`` is the user id or API key name."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """The hashed content (everything except seq and the hashes)."""
        return {
            "action": self.action,
            "actor": self.actor,
            "at": iso(self.at),
            "payload": self.payload,
            "subject": self.subject,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the admin API."""
        return {"seq": self.seq, **self.body(), "prev_hash": self.prev_hash, "hash": self.hash}


def chain_hash(prev_hash: str, event: AccountEvent) -> str:
    """sha256 hex over the previous hash and the event's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical(event.body())).encode("utf-8")).hexdigest()


def check_actor(actor: str) -> str:
    """Who made a change: 1–100 characters (a user id, ``cli:<os user>``, ``migration:…``)."""
    if not isinstance(actor, str) or not 0 < len(actor) <= 100:
        raise ValueError(f"account changes need an actor of 1-100 characters, not {actor!r}")
    return actor


def units_value(units: Any) -> Any:
    """A unit scope as logged: ``"all"`` or the sorted list of unit ids."""
    return units if units == "all" else sorted(units)


def user_state(
    *, name: str, role: str, units: Any, active: bool, token_hint: str
) -> dict[str, Any]:
    """A user as the log records it (no token, no hash)."""
    return {
        "name": name,
        "role": role,
        "units": units_value(units),
        "active": bool(active),
        "token_hint": token_hint,
    }


def lock(conn: Connection) -> None:
    """Queue behind every other account write (PostgreSQL; SQLite writes are serial already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOG_LOCK})


def append(
    conn: Connection,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    payload: dict[str, Any],
) -> AccountEvent:
    """Seal one event onto the end of the chain, in the caller's transaction."""
    lock(conn)
    last = conn.execute(
        select(account_events.c.seq, account_events.c.hash)
        .order_by(account_events.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last is not None else (1, GENESIS)
    draft = AccountEvent(seq, at, check_actor(actor), action, subject, payload, prev)
    event = replace(draft, hash=chain_hash(prev, draft))
    conn.execute(
        account_events.insert(),
        [
            {
                "seq": event.seq,
                "at": event.at,
                "actor": event.actor,
                "action": event.action,
                "subject": event.subject,
                "payload": canonical(event.payload),
                "prev_hash": event.prev_hash,
                "hash": event.hash,
            }
        ],
    )
    return event


def event_of(row: Any) -> AccountEvent:
    """An event as stored."""
    return AccountEvent(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        payload=json.loads(row.payload),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def all_events(conn: Connection) -> list[AccountEvent]:
    """The whole log in stored sequence order."""
    q = select(account_events).order_by(account_events.c.seq)
    return [event_of(r) for r in conn.execute(q)]


def read_events(
    engine: Engine,
    *,
    limit: int = 50,
    offset: int = 0,
    subject: str | None = None,
    actor: str | None = None,
) -> tuple[list[AccountEvent], int]:
    """A page of the log, newest first, and how many events match in all."""
    where = []
    if subject is not None:
        where.append(account_events.c.subject == subject)
    if actor is not None:
        where.append(account_events.c.actor == actor)
    page = (
        select(account_events)
        .where(*where)
        .order_by(account_events.c.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(account_events).where(*where))
        return [event_of(r) for r in conn.execute(page)], int(total.scalar_one())
