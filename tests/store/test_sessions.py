"""Console sessions in the store (SQLite and PostgreSQL): found by the hash of their secret, ended
by their expiry, the idle timeout, sign-out, a new token or an inactive user; an expiring token
caps the session."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridops.store import Store
from gridops.store.account_audit import verify_account_log
from gridops.store.accounts import Accounts
from gridops.store.schema import console_sessions
from gridops.store.sessions import Sessions
from gridops.web.security import issue_session, issue_user_token
from store.factory import NOW

IDLE = timedelta(minutes=30)
SHIFT = timedelta(hours=12)


def user(store: Store, user_id: str = "d-1", expires: timedelta | None = None):
    token = issue_user_token()
    ends = NOW + expires if expires is not None else None
    return Accounts(store.engine).add_user(
        user_id, name=user_id, role="dispatcher", units=["sc-1"], token_hash=token.token_hash,
        token_hint=token.hint, now=NOW, token_expires_at=ends,
    )  # fmt: skip


def test_a_session_lives_while_used_and_ends_when_idle_or_old(store: Store) -> None:
    sessions, d1 = Sessions(store.engine), user(store)
    secret = issue_session()
    assert sessions.open(d1, id_hash=secret.token_hash, now=NOW, lifetime=SHIFT) == NOW + SHIFT
    with store.engine.connect() as conn:
        [row] = conn.execute(select(console_sessions)).all()
    assert row.id_hash == secret.token_hash and secret.token not in str(tuple(row))
    at = NOW
    for _ in range(23):  # a page every 29 minutes keeps it open up to its end
        at += IDLE - timedelta(minutes=1)
        assert sessions.user(secret.token_hash, now=at, idle=IDLE) == d1
    assert sessions.user(secret.token_hash, now=NOW + SHIFT, idle=IDLE) is None  # too old
    idle = issue_session()
    sessions.open(d1, id_hash=idle.token_hash, now=NOW, lifetime=SHIFT)
    assert sessions.user(idle.token_hash, now=NOW + timedelta(minutes=20), idle=IDLE,
                         touch=False) == d1  # fmt: skip
    assert sessions.user(idle.token_hash, now=NOW + IDLE, idle=IDLE) is None  # polls don't count
    assert sessions.user(idle.token_hash, now=NOW, idle=IDLE) is None  # and it is gone


def test_sign_out_a_new_token_and_deactivation_end_sessions(store: Store) -> None:
    sessions, accounts = Sessions(store.engine), Accounts(store.engine)
    d1, d2 = user(store, "d-1"), user(store, "d-2")
    a, b, c = issue_session(), issue_session(), issue_session()
    for s, who in ((a, d1), (b, d1), (c, d2)):
        sessions.open(who, id_hash=s.token_hash, now=NOW, lifetime=SHIFT)
    assert sessions.close(a.token_hash) and not sessions.close(a.token_hash)
    assert sessions.user(a.token_hash, now=NOW, idle=IDLE) is None
    accounts.update_user("d-2", now=NOW, active=False)
    assert sessions.user(c.token_hash, now=NOW, idle=IDLE) is None
    assert (
        sessions.close_all("d-1") == 1 and sessions.user(b.token_hash, now=NOW, idle=IDLE) is None
    )


def test_an_expiring_token_caps_its_sessions_and_is_logged(store: Store) -> None:
    d1 = user(store, expires=timedelta(hours=2))
    assert d1.token_expires_at == NOW + timedelta(hours=2) and not d1.expired(NOW)
    assert d1.expired(NOW + timedelta(hours=2))
    secret = issue_session()
    ends = Sessions(store.engine).open(d1, id_hash=secret.token_hash, now=NOW, lifetime=SHIFT)
    assert ends == NOW + timedelta(hours=2)
    [event], _ = Accounts(store.engine).history(limit=1)
    assert event.payload["expires_at"] == d1.token_expires_at.isoformat()
    assert verify_account_log(store.engine).problems == []
