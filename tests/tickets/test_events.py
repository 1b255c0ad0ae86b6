"""The hash chain: canonical encoding, and altered / deleted / reordered histories caught."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridops.tickets import (
    GENESIS,
    Event,
    Reporter,
    Ticket,
    TicketDraft,
    TimeLimit,
    Transition,
    apply,
    chain_hash,
    check_chain,
    encode_ticket,
    in_chain,
    rebuild,
    report,
)
from gridops.tickets.codec import canonical
from tickets.factory import LIMIT, NOW, fresh


def history():
    tr = fresh()
    t, events = tr.ticket, [tr.event]
    for i, (action, role, kw) in enumerate(
        [
            ("dispatch", "dispatcher", {"owner_unit": "u", "time_limit": LIMIT}),
            ("accept", "field_staff", {}),
            ("handle", "field_staff", {"note": "done"}),
        ]
    ):
        tr = apply(t, action, actor="a", role=role, now=NOW + timedelta(hours=i + 1), **kw)
        t, events = tr.ticket, [*events, tr.event]
    return t, events


def test_canonical_json_is_sorted_and_compact():
    assert canonical({"b": 1, "a": [1, "网格"]}) == '{"a":[1,"网格"],"b":1}'


def test_chain_links_from_genesis():
    t, events = history()
    assert events[0].prev_hash == GENESIS
    for prev, ev in zip(events, events[1:], strict=False):
        assert ev.prev_hash == prev.hash == chain_hash(prev.prev_hash, prev)
    assert t.chain_head == events[-1].hash
    assert check_chain(t.id, events, version=t.version, head=t.chain_head) == []
    assert in_chain(rebuild(events)) == in_chain(t)  # an old chain, contact in its report


def kinds(t, events):
    return {p.kind for p in check_chain(t.id, events, version=t.version, head=t.chain_head)}


def test_altered_payload_is_caught():
    t, events = history()
    events[2] = replace(events[2], actor="mallory")
    assert kinds(t, events) == {"altered"}


def test_deleted_middle_and_last_events_are_caught():
    t, events = history()
    assert kinds(t, [*events[:1], *events[2:]]) == {"deleted"}
    assert kinds(t, events[:-1]) == {"deleted"}


def test_reordered_events_are_caught():
    t, events = history()
    swapped = [events[0], replace(events[2], seq=2), replace(events[1], seq=3), events[3]]
    assert kinds(t, swapped) == {"reordered"}


def test_missing_ticket_row_is_reported():
    t, events = history()
    problems = check_chain(t.id, events, version=None, head=None)
    assert [p.kind for p in problems] == ["deleted"]


# -- the encoding is stable: chains written before the fast path still verify -----------------

#: Hashes of golden_history(), written by the encoder before the body was spliced from a
#: cached payload JSON (commit 68a8c5f): any change to the canonical bytes breaks these.
GOLDEN = {
    "report": "1555b7dfb16fa14b39ab753e8b40633237b622ff702e5df53b939c32dfe22e64",
    "dispatch": "63f0a748e4cca5046b054481ef0b36179ec8fa8e57ebd1c50efc323805f684fa",
    "accept": "aa41772f6ac603107e81371c34bb907cdeebd5ab3fd5872953c4587f3b24f4af",
    "handle": "382a9ea7dd4a9cc3cb5a1f3eb299562e0502e63ff0466f1246726c5606e77fd9",
}
GOLDEN_DATA = "072573b1a3ba2dfb237f2c43e3b91224f756c6c1497eae28ea117fb125b7b66f"


def legacy_report(tr: Transition) -> tuple[Ticket, list[Event]]:
    """The report as written before the contact left the chain: the snapshot includes it."""
    derived = ("version", "chain_head", "updated_at")
    snapshot = {k: v for k, v in encode_ticket(tr.ticket).items() if k not in derived}
    ev = replace(tr.event, payload={"changes": snapshot}, hash="").sealed()
    return replace(tr.ticket, chain_head=ev.hash), [ev]


def golden_history():
    d = TicketDraft(
        category="0102", kind="event", lon=121.5, lat=31.2,
        description='井盖 "破损"\n\t\\ \u2028 é',
        reporter=Reporter(name="张三", phone="13800000000"), media=("a.jpg",),
        idempotency_key="k-1",
    )  # fmt: skip
    tr = report(d, id="0" * 31 + "1", number="E01022026112000001", now=NOW, actor="citizen",
                role="public")  # fmt: skip
    t, events = legacy_report(tr)
    routing = {
        "owner_unit": "u",
        "escalation": {"steps": [{"action": "wait", "amount": 4.0, "clock": "working_hours"},
                                 {"x": 1e16, "y": 1e-7, "z": None, "b": True}]},
        "reasons": ["先属主后属地"],
        "assignment": ["x"],
    }  # fmt: skip
    moves = [
        ("dispatch", "system", {"owner_unit": "u", "time_limit": TimeLimit(4, "working_hours"),
                                "assignee": "s1", "routing": routing}),
        ("accept", "field_staff", {}),
        ("handle", "field_staff", {"note": "好了", "evidence": ("e.jpg",)}),
    ]  # fmt: skip
    for i, (action, role, kw) in enumerate(moves):
        when = NOW + timedelta(hours=i + 1, microseconds=123)
        tr = apply(t, action, actor="a", role=role, now=when, **kw)
        t, events = tr.ticket, [*events, tr.event]
    return t, events


def legacy_fields(t: Ticket, events: list[Event]) -> tuple[Ticket, list[Event]]:
    """The chain as written before a payload's ``fields`` left out the inputs recorded
    unchanged under ``changes``: every input in both, re-sealed in order."""
    given = {"dispatch": ("owner_unit", "time_limit", "assignee", "routing"),
             "handle": ("note", "evidence")}  # fmt: skip
    out, prev = [], GENESIS
    for ev in events:
        payload = ev.payload
        if "fields" in payload:
            kept = {k: payload["changes"][k] for k in given.get(ev.type, ())
                    if k not in payload["fields"]}  # fmt: skip
            payload = {"fields": {**kept, **payload["fields"]}, "changes": payload["changes"]}
        ev = replace(ev, payload=payload, prev_hash=prev, hash="").sealed()
        out.append(ev)
        prev = ev.hash
    return replace(t, chain_head=prev), out


#: Hashes of golden_history() in today's format (fields without the inputs under changes).
GOLDEN_NOW = {
    "report": GOLDEN["report"],
    "dispatch": "3c8925f6ac7e56e87b4c34106f4ef19be2c1660627fc8378f87325f2edd0e964",
    "accept": "d19c8ecf537a982c17db1951eb9ea734941ced8f849d7d72525bf5f24eba0fa7",
    "handle": "0176fc67df9aceb482148a132eaed0ec135b7bce4dd0159bc864ddcc5dfed8d3",
}


def test_hashes_match_the_chains_written_before():
    t, events = legacy_fields(*golden_history())
    assert {ev.type: ev.hash for ev in events} == GOLDEN
    data = canonical(encode_ticket(t)).encode("utf-8")
    assert hashlib.sha256(data).hexdigest() == GOLDEN_DATA
    assert check_chain(t.id, events, version=t.version, head=t.chain_head) == []


def test_hashes_of_todays_format_are_pinned():
    t, events = golden_history()
    assert {ev.type: ev.hash for ev in events} == GOLDEN_NOW
    assert check_chain(t.id, events, version=t.version, head=t.chain_head) == []
    dispatch = events[1].payload
    assert "routing" in dispatch["changes"] and "routing" not in dispatch["fields"]  # once
    assert dispatch["fields"] == {"time_limit": {"amount": 4, "clock": "working_hours"}}


def test_payload_json_is_the_canonical_payload():
    _, events = golden_history()
    for ev in events:
        assert ev.payload_json == canonical(ev.payload)
        assert ev.body_bytes() == canonical(ev.body()).encode("utf-8")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@given(
    payload=st.dictionaries(st.text(), json_values, max_size=4),
    words=st.lists(st.text(), min_size=6, max_size=6),
    at=st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1)),
)
def test_chain_hash_is_sha256_of_the_canonical_body(payload, words, at):
    ticket_id, kind, frm, to, actor, role = words
    ev = Event(ticket_id, 1, kind, frm, to, actor, role, at, payload)
    reference = hashlib.sha256((GENESIS + canonical(ev.body())).encode("utf-8")).hexdigest()
    assert chain_hash(GENESIS, ev) == reference
    assert ev.sealed().hash == reference
    assert replace(ev.sealed(), payload={"other": 1}).payload_json == '{"other":1}'
