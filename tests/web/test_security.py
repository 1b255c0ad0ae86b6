"""Tokens hashed at rest, constant-time checks, and masking that never shows too much."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from gridops.web.security import (
    API_KEY_PREFIX,
    ReporterContact,
    bearer_token,
    hash_token,
    issue_api_key,
    issue_user_token,
    mask_contact,
    mask_email,
    mask_name,
    mask_phone,
    verify_token,
)


def test_issued_tokens_are_random_and_only_hash_is_kept() -> None:
    a, b = issue_api_key(), issue_api_key()
    assert a.token != b.token and a.token.startswith(API_KEY_PREFIX)
    assert len(a.token) >= len(API_KEY_PREFIX) + 43  # 32 random bytes, base64url
    assert re.fullmatch(r"[0-9a-f]{64}", a.token_hash) and a.token not in a.token_hash
    assert a.hint == a.token[:8]
    assert verify_token(a.token, a.token_hash)
    assert not verify_token(b.token, a.token_hash)
    assert not verify_token(a.token, "not-a-hash")
    assert issue_user_token().token.startswith("gut_")


def test_bearer_header() -> None:
    assert bearer_token("Bearer gut_abc") == "gut_abc"
    assert bearer_token("bearer   gut_abc ") == "gut_abc"
    assert bearer_token("Basic dXNlcg==") is None
    assert bearer_token("Bearer") is None and bearer_token(None) is None
    assert bearer_token("Bearer a b") is None


def test_masking_examples() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name("张三") == "张*"
    assert mask_name("雷") == "*"
    assert mask_name("Li Lei") == "L* ***"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "+86 138****5678"
    assert mask_phone("021-58881234") == "021****1234"
    assert mask_phone("58881234") == "****1234"
    assert mask_phone("12345") == "*****"
    assert mask_phone("5888123") == "*******"
    assert mask_email("jane@example.com") == "j***@example.com"
    assert mask_email("j@example.com") == "***@example.com"
    assert mask_email("nonsense") == "***"
    masked = mask_contact(ReporterContact("王小明", "13912345678", None))
    assert masked == ReporterContact("王**", "139****5678", None)


@given(st.text(min_size=1, max_size=30))
def test_name_mask_shows_at_most_the_first_character(name: str) -> None:
    masked = mask_name(name)
    shown = [c for c in masked if c != "*" and not c.isspace()]
    assert len(shown) <= 1 and len(masked) == len(name.strip())
    if shown:
        assert shown[0] == name.strip()[0]


@given(st.text(alphabet="0123456789 +-()", max_size=20))
def test_phone_mask_hides_at_least_four_digits(phone: str) -> None:
    digits = [c for c in phone if c.isdigit()]
    masked = mask_phone(phone)
    shown = [c for c in masked.removeprefix("+86 ") if c.isdigit()]
    assert len(shown) <= max(0, len(digits) - 4)
    assert len(shown) <= 7


@given(st.emails())
def test_email_mask_hides_the_local_part(email: str) -> None:
    local, _, domain = email.rpartition("@")
    masked = mask_email(email)
    assert masked.endswith("@" + domain)
    assert masked.removesuffix("@" + domain).strip("*") in ("", local[0])


@given(st.text(max_size=80))
def test_hash_is_stable_and_verifies(token: str) -> None:
    assert verify_token(token, hash_token(token))


def test_a_revoked_api_key_stops_working_within_a_second(ctx) -> None:
    """Other server processes remember a valid key for at most ttl_s (1 s) after revocation."""
    from datetime import UTC, datetime

    from gridops.store.accounts import Accounts
    from gridops.web.auth import ApiKeyCache, create_api_key

    accounts = Accounts(ctx.store.engine)
    at = datetime.now(UTC)
    _, secret = create_api_key(accounts, "partner", now=at)
    cache = ApiKeyCache(accounts)  # as in another process: it never hears of the revocation
    assert cache.lookup(secret, now=100.0, at=at) is not None
    accounts.revoke_api_key("partner", now=datetime.now(UTC))
    assert cache.lookup(secret, now=100.5, at=at) is not None  # still remembered
    assert cache.lookup(secret, now=101.01, at=at) is None  # asked the database again: revoked
    assert cache.lookup(secret, now=101.02, at=at) is None  # a refusal is not remembered as valid


def test_an_expired_api_key_is_refused_even_while_remembered(ctx) -> None:
    from datetime import UTC, datetime, timedelta

    from gridops.store.accounts import Accounts
    from gridops.web.auth import ApiKeyCache, create_api_key

    accounts = Accounts(ctx.store.engine)
    made = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    key, secret = create_api_key(accounts, "partner", now=made, expires="2d")
    assert key.expires_at == made + timedelta(days=2)
    cache = ApiKeyCache(accounts)
    assert cache.lookup(secret, now=100.0, at=made + timedelta(days=1)) is not None
    assert cache.lookup(secret, now=100.1, at=made + timedelta(days=2)) is None  # cached, expired
    assert cache.remembered(secret, now=100.1, at=made + timedelta(days=2)) is None


def test_remembered_answers_only_what_a_lookup_found_within_the_second(ctx) -> None:
    """What the event loop may ask without a database read: a key found valid within ttl_s,
    else None (the caller then looks it up in a thread)."""
    from datetime import UTC, datetime

    from gridops.store.accounts import Accounts
    from gridops.web.auth import ApiKeyCache, create_api_key

    accounts = Accounts(ctx.store.engine)
    at = datetime.now(UTC)
    _, secret = create_api_key(accounts, "partner", now=at)
    cache = ApiKeyCache(accounts)
    assert cache.remembered(secret, now=100.0, at=at) is None  # never looked up yet
    assert cache.lookup(secret, now=100.0, at=at) is not None
    found = cache.remembered(secret, now=100.5, at=at)
    assert found is not None and found.name == "partner"
    assert (
        cache.remembered(secret, now=101.5, at=at) is None
    )  # too old: the caller asks the database
