"""API keys and user bearer tokens (hashed at rest), and masking of reporters' personal data.

Tokens are 256 random bits from :mod:`secrets`; only their SHA-256 is stored. A slow password
hash (bcrypt, argon2) protects *guessable* secrets by making each guess expensive; a 256-bit
random token cannot be guessed at any speed, so a fast hash loses nothing — and it lets the
store find the row by the hash with an index (bcrypt's per-row salt would force a scan with one
~100 ms check per row on every request). Comparison is constant-time.

Routes stay one line: ``user = store.user_by_token_hash(hash_token(bearer_token(header)))``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

API_KEY_PREFIX = "gok_"  # Open311 API key
USER_TOKEN_PREFIX = "gut_"  # user bearer token
SESSION_PREFIX = "gos_"  # console session (the cookie)
_TOKEN_BYTES = 32
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class IssuedToken:
    """A new secret: show ``token`` once, store ``token_hash`` and ``hint`` only."""

    token: str
    token_hash: str
    hint: str  # the prefix and four characters, to tell keys apart in listings


def hash_token(token: str) -> str:
    """Hex SHA-256 of a token: what the database keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(prefix: str) -> IssuedToken:
    """A fresh random token with ``prefix`` (``gok_`` API key, ``gut_`` user token)."""
    token = prefix + secrets.token_urlsafe(_TOKEN_BYTES)
    return IssuedToken(token, hash_token(token), token[: len(prefix) + 4])


def issue_api_key() -> IssuedToken:
    """A new Open311 API key (``gridops apikey create NAME`` prints ``.token`` last)."""
    return issue_token(API_KEY_PREFIX)


def issue_user_token() -> IssuedToken:
    """A new bearer token for a user."""
    return issue_token(USER_TOKEN_PREFIX)


def issue_session() -> IssuedToken:
    """A new console session secret (the cookie's value; the store keeps its hash)."""
    return issue_token(SESSION_PREFIX)


def verify_token(token: str, stored_hash: str) -> bool:
    """True when ``token`` hashes to ``stored_hash``; constant-time in the hash."""
    if not _HASH.match(stored_hash):
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


# --- personal data (个人信息) masking ---------------------------------------------------------


@dataclass(frozen=True)
class ReporterContact:
    """A reporter's personal data: shown whole to dispatchers and supervisors only."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


def mask_name(name: str) -> str:
    """Keep the first character: ``张三丰`` → ``张**``, ``Li Lei`` → ``L* ***``; one → ``*``."""
    chars = list(name.strip())
    if len(chars) <= 1:
        return "*" * len(chars)
    return chars[0] + "".join(c if c.isspace() else "*" for c in chars[1:])


def mask_phone(phone: str) -> str:
    """Digits only, middle hidden: ``13812345678`` → ``138****5678``; ``+86`` kept; landlines
    show the last four; fewer than eight digits are hidden entirely (four always stay hidden)."""
    digits = "".join(c for c in phone if c.isdigit() and c.isascii())
    country = ""
    if len(digits) == 13 and digits.startswith("86"):
        country, digits = "+86 ", digits[2:]
    n = len(digits)
    if n >= 11:
        return country + digits[:3] + "*" * (n - 7) + digits[-4:]
    if n >= 8:
        return country + "*" * (n - 4) + digits[-4:]
    return "*" * n if n else "***"


def mask_email(email: str) -> str:
    """``jane@example.com`` → ``j***@example.com``; the local part's length is not shown."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return "***"
    return (local[0] if len(local) > 1 else "") + "***@" + domain


def mask_contact(contact: ReporterContact) -> ReporterContact:
    """Every field masked (None stays None)."""
    return ReporterContact(
        name=mask_name(contact.name) if contact.name else contact.name,
        phone=mask_phone(contact.phone) if contact.phone else contact.phone,
        email=mask_email(contact.email) if contact.email else contact.email,
    )
