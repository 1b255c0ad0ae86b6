"""The account log on a real store: every Accounts write appends exactly one event naming its
actor and holding no secret; a failed write appends nothing; the chain and the tables verify."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gridops.errors import UserError
from gridops.store import Store
from gridops.store.account_audit import verify_account_log
from gridops.store.account_log import UNATTRIBUTED, AccountEvent
from gridops.store.accounts import Accounts
from gridops.store.schema import account_events
from gridops.web.security import IssuedToken, issue_api_key, issue_user_token

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def accounts(store: Store) -> Accounts:
    return Accounts(store.engine)


def log_text(accounts: Accounts) -> str:
    """Every column of every account event, as one string (to search for secrets)."""
    with accounts.engine.connect() as conn:
        return "\n".join(repr(tuple(r)) for r in conn.execute(select(account_events)))


def count(accounts: Accounts) -> int:
    with accounts.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(account_events)).scalar_one())


def last(accounts: Accounts) -> AccountEvent:
    events, _ = accounts.history(limit=1)
    return events[0]


def add_user(accounts: Accounts, user_id: str, *, actor: str = "root", **kw: Any) -> IssuedToken:
    token = issue_user_token()
    accounts.add_user(
        user_id,
        name=kw.get("name", user_id),
        role=kw.get("role", "dispatcher"),
        units=kw.get("units", ["sc-1"]),
        token_hash=token.token_hash,
        token_hint=token.hint,
        now=kw.get("now", NOW),
        actor=actor,
    )
    return token


def test_each_write_appends_one_event_with_its_actor_and_no_secret(accounts: Accounts) -> None:
    secrets: list[str] = []

    def step(write: Callable[[], Any], action: str, subject: str, actor: str) -> dict[str, Any]:
        before = count(accounts)
        write()
        assert count(accounts) == before + 1
        event = last(accounts)
        assert (event.seq, event.action, event.subject, event.actor) == (
            before + 1,
            action,
            subject,
            actor,
        )
        text = log_text(accounts)
        assert not [s for s in secrets if s in text]
        return event.payload

    def new_user() -> None:
        issued = add_user(accounts, "li-na", actor="root", units=["sc-2", "sc-1"])
        secrets.extend([issued.token, issued.token_hash])

    added = step(new_user, "user.add", "li-na", "root")
    assert added == {"name": "li-na", "role": "dispatcher", "units": ["sc-1", "sc-2"],
                     "active": True, "token_hint": added["token_hint"]}  # fmt: skip
    assert added["token_hint"].startswith("gut_") and len(added["token_hint"]) == 8
    promote = lambda: accounts.update_user(  # noqa: E731
        "li-na", now=NOW, role="supervisor", units="all", actor="root"
    )
    promoted = step(promote, "user.update", "li-na", "root")
    assert promoted == {"role": "supervisor", "units": "all", "active": True,
                        "before": {"role": "dispatcher", "units": ["sc-1", "sc-2"]}}  # fmt: skip
    off = step(lambda: accounts.update_user("li-na", now=NOW, active=False, actor="cli:ops"),
               "user.update", "li-na", "cli:ops")  # fmt: skip
    assert off["active"] is False and off["before"] == {"active": True}

    def new_token() -> None:
        issued = issue_user_token()
        secrets.extend([issued.token, issued.token_hash])
        accounts.replace_token(
            "li-na", token_hash=issued.token_hash, token_hint=issued.hint, now=NOW, actor="root"
        )

    swapped = step(new_token, "user.token", "li-na", "root")
    assert swapped["token_hint"] != swapped["before"]["token_hint"]

    def new_key() -> None:
        issued = issue_api_key()
        secrets.extend([issued.token, issued.token_hash])
        accounts.add_api_key(
            "city-app", key_hash=issued.token_hash, key_hint=issued.hint, now=NOW, actor="root"
        )

    key = step(new_key, "apikey.add", "city-app", "root")
    assert key["active"] is True and key["hint"].startswith("gok_")
    revoked = step(lambda: accounts.revoke_api_key("city-app", now=NOW),
                   "apikey.revoke", "city-app", UNATTRIBUTED)  # fmt: skip
    assert revoked == {"hint": key["hint"], "active": False, "before": {"active": True}}
    report = verify_account_log(accounts.engine)
    assert report.problems == [] and report.events == 6 and report.head == last(accounts).hash


def test_the_log_is_one_chain_in_order(accounts: Accounts) -> None:
    add_user(accounts, "a-1")
    add_user(accounts, "a-2", now=NOW + timedelta(minutes=1))
    events, total = accounts.history(limit=10)
    assert total == 2 and [e.seq for e in events] == [2, 1]  # newest first
    assert events[0].prev_hash == events[1].hash and events[1].prev_hash == "0" * 64
    page, total = accounts.history(limit=1, offset=1, subject="a-1")
    assert (page, total) == ([], 1)
    assert [e.subject for e in accounts.history(actor="root")[0]] == ["a-2", "a-1"]


def test_failed_writes_append_nothing(accounts: Accounts) -> None:
    add_user(accounts, "d-1")
    issued = issue_api_key()
    accounts.add_api_key("k", key_hash=issued.token_hash, key_hint=issued.hint, now=NOW)
    before = log_text(accounts)
    with pytest.raises(UserError, match="already exists"):
        add_user(accounts, "d-1", role="supervisor")
    with pytest.raises(UserError, match="already exists"):
        accounts.add_api_key("k", key_hash=issue_api_key().token_hash, key_hint="", now=NOW)
    with pytest.raises(UserError, match="no user 'nobody'"):
        accounts.update_user("nobody", now=NOW, active=False, actor="root")
    with pytest.raises(UserError, match="not a user role"):
        accounts.update_user("d-1", now=NOW, role="boss", actor="root")
    with pytest.raises(UserError, match="no user"):
        accounts.replace_token("x", token_hash=issued.token_hash, token_hint="", now=NOW)
    with pytest.raises(UserError, match="no API key"):
        accounts.revoke_api_key("other", now=NOW)
    with pytest.raises(ValueError, match="actor"):
        add_user(accounts, "d-2", actor="")
    assert log_text(accounts) == before
    assert [u.id for u in accounts.list_users()] == ["d-1"]
    assert accounts.user("d-1").role.value == "dispatcher"
    assert verify_account_log(accounts.engine).problems == []


OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "update", "token", "key", "revoke"]),
        st.sampled_from(["u-1", "u-2", "u-3"]),
        st.sampled_from(["dispatcher", "supervisor", "admin", "boss"]),
        st.booleans(),
    ),
    max_size=12,
)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS)
def test_any_sequence_of_writes_logs_each_success_once_and_verifies(
    accounts: Accounts, ops: list[tuple[str, str, str, bool]]
) -> None:
    start = count(accounts)
    done = 0
    for op, subject, role, flag in ops:
        token = issue_user_token()
        try:
            if op == "add":
                add_user(accounts, subject, role=role)
            elif op == "update":
                accounts.update_user(subject, now=NOW, role=role, active=flag, actor="root")
            elif op == "token":
                accounts.replace_token(
                    subject, token_hash=token.token_hash, token_hint=token.hint, now=NOW
                )
            elif op == "key":
                accounts.add_api_key(
                    subject, key_hash=token.token_hash, key_hint=token.hint, now=NOW
                )
            else:
                accounts.revoke_api_key(subject, now=NOW)
        except UserError:
            continue
        done += 1
    assert count(accounts) == start + done
    assert verify_account_log(accounts.engine).problems == []
