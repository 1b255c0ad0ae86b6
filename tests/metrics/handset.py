"""The hand-built set of tickets whose indicators are computed by hand in the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridops.store import Store
from gridops.tickets import TicketDraft, TimeLimit

T0 = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
LIMIT = TimeLimit(2, "hours")
A, B = "sc-310115001", "sc-310115002"


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def draft(i: int, source: str = "public") -> TicketDraft:
    l1 = "310115001" if i < 10 else "310115002"
    return TicketDraft(
        category="E0101" if i % 2 else "C0101",
        kind="event",
        lon=121.5,
        lat=31.2,
        source=source,
        cells=(l1, l1 + "001", l1 + f"001{i:03d}"),
    )


def build_set(store: Store) -> dict[str, str]:
    """The hand-built tickets (see test_report.py for their figures); name → id."""
    names = ["a1", "a2", "a3", "a4", "b1", "b2", "b3"]
    sources = {"a4": "inspector", "b2": "grid_worker"}
    made = store.create_tickets(
        [
            draft(i if n[0] == "a" else 10 + i, sources.get(n, "public"))
            for i, n in enumerate(names)
        ],
        now=T0,
    )
    ids = {n: t.id for n, t in zip(names, made, strict=True)}

    def do(name: str, action: str, at: datetime, role: str, **f: object) -> None:
        store.transition(ids[name], action, actor="tester", role=role, now=at, **f)

    def dispatch(name: str, unit: str, at: datetime) -> None:
        do(name, "dispatch", at, "system", owner_unit=unit, time_limit=LIMIT)

    dispatch("a1", A, m(10))
    do("a1", "accept", m(20), "field_staff")
    do("a1", "handle", m(60), "field_staff", note="done")
    do("a1", "check_pass", m(90), "inspector")
    do("a1", "evaluate", m(1440), "system", satisfaction=5)

    dispatch("a2", A, m(10))
    do("a2", "accept", m(20), "field_staff")
    do("a2", "handle", m(180), "field_staff", note="late")
    do("a2", "check_fail", m(210), "inspector", reason="still dirty")
    do("a2", "accept", m(220), "field_staff")
    do("a2", "handle", m(240), "field_staff", note="again")
    do("a2", "check_pass", m(300), "inspector")
    do("a2", "evaluate", m(1440), "system", satisfaction=2)

    dispatch("a3", A, m(60))
    do("a3", "supervise", m(70), "supervisor", reason="slow")

    do("a4", "void", m(5), "acceptor", reason="not a problem")

    dispatch("b1", A, m(5))
    do("b1", "return", m(20), "field_staff", reason="not ours")
    dispatch("b1", B, m(25))
    do("b1", "accept", m(30), "field_staff")
    do("b1", "handle", m(60), "field_staff", note="done")
    do("b1", "check_pass", m(120), "inspector")

    do("b2", "onsite_resolve", m(5), "grid_worker", note="fixed", owner_unit=B)
    do("b2", "check_pass", m(60), "inspector")

    dispatch("b3", B, m(5))
    do("b3", "accept", m(10), "field_staff")
    do("b3", "suspend", m(15), "supervisor", approval="chief", reason="waiting for parts")
    return ids
