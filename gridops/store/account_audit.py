"""Auditing the account log: is the chain whole, and do the ``users`` and ``api_keys`` tables
say what their history says?

The chain check finds events that were *altered* (an event no longer matches its hash),
*deleted* (a gap, or a chain that breaks) or *reordered* (every event intact, stored out of
chain order). Replaying the log gives each account's role, unit scope, active flag and hint;
a row that differs from its replay, a row with no history, or a history whose row is gone is
reported too — that catches a deleted last event, and a change written around the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from gridops.store.account_log import (
    GENESIS,
    AccountEvent,
    Action,
    all_events,
    append,
    chain_hash,
    user_state,
)
from gridops.tickets.events import chain_break

BASELINE_ACTOR = "migration:0007"
_KINDS = {"user": "user", "apikey": "API key"}


@dataclass(frozen=True)
class LogProblem:
    """Something wrong with the account log: ``kind`` is altered, deleted or reordered."""

    seq: int | None
    subject: str
    kind: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "subject": self.subject, "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class LogReport:
    """How many events the log holds, the hash at its head, and what is wrong with it."""

    events: int
    head: str
    problems: list[LogProblem]


def verify_account_log(engine: Engine) -> LogReport:
    """Check the account chain, then every account row against its replayed history."""
    with engine.connect() as conn:
        events = all_events(conn)
        rows = _account_rows(conn)
    problems = check_chain(events)
    if not any(p.kind in ("altered", "reordered") for p in problems):
        state, replay_problems = replay(events)
        problems += replay_problems + compare(rows, state, events)
    return LogReport(len(events), events[-1].hash if events else GENESIS, problems)


def check_chain(events: list[AccountEvent]) -> list[LogProblem]:
    """Problems of the chain itself (events in stored sequence order)."""
    problems = [
        LogProblem(
            ev.seq, ev.subject, "altered", f"event {ev.seq} ({ev.action}) does not match its hash"
        )  # fmt: skip
        for ev in events
        if chain_hash(ev.prev_hash, ev) != ev.hash
    ]
    if problems:
        return problems
    seqs = [ev.seq for ev in events]
    if seqs != list(range(1, len(events) + 1)):
        missing = sorted(set(range(1, max(seqs, default=0) + 1)) - set(seqs))
        problems.append(LogProblem(None, "", "deleted", f"events missing: {missing[:10]}"))
    broken = chain_break([(ev.prev_hash, ev.hash) for ev in events])
    if broken is not None and (broken[0] == "reordered" or not problems):
        problems.append(LogProblem(None, "", *broken))
    return problems


State = dict[tuple[str, str], dict[str, Any]]  # (user | apikey, subject) -> logged fields


def replay(events: list[AccountEvent]) -> tuple[State, list[LogProblem]]:
    """Every account as the log describes it; a change to an account no event created is a
    problem (its creation was deleted)."""
    state: State = {}
    problems: list[LogProblem] = []
    for ev in events:
        kind, _, verb = ev.action.partition(".")
        key = (kind, ev.subject)
        if verb in ("add", "baseline"):
            state[key] = dict(ev.payload)
        elif key in state:
            state[key].update((k, v) for k, v in ev.payload.items() if k in state[key])
        else:
            what = _KINDS.get(kind, kind)
            detail = f"event {ev.seq} ({ev.action}) changes {what} {ev.subject!r}, never created"
            problems.append(LogProblem(ev.seq, ev.subject, "deleted", detail))
    return state, problems


def compare(rows: State, state: State, events: list[AccountEvent]) -> list[LogProblem]:
    """Rows that differ from their history, rows without one, histories without a row."""
    last = {(e.action.partition(".")[0], e.subject): e.seq for e in events}
    problems: list[LogProblem] = []
    for key in sorted(rows.keys() | state.keys()):
        kind, subject = key
        what = f"{_KINDS.get(kind, kind)} {subject!r}"
        row, logged = rows.get(key), state.get(key)
        if logged is None:
            detail = f"{what} exists but no event in the log created it"
            problems.append(LogProblem(None, subject, "deleted", detail))
            continue
        if row is None:
            detail = f"{what} is in the log but its row is gone"
            problems.append(LogProblem(last.get(key), subject, "deleted", detail))
            continue
        diff = [
            f"{f}={v!r} (logged {logged.get(f)!r})" for f, v in row.items() if v != logged.get(f)
        ]
        if diff:
            detail = f"{what} differs from its history: " + ", ".join(diff)
            problems.append(LogProblem(last.get(key), subject, "altered", detail))
    return problems


def _account_rows(conn: Connection) -> State:
    """Every user and API key in the fields the log records (the columns of migration 0002)."""
    rows: State = {}
    users = "SELECT id, name, role, units, active, token_hint FROM users ORDER BY id"
    for r in conn.execute(text(users)):
        units = json.loads(r.units)
        rows[("user", r.id)] = user_state(
            name=r.name, role=r.role, units=units, active=r.active, token_hint=r.token_hint
        )
    for r in conn.execute(text("SELECT name, key_hint, active FROM api_keys ORDER BY name")):
        rows[("apikey", r.name)] = {"hint": r.key_hint, "active": bool(r.active)}
    return rows


def record_baseline(conn: Connection, *, now: datetime) -> int:
    """One ``*.baseline`` event per account found (migration 0007); how many were written."""
    rows = _account_rows(conn)
    for (kind, subject), fields in rows.items():
        action = Action.USER_BASELINE if kind == "user" else Action.KEY_BASELINE
        append(conn, now, BASELINE_ACTOR, action, subject, fields)
    return len(rows)
