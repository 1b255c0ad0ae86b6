"""Historical cases become valid histories: events at their own times, chains intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import UserError
from gridops.metrics.history import HistoricalCase, history
from gridops.tickets import TimeLimit, check_chain, rebuild
from gridops.tickets.vocabulary import Kind

T = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
LIMIT = TimeLimit(4, "hours")


def case(**kw) -> HistoricalCase:
    base = dict(row_id="1", category="E0102", kind=Kind.EVENT, lon=121.5, lat=31.2,
                reported_at=T, owner_unit="sc-310115001")  # fmt: skip
    return HistoricalCase(**(base | kw))  # type: ignore[arg-type]


@given(
    st.lists(st.integers(0, 10_000), min_size=3, max_size=3),
    st.booleans(), st.booleans(), st.booleans(), st.sampled_from([None, 1, 3, 5]),
)  # fmt: skip
def test_every_history_has_a_valid_chain(gaps, onsite, returned, reworked, sat):
    d, h, c = (T + timedelta(minutes=sum(gaps[: i + 1])) for i in range(3))
    kc = case(
        dispatched_at=None if onsite else d,
        handled_at=h,
        closed_at=c,
        onsite=onsite,
        returned_by="ws-1" if returned else "",
        reworked=reworked,
        satisfaction=sat,
    )
    kc.check()
    ticket, events = history(kc, id="a" * 32, number="E0102202503030001", time_limit=LIMIT)
    assert check_chain(ticket.id, events, version=ticket.version, head=ticket.chain_head) == []
    assert rebuild(events) == ticket
    assert ticket.status.value == ("closed" if sat is None else "evaluated")
    assert ticket.owner_unit == kc.owner_unit and ticket.closed_at == c
    assert ticket.reported_at == T and events[-1].at == c
    assert ticket.onsite == (onsite) and len(ticket.returned_by) == (0 if onsite else returned)
    assert ticket.rework_count == (1 if reworked and not onsite else 0)


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(dispatched_at=T - timedelta(hours=1)), "before reported_at"),
        (dict(dispatched_at=T, closed_at=T), "handled_at is empty"),
        (dict(handled_at=T), "dispatched_at is empty"),
        (dict(dispatched_at=T, handled_at=T, satisfaction=4), "never closed"),
        (dict(owner_unit=""), "owner_unit"),
    ],
)
def test_impossible_histories_are_refused(kw, message):
    with pytest.raises(UserError, match=message):
        case(**kw).check()
