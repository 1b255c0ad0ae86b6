"""Random sequences of transitions against a real store, checking the workflow's invariants.

Invariants: stored events = accepted transitions (+ the report), every chain verifies, terminal
states stay terminal, a refused or stale move writes nothing, the projection rebuilt from the
events equals the stored ticket outside the reporter's contact, and no event holds that contact.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text

from gridops.store import StaleTicket, open_store
from gridops.tickets import (
    TABLE,
    Reporter,
    Role,
    Status,
    TimeLimit,
    TransitionError,
    apply,
    in_chain,
    rebuild,
)
from store.factory import NOW, draft

FIELDS = {
    "owner_unit": "sc-310115001",
    "time_limit": TimeLimit(2, "working_days"),
    "reason": "because",
    "note": "noted",
    "approval": "lead-7",
    "group": "jeg-markets",
    "amount": 1.5,
    "satisfaction": 4,
    "duplicate_of": "d" * 32,
    "duplicate_id": "e" * 32,
}
ACTIONS = sorted(TABLE)
ROLES = sorted(Role)


class Workflow(RuleBasedStateMachine):
    tickets = Bundle("tickets")

    def __init__(self, url: str | None = None) -> None:
        super().__init__()
        self.tmp = None if url else Path(tempfile.mkdtemp(prefix="gridops-sm-"))
        self.store = open_store(url or f"sqlite:///{self.tmp / 'sm.db'}")
        if url:
            with self.store.engine.begin() as conn:
                conn.execute(text("TRUNCATE ticket_events, tickets, number_counters"))
        self.now = NOW
        self.accepted: dict[str, int] = {}
        self.terminal: dict[str, Status] = {}

    def teardown(self) -> None:
        self.store.close()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    @initialize(target=tickets)
    def first(self) -> str:
        [t] = self.store.create_tickets([draft(0)], now=self.now)
        self.accepted[t.id] = 0
        return t.id

    @rule(target=tickets, n=st.integers(0, 3), key=st.sampled_from([None, "k1", "k2"]))
    def report(self, n: int, key: str | None) -> str:
        who = Reporter("李四", f"1390000000{n}", f"r{n}@example.com")
        [t] = self.store.create_tickets([draft(n, idempotency_key=key, reporter=who)],
                                        now=self.now)  # fmt: skip
        self.accepted.setdefault(t.id, 0)
        return t.id

    @rule(tid=tickets, data=st.data(), minutes=st.integers(1, 3000))
    def move(self, tid: str, data: st.DataObject, minutes: int) -> None:
        """Mostly a legal move by an allowed role; sometimes anything, which must be refused."""
        self.now += timedelta(minutes=minutes)
        before = self.store.get(tid)
        legal = [a for a in ACTIONS if before.status in TABLE[a].sources]
        wild = data.draw(st.integers(0, 9)) == 0
        action = data.draw(st.sampled_from(ACTIONS if wild or not legal else legal))
        rule_ = TABLE[action]
        wild = data.draw(st.integers(0, 9)) == 0
        role = data.draw(st.sampled_from(ROLES if wild else sorted(rule_.roles)))
        fields = {k: FIELDS[k] for k in rule_.required}
        try:
            tr = apply(before, action, actor="tester", role=role, now=self.now, **fields)
        except TransitionError:
            assert self.store.get(tid) == before
            return
        self.store.apply_transitions([tr])
        self.accepted[tid] += 1
        event(f"accepted {action}")

    @rule(tid=tickets)
    def stale_write(self, tid: str) -> None:
        t = self.store.get(tid)
        if t.status.terminal or t.version < 2:
            return
        old = rebuild(self.store.events(tid)[:-1])
        stale = apply(old, "absorb_duplicate", actor="s", role="system", now=self.now,
                      duplicate_id="e" * 32)  # fmt: skip
        with pytest.raises(StaleTicket):
            self.store.apply_transitions([stale])
        assert self.store.get(tid) == t

    @rule(limit=st.integers(1, 5))
    def claim(self, limit: int) -> None:
        got = self.store.claim("reported", limit=limit, worker_id="w", now=self.now,
                               ttl=timedelta(minutes=1))  # fmt: skip
        assert all(t.status is Status.REPORTED for t in got) and len(got) <= limit

    @invariant()
    def events_equal_accepted_transitions(self) -> None:
        for tid, n in self.accepted.items():
            assert len(self.store.events(tid)) == n + 1

    @invariant()
    def chains_verify_and_projection_matches(self) -> None:
        assert self.store.verify_chains() == []
        for tid in self.accepted:
            assert in_chain(self.store.rebuild(tid)) == in_chain(self.store.get(tid))
            assert not any("1390000000" in e.payload_json for e in self.store.events(tid))

    @invariant()
    def terminal_states_stay_terminal(self) -> None:
        for tid in self.accepted:
            status = self.store.get(tid).status
            if tid in self.terminal:
                assert status is self.terminal[tid]
            elif status.terminal:
                self.terminal[tid] = status


SETTINGS = settings(max_examples=25, stateful_step_count=40, deadline=None)


@pytest.mark.slow
def test_workflow_state_machine_sqlite():
    run_state_machine_as_test(Workflow, settings=SETTINGS)


@pytest.mark.slow
@pytest.mark.pg
def test_workflow_state_machine_postgresql(pg_url: str):
    run_state_machine_as_test(
        lambda: Workflow(pg_url), settings=settings(SETTINGS, max_examples=10)
    )
