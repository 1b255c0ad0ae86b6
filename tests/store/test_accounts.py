"""Accounts on a real store: users and API keys keep hashes only, lookups by hash find active
rows only, and every mistake is a one-line UserError."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from gridops.errors import UserError
from gridops.store import Store
from gridops.store.accounts import ALL_UNITS, Accounts, api_keys, check_user_id, users
from gridops.tickets.vocabulary import Role
from gridops.web.security import hash_token, issue_api_key, issue_user_token

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def accounts(store: Store) -> Accounts:
    return Accounts(store.engine)


def add(accounts: Accounts, user_id: str, role: str = "dispatcher", units=("sc-1",)):
    token = issue_user_token()
    user = accounts.add_user(
        user_id,
        name=user_id,
        role=role,
        units=units,
        token_hash=token.token_hash,
        token_hint=token.hint,
        now=NOW,
    )
    return user, token.token


def test_users_are_found_by_token_hash_only_while_active(accounts: Accounts) -> None:
    user, token = add(accounts, "li-na", units=("sc-310115005", "ws-310115005001"))
    assert user.units == frozenset({"sc-310115005", "ws-310115005001"})
    found = accounts.user_by_token_hash(hash_token(token))
    assert found is not None and found.id == "li-na" and found.role is Role.DISPATCHER
    with accounts.engine.connect() as conn:
        stored = conn.execute(select(users.c.token_hash, users.c.token_hint)).one()
    assert stored.token_hash == hash_token(token) and token not in stored
    accounts.update_user("li-na", now=NOW, active=False)
    assert accounts.user_by_token_hash(hash_token(token)) is None
    assert accounts.user_by_token_hash(hash_token("gut_other")) is None


def test_scope_all_role_changes_and_token_replacement(accounts: Accounts) -> None:
    _, old = add(accounts, "s-1", "supervisor", units=("all",))
    assert accounts.user("s-1").units == ALL_UNITS
    changed = accounts.update_user("s-1", now=NOW, role="dispatcher", units=["sc-2"])
    assert changed.role is Role.DISPATCHER and changed.units == frozenset({"sc-2"})
    new = issue_user_token()
    accounts.replace_token("s-1", token_hash=new.token_hash, token_hint=new.hint, now=NOW)
    assert accounts.user_by_token_hash(hash_token(old)) is None
    assert accounts.user_by_token_hash(new.token_hash) is not None
    assert [u.id for u in accounts.list_users()] == ["s-1"]


@pytest.mark.parametrize(
    ("user_id", "role", "units", "message"),
    [
        ("a b", "dispatcher", ["sc-1"], "is not usable"),
        ("x", "boss", ["sc-1"], "is not a user role"),
        ("x", "system", ["sc-1"], "is not a user role"),
        ("x", "field_staff", [], "needs a unit scope"),
    ],
)
def test_bad_users_are_refused_in_one_line(
    accounts: Accounts, user_id: str, role: str, units: list[str], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        add(accounts, user_id, role, units)
    assert accounts.list_users() == []


def test_duplicates_and_unknown_ids(accounts: Accounts) -> None:
    add(accounts, "d-1")
    with pytest.raises(UserError, match="already exists"):
        add(accounts, "d-1")
    with pytest.raises(UserError, match="no user 'nobody'"):
        accounts.user("nobody")
    with pytest.raises(ValueError, match="never the secret"):
        accounts.add_user(
            "d-2",
            name="",
            role="dispatcher",
            units=["sc-1"],
            token_hash="gut_plain",
            token_hint="",
            now=NOW,
        )


def test_api_keys_hash_only_and_revocation(accounts: Accounts) -> None:
    issued = issue_api_key()
    key = accounts.add_api_key(
        "city-app", key_hash=issued.token_hash, key_hint=issued.hint, now=NOW
    )
    assert key.active and key.hint.startswith("gok_")
    assert accounts.api_key_by_hash(hash_token(issued.token)) == key
    with accounts.engine.connect() as conn:
        assert issued.token not in conn.execute(select(api_keys)).one()
    with pytest.raises(UserError, match="already exists"):
        accounts.add_api_key("city-app", key_hash=issue_api_key().token_hash, key_hint="", now=NOW)
    assert not accounts.revoke_api_key("city-app", now=NOW).active
    assert accounts.api_key_by_hash(issued.token_hash) is None
    with pytest.raises(UserError, match="no API key"):
        accounts.revoke_api_key("other", now=NOW)


@given(st.text(max_size=120))
@example("abc\n")
def test_check_user_id_accepts_exactly_the_documented_alphabet(value: str) -> None:
    import re

    ok = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}", value) is not None
    if ok:
        assert check_user_id(value) == value
    else:
        with pytest.raises(UserError):
            check_user_id(value)
