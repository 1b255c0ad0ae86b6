"""The access log (登录与密钥使用记录, migration 0011): who signed in to the console and out, which
sign-ins were refused, and when each Open311 API key was used — never a token, a key or a hash
of one. Apart from the account log's hash chain: none of these changes an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from gridops.store.engine import write
from gridops.store.schema import access_events

SIGN_IN = "sign_in"
SIGN_OUT = "sign_out"
SIGN_IN_REFUSED = "sign_in_refused"
KEY_USE = "key_use"
KINDS = (SIGN_IN, SIGN_OUT, SIGN_IN_REFUSED, KEY_USE)
_C = access_events.c


@dataclass(frozen=True)
class AccessEvent:
    """One access: ``subject`` is a user id or key name ("" when a token matched no one)."""

    id: int
    at: datetime
    kind: str
    subject: str
    detail: str
    address: str


class AccessLog:
    """Repository over ``access_events``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self, kind: str, subject: str, *, now: datetime, detail: str = "", address: str = ""
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"access kind must be one of {', '.join(KINDS)}, got {kind!r}")
        row = {"at": now, "kind": kind, "subject": subject[:100], "detail": detail[:100],
               "address": address[:64]}  # fmt: skip
        with write(self.engine) as conn:
            conn.execute(access_events.insert(), [row])

    def read(
        self, *, limit: int = 50, offset: int = 0, subject: str | None = None
    ) -> tuple[list[AccessEvent], int]:
        """A page of the log, newest first, and how many events match in all."""
        where = [] if subject is None else [_C.subject == subject]
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(access_events).where(*where))
            rows = conn.execute(
                select(access_events).where(*where).order_by(_C.at.desc(), _C.id.desc())
                .limit(limit).offset(offset)
            ).all()  # fmt: skip
            count = int(total.scalar_one())
        return [
            AccessEvent(r.id, r.at, r.kind, r.subject, r.detail, r.address) for r in rows
        ], count
