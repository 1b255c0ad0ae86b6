"""The hash chain: canonical encoding, and altered / deleted / reordered histories caught."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from gridops.tickets import GENESIS, apply, chain_hash, check_chain
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
