"""Migration 0010 (SQLite and PostgreSQL): console sessions, token and key expiry, and which
tickets each stored photo belongs to — filled from the tickets already there; down and up again
keeps every account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect, select

from gridops.store import Store
from gridops.store.accounts import Accounts
from gridops.store.schema import ticket_media
from gridops.tickets import TimeLimit
from gridops.web.security import issue_api_key, issue_user_token
from store.factory import NOW, draft
from store.test_migration_points import move_to

PHOTO_A = "a" * 64 + ".jpg"
PHOTO_B = "b" * 64 + ".png"


def refs(store: Store) -> set[tuple[str, str]]:
    with store.engine.connect() as conn:
        return {(r.name, r.ticket_id) for r in conn.execute(select(ticket_media))}


def test_0010_fills_photo_owners_and_keeps_accounts_both_ways(store: Store) -> None:
    shown, handled, plain = store.create_tickets(
        [draft(0, media=(PHOTO_A, "https://city.example/p.jpg")), draft(1), draft(2)], now=NOW
    )
    limit = {"owner_unit": "gw-1", "time_limit": TimeLimit(4, "hours")}
    store.transition(handled.id, "dispatch", actor="d", role="dispatcher", now=NOW, **limit)
    store.transition(handled.id, "accept", actor="w", role="field_staff", now=NOW)
    store.transition(handled.id, "handle", actor="w", role="field_staff", now=NOW,
                     note="done", evidence=(PHOTO_A, PHOTO_B))  # fmt: skip
    accounts = Accounts(store.engine)
    token, key = issue_user_token(), issue_api_key()
    accounts.add_user("d-1", name="d", role="dispatcher", units=["sc-1"],
                      token_hash=token.token_hash, token_hint=token.hint, now=NOW,
                      token_expires_at=NOW + timedelta(days=90))  # fmt: skip
    accounts.add_api_key("app", key_hash=key.token_hash, key_hint=key.hint, now=NOW)

    move_to(store.engine, "0009_cursor_gaps", down=True)
    names = inspect(store.engine).get_table_names()
    assert "console_sessions" not in names and "ticket_media" not in names
    assert "token_expires_at" not in {c["name"] for c in inspect(store.engine).get_columns("users")}

    move_to(store.engine, "head")
    assert refs(store) == {(PHOTO_A, shown.id), (PHOTO_A, handled.id), (PHOTO_B, handled.id)}
    assert plain.id not in {t for _, t in refs(store)}
    [user] = accounts.list_users()
    assert user.id == "d-1" and user.token_expires_at is None  # the downgrade dropped it
    assert [k.name for k in accounts.list_api_keys()] == ["app"]
    assert accounts.user_by_token_hash(token.token_hash) is not None
