"""gridops privacy erase: the reporter's contact leaves the ticket row; the history verifies."""

from __future__ import annotations

import json

import pytest
from store.factory import DISPATCH, NOW, draft
from typer.testing import CliRunner

from gridops.cli import app
from gridops.store import UnknownTicket, open_store
from gridops.tickets import Reporter, contact_matches

WHO = Reporter("王五", "13911112222", "wang@example.com")


@pytest.fixture
def setup(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    monkeypatch.setenv("GRIDOPS_DATABASE_URL", url)
    store = open_store(url)
    a, b = store.create_tickets([draft(0, reporter=WHO), draft(1, reporter=WHO)], now=NOW)
    store.transition(b.id, "void", actor="acc", role="acceptor", now=NOW, reason="not ours")
    yield store, a, b
    store.close()


def test_store_keeps_contact_in_the_row_and_only_a_digest_in_the_history(setup):
    store, a, _ = setup
    stored = store.get(a.id)
    assert stored.reporter == WHO and len(stored.reporter_salt) == 32
    assert contact_matches(stored, WHO)
    assert all(WHO.phone not in e.payload_json for e in store.events(a.id))
    assert store.verify_chains() == []


@pytest.mark.parametrize("which", [0, 1])  # an open ticket and a void one
def test_erase_blanks_the_row_and_every_chain_still_verifies(setup, which):
    store, *made = setup
    t = made[which]
    if which == 0:
        store.transition(t.id, "dispatch", actor="d", role="dispatcher", now=NOW, **DISPATCH)
    before = store.get(t.id)
    runner = CliRunner()
    res = runner.invoke(app, ["privacy", "erase", t.number, "--reason", "PIPL 删除请求 7",
                              "--actor", "dpo-1"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert t.number in res.output and "erased" in res.output
    after = store.get(t.id)
    assert after.reporter == Reporter() and after.reporter_salt == ""
    assert not contact_matches(after, WHO)
    last = store.events(t.id)[-1]
    assert (last.type, last.actor, last.payload["fields"]["reason"]) == (
        "erase_contact", "dpo-1", "PIPL 删除请求 7")  # fmt: skip
    assert (after.status, after.clock) == (before.status, before.clock)
    assert store.verify_chains() == []
    audit = runner.invoke(app, ["audit", "verify", "--json"])
    assert audit.exit_code == 0, audit.output
    assert json.loads(audit.output.strip().splitlines()[-1])["bad"] == []


def test_unknown_number_is_a_one_line_error(setup):
    res = CliRunner().invoke(app, ["privacy", "erase", "E01022026112099999", "--reason", "x"])
    assert isinstance(res.exception, UnknownTicket)
    assert "E01022026112099999" in str(res.exception) and "\n" not in str(res.exception)
