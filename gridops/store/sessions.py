"""Console sessions (登录会话): a row per signed-in browser, found by the SHA-256 of the random
secret its cookie holds (the secret itself is never stored, nor is the user's bearer token).

A session ends at ``expires_at`` (set at sign-in, never after the user's token expires), when it
has not been seen for the idle timeout, when it is signed out (its row deleted), when its user's
token is replaced, or while its user is inactive. ``seen_at`` is written at most once per
``touch_every``, so a busy page costs a read per request, not a write.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update

from gridops.store.account_model import User
from gridops.store.accounts import user_of, users
from gridops.store.engine import write
from gridops.store.schema import console_sessions

MAX_TOUCH_EVERY = timedelta(minutes=1)
_SESSION = console_sessions.c


class Sessions:
    """Repository over the ``console_sessions`` table (migration 0010)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def open(self, user: User, *, id_hash: str, now: datetime, lifetime: timedelta) -> datetime:
        """A new session of ``user`` whose secret hashes to ``id_hash``; returns when it ends
        (``now + lifetime``, or the token's expiry if sooner). Ended sessions are purged."""
        ends = now + lifetime
        if user.token_expires_at is not None:
            ends = min(ends, user.token_expires_at)
        row = {"id_hash": id_hash, "user_id": user.id, "created_at": now, "seen_at": now,
               "expires_at": ends}  # fmt: skip
        with write(self.engine) as conn:
            conn.execute(delete(console_sessions).where(console_sessions.c.expires_at <= now))
            conn.execute(console_sessions.insert(), [row])
        return ends

    def user(
        self, id_hash: str, *, now: datetime, idle: timedelta, touch: bool = True
    ) -> User | None:
        """The active user of the live session ``id_hash``, or None (an ended session is
        deleted). ``touch``: this request counts as activity (a page, not a background poll)."""
        s = console_sessions.c
        q = select(users, s.seen_at, s.expires_at).join(users, users.c.id == s.user_id)
        with self.engine.connect() as conn:
            row = conn.execute(q.where(s.id_hash == id_hash, users.c.active)).first()
        if row is None:
            return None
        if row.expires_at <= now or row.seen_at + idle <= now:
            self.close(id_hash)
            return None
        if touch and now - row.seen_at >= min(MAX_TOUCH_EVERY, idle / 4):
            with write(self.engine) as conn:
                conn.execute(
                    update(console_sessions).where(s.id_hash == id_hash).values(seen_at=now)
                )
        return user_of(row)

    def close(self, id_hash: str) -> bool:
        """Sign a session out; whether it was open."""
        with write(self.engine) as conn:
            gone = conn.execute(
                delete(console_sessions).where(console_sessions.c.id_hash == id_hash)
            )
        return bool(gone.rowcount)

    def close_all(self, user_id: str) -> int:
        """Sign every session of ``user_id`` out (their token was replaced); how many."""
        with write(self.engine) as conn:
            gone = conn.execute(
                delete(console_sessions).where(console_sessions.c.user_id == user_id)
            )
        return int(gone.rowcount)
