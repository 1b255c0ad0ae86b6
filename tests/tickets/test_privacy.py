"""The reporter's contact stays out of the chain; erase_contact blanks it from the ticket."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.tickets import (
    Reporter,
    RoleNotAllowed,
    Status,
    apply,
    check_chain,
    contact_matches,
    in_chain,
    rebuild,
)
from tickets.factory import NOW, fresh
from tickets.test_workflow import H, walk

SALT = "00112233445566778899aabbccddeeff"
WHO = Reporter("张三", "13800000000", "zhang@example.com")
# names of Chinese characters: a random Latin name could be a substring of other payload text
names = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=2, max_size=6)


@given(name=names, phone=st.from_regex(r"1[3-9]\d{9}", fullmatch=True), email=st.emails())
def test_no_event_payload_holds_the_contact(name, phone, email):
    who = Reporter(name, phone, email)
    tr = fresh(reporter=who, salt=SALT)
    erased = apply(tr.ticket, "erase_contact", actor="a", role="admin", now=NOW, reason="PIPL")
    for ev in (tr.event, erased.event):
        assert not any(v in ev.payload_json for v in (name, phone, email))
        assert not any(v.encode() in ev.body_bytes() for v in (name, phone, email))
    assert tr.ticket.reporter == who and contact_matches(tr.ticket, who)


def test_contact_matches_only_the_reported_contact_and_not_after_erasure():
    t = fresh(reporter=WHO, salt=SALT).ticket
    assert contact_matches(t, WHO)
    assert not contact_matches(t, Reporter("张三", "13800000001", "zhang@example.com"))
    e = apply(t, "erase_contact", actor="a", role="supervisor", now=NOW, reason="request 7")
    assert e.ticket.reporter == Reporter() and e.ticket.reporter_salt == ""
    assert e.ticket.reporter_digest == t.reporter_digest  # the history keeps the digest only
    assert not contact_matches(e.ticket, WHO)


def test_erase_records_actor_and_reason_and_changes_nothing_else():
    t = fresh(reporter=WHO, salt=SALT).ticket
    e = apply(t, "erase_contact", actor="dpo-1", role="admin", now=NOW + H, reason="request 7")
    assert (e.event.actor, e.event.type) == ("dpo-1", "erase_contact")
    assert e.event.payload == {"fields": {"reason": "request 7"}, "changes": {}}
    assert e.ticket.status is t.status and e.ticket.clock == t.clock
    moved = {"version": 2, "chain_head": e.event.hash, "updated_at": NOW + H}
    assert in_chain(e.ticket) == replace(in_chain(t), **moved)


@pytest.mark.parametrize(
    "steps,final",
    [([("void", "acceptor", {"reason": "out of scope"})], Status.VOID),
     ([("merge_duplicate", "system", {"duplicate_of": "a" * 32})], Status.DUPLICATE),
     ([("onsite_resolve", "grid_worker", {"note": "done"}),
       ("check_pass", "inspector", {})], Status.CLOSED)],
)  # fmt: skip
def test_erase_is_allowed_from_any_status_and_the_chain_verifies(steps, final):
    t, events = walk(steps, reporter=WHO, salt=SALT)
    assert t.status is final
    e = apply(t, "erase_contact", actor="a", role="admin", now=NOW + 9 * H, reason="r")
    events = [*events, e.event]
    assert e.ticket.status is final and e.ticket.reporter == Reporter()
    assert check_chain(t.id, events, version=e.ticket.version, head=e.ticket.chain_head) == []
    assert rebuild(events) == in_chain(e.ticket)


@pytest.mark.parametrize("role", ["field_staff", "dispatcher", "public", "system"])
def test_erase_is_refused_for_other_roles(role):
    t = fresh(reporter=WHO, salt=SALT).ticket
    with pytest.raises(RoleNotAllowed):
        apply(t, "erase_contact", actor="x", role=role, now=NOW, reason="r")


def test_no_salt_means_no_digest():
    t = fresh(reporter=WHO).ticket
    assert t.reporter == WHO and t.reporter_digest == "" and not contact_matches(t, WHO)
