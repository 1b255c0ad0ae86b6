"""Tampering with the database directly is caught by verify_chains and `gridops audit verify`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gridops.cli import app
from gridops.store import Store, open_store
from store.factory import DISPATCH, NOW, draft


def seeded(store: Store) -> list[str]:
    ts = store.create_tickets([draft(i) for i in range(3)], now=NOW)
    for t in ts:
        store.transition(t.id, "dispatch", actor="d", role="dispatcher", now=NOW, **DISPATCH)
        store.transition(t.id, "accept", actor="f", role="field_staff",
                         now=NOW + timedelta(hours=1))  # fmt: skip
    return [t.id for t in ts]


def run_sql(store: Store, sql: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def bad(store: Store) -> dict[str, str]:
    return {p.ticket_id: p.kind for p in store.verify_chains()}


def test_untouched_history_verifies(store: Store):
    seeded(store)
    seen: list[tuple[int, int]] = []
    assert store.verify_chains(lambda d, t: seen.append((d, t))) == []
    assert seen[-1] == (3, 3)


def test_altered_event_is_caught(store: Store):
    ids = seeded(store)
    run_sql(store, "UPDATE ticket_events SET actor = 'mallory' WHERE ticket_id = :t AND seq = 2",
            t=ids[1])  # fmt: skip
    assert bad(store) == {ids[1]: "altered"}


def test_altered_payload_is_caught(store: Store):
    ids = seeded(store)
    run_sql(store, "UPDATE ticket_events SET payload = replace(payload, 'sc-310115001', 'x')"
            " WHERE ticket_id = :t AND seq = 2", t=ids[0])  # fmt: skip
    assert bad(store) == {ids[0]: "altered"}


def test_deleted_events_are_caught(store: Store):
    ids = seeded(store)
    run_sql(store, "DELETE FROM ticket_events WHERE ticket_id = :t AND seq = 2", t=ids[0])
    run_sql(store, "DELETE FROM ticket_events WHERE ticket_id = :t AND seq = 3", t=ids[2])
    assert bad(store) == {ids[0]: "deleted", ids[2]: "deleted"}


def test_reordered_events_are_caught(store: Store):
    ids = seeded(store)
    t = ids[2]
    run_sql(store, "UPDATE ticket_events SET seq = 100 WHERE ticket_id = :t AND seq = 2", t=t)
    run_sql(store, "UPDATE ticket_events SET seq = 2 WHERE ticket_id = :t AND seq = 3", t=t)
    run_sql(store, "UPDATE ticket_events SET seq = 3 WHERE ticket_id = :t AND seq = 100", t=t)
    assert bad(store) == {t: "reordered"}


def test_altered_current_state_is_caught(store: Store):
    ids = seeded(store)
    run_sql(store, "UPDATE tickets SET data = replace(data, :a, :b) WHERE id = :t",
            a='"priority":3', b='"priority":1', t=ids[1])  # fmt: skip
    assert bad(store) == {ids[1]: "altered"}


@pytest.mark.parametrize("as_json", [True, False])
def test_cli_audit_verify_exits_1_and_names_the_ticket(tmp_path, monkeypatch, as_json):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    store = open_store(url)
    ids = seeded(store)
    runner = CliRunner()
    monkeypatch.setenv("GRIDOPS_DATABASE_URL", url)
    args = ["audit", "verify", *(["--json"] if as_json else [])]
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    run_sql(store, "UPDATE ticket_events SET role = 'admin' WHERE ticket_id = :t AND seq = 1",
            t=ids[0])  # fmt: skip
    store.close()
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    if as_json:
        out = json.loads(result.output.strip().splitlines()[-1])
        assert out["tickets"] == 3 and [b["ticket_id"] for b in out["bad"]] == [ids[0]]
    else:
        assert ids[0] in result.output and "altered" in result.output
