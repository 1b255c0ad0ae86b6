"""Tampering with the account log or the account tables directly is caught by
verify_account_log; migration 0007 starts the log with a baseline of the accounts it finds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from gridops.store import Store
from gridops.store.account_audit import (
    BASELINE_ACTOR,
    check_chain,
    verify_account_log,
)
from gridops.store.account_log import GENESIS, AccountEvent, chain_hash
from gridops.store.accounts import Accounts
from gridops.store.engine import MIGRATIONS, write
from gridops.web.security import issue_api_key, issue_user_token

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def seeded(store: Store) -> Accounts:
    """Five events: three users added, one promoted, one API key."""
    accounts = Accounts(store.engine)
    for i, user_id in enumerate(["a-1", "a-2", "a-3"]):
        token = issue_user_token()
        accounts.add_user(user_id, name=user_id, role="dispatcher", units=["sc-1"],
                          token_hash=token.token_hash, token_hint=token.hint,
                          now=NOW + timedelta(minutes=i), actor="root")  # fmt: skip
    accounts.update_user("a-2", now=NOW, role="admin", actor="root")
    key = issue_api_key()
    accounts.add_api_key("app", key_hash=key.token_hash, key_hint=key.hint, now=NOW)
    return accounts


def move_to(store: Store, revision: str, *, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with write(store.engine) as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def run_sql(store: Store, sql: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def bad(store: Store) -> list[tuple[str, str]]:
    return [(p.kind, p.subject) for p in verify_account_log(store.engine).problems]


def test_untouched_log_verifies(store: Store) -> None:
    seeded(store)
    report = verify_account_log(store.engine)
    assert (report.events, report.problems) == (5, [])


def test_altered_payload_is_caught(store: Store) -> None:
    seeded(store)
    run_sql(store, "UPDATE account_events SET payload = replace(payload, 'admin', 'supervisor')"
            " WHERE seq = 4")  # fmt: skip
    problems = verify_account_log(store.engine).problems
    assert [(p.kind, p.seq, p.subject) for p in problems] == [("altered", 4, "a-2")]


def test_altered_actor_is_caught(store: Store) -> None:
    seeded(store)
    run_sql(store, "UPDATE account_events SET actor = 'mallory' WHERE seq = 1")
    assert bad(store) == [("altered", "a-1")]


def test_deleted_event_is_caught(store: Store) -> None:
    seeded(store)
    run_sql(store, "DELETE FROM account_events WHERE seq = 4")  # the promotion
    problems = verify_account_log(store.engine).problems
    assert problems[0].kind == "deleted" and "[4]" in problems[0].detail
    assert ("altered", "a-2") in bad(store)  # and the row no longer matches its history


def test_deleted_last_event_is_caught_by_its_row(store: Store) -> None:
    seeded(store)
    run_sql(store, "DELETE FROM account_events WHERE seq = 5")
    assert bad(store) == [("deleted", "app")]


def test_deleted_and_renumbered_events_are_caught(store: Store) -> None:
    seeded(store)
    run_sql(store, "DELETE FROM account_events WHERE seq = 2")
    for seq in (3, 4, 5):
        run_sql(store, "UPDATE account_events SET seq = :n WHERE seq = :s", n=seq - 1, s=seq)
    assert bad(store)[0] == ("deleted", "")


def test_swapped_events_are_caught(store: Store) -> None:
    seeded(store)
    run_sql(store, "UPDATE account_events SET seq = 100 WHERE seq = 2")
    run_sql(store, "UPDATE account_events SET seq = 2 WHERE seq = 3")
    run_sql(store, "UPDATE account_events SET seq = 3 WHERE seq = 100")
    assert bad(store) == [("reordered", "")]


def test_changes_written_around_the_log_are_caught(store: Store) -> None:
    seeded(store)
    run_sql(store, "UPDATE users SET role = 'admin' WHERE id = 'a-3'")
    run_sql(store, "UPDATE api_keys SET active = :f WHERE name = 'app'", f=False)
    run_sql(store, "DELETE FROM users WHERE id = 'a-1'")
    problems = {p.subject: p for p in verify_account_log(store.engine).problems}
    assert {s: p.kind for s, p in problems.items()} == {
        "a-1": "deleted",
        "a-3": "altered",
        "app": "altered",
    }
    assert "role='admin' (logged 'dispatcher')" in problems["a-3"].detail
    token = issue_user_token()
    at = "2026-11-24 02:00:00"
    run_sql(store, "INSERT INTO users (id, name, role, units, token_hash, token_hint, active,"
            " created_at, updated_at) VALUES ('ghost', 'g', 'admin', '\"all\"', :h, 'gut_x', :t,"
            " :at, :at)", h=token.token_hash, t=True, at=at)  # fmt: skip
    assert ("deleted", "ghost") in bad(store)


def test_migration_0007_records_a_baseline_of_existing_accounts(store: Store) -> None:
    accounts = seeded(store)
    move_to(store, "0006_ticket_points", down=True)  # as before the log existed
    move_to(store, "head")
    events, total = accounts.history(limit=10)
    assert total == 4 and {e.actor for e in events} == {BASELINE_ACTOR}
    assert {(e.action, e.subject) for e in events} == {
        ("user.baseline", "a-1"),
        ("user.baseline", "a-2"),
        ("user.baseline", "a-3"),
        ("apikey.baseline", "app"),
    }
    assert next(e for e in events if e.subject == "a-2").payload["role"] == "admin"
    accounts.revoke_api_key("app", now=NOW, actor="root")
    assert verify_account_log(store.engine).problems == []


def chain(n: int) -> list[AccountEvent]:
    out: list[AccountEvent] = []
    prev = GENESIS
    for i in range(1, n + 1):
        ev = AccountEvent(i, NOW, "root", "user.add", f"u-{i}", {"i": i}, prev)
        ev = AccountEvent(
            i, NOW, "root", "user.add", f"u-{i}", {"i": i}, prev, chain_hash(prev, ev)
        )
        out.append(ev)
        prev = ev.hash
    return out


@given(st.permutations(range(6)))
def test_any_reordering_of_intact_events_is_reordered_never_altered(order: list[int]) -> None:
    events = chain(6)
    moved = [
        AccountEvent(seq, e.at, e.actor, e.action, e.subject, e.payload, e.prev_hash, e.hash)
        for seq, e in enumerate((events[i] for i in order), start=1)
    ]
    kinds = [p.kind for p in check_chain(moved)]
    assert kinds == ([] if order == sorted(order) else ["reordered"])


@pytest.mark.parametrize("drop", [0, 2, 5])
def test_dropping_any_event_of_a_pure_chain_is_deleted(drop: int) -> None:
    events = chain(6)
    kept = events[:drop] + events[drop + 1 :]
    kinds = [p.kind for p in check_chain(kept)]
    assert kinds == ([] if drop == 5 else ["deleted"])  # the tail: only the rows can tell
