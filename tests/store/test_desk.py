"""The desk's queries on SQLite and PostgreSQL: a search by case number, description text or
place narrows lists and counts alike; every sort, either way, pages through each ticket exactly
once; a tab's count is what its pages hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gridops.store import Store, desk
from gridops.store.desk import SORTS, Search
from gridops.store.queries import TicketFilter, TicketScope
from gridops.tickets import Status, Ticket
from store.factory import LIMIT, NOW, draft

NEW = TicketFilter((Status.REPORTED,))
SENT = TicketFilter((Status.DISPATCHED,), order="due")
FILTERS = {"new": NEW, "sent": SENT}


def made(store: Store, n: int) -> list[Ticket]:
    """``n`` tickets a minute apart, in two level-1 cells; every third dispatched (deadlines
    in the reverse order of the reports), descriptions naming their index in Chinese."""
    out = []
    for i in range(n):
        l1 = "310115001" if i % 2 else "310115002"
        [t] = store.create_tickets(
            [draft(i, description=f"第{i}号 暴露垃圾 #{i}", priority=1 + i % 5,
                   cells=(l1, f"{l1}001", f"{l1}001{i % 7:03d}"))],
            now=NOW + timedelta(minutes=i),
        )  # fmt: skip
        if i % 3 == 0:
            limit = LIMIT.__class__(100 - i, LIMIT.clock)
            t = store.transition(t.id, "dispatch", actor="d", role="dispatcher", now=NOW,
                                 owner_unit=f"sc-{l1}", time_limit=limit)  # fmt: skip
        out.append(t)
    return out


def every_page(store: Store, f: TicketFilter, search: Search, **kw: object) -> list[Ticket]:
    seen: list[Ticket] = []
    while batch := desk.page(store, f, search, now=NOW, limit=4, offset=len(seen), **kw):  # type: ignore[arg-type]
        seen += batch
    return seen


@pytest.mark.parametrize("sort", [None, *SORTS])
def test_every_sort_pages_each_ticket_once_and_the_counts_match(store: Store, sort: str) -> None:
    tickets = made(store, 23)
    counts = desk.counts(store, FILTERS, now=NOW)
    assert counts == {"new": 15, "sent": 8}
    for f, name in ((NEW, "new"), (SENT, "sent")):
        for descending in (False, True):
            seen = every_page(store, f, Search(), sort=sort, descending=descending)
            assert len(seen) == len({t.id for t in seen}) == counts[name]
    by_report = every_page(store, NEW, Search(), sort="reported", descending=True)
    assert [t.created_at for t in by_report] == sorted(
        (t.created_at for t in tickets if t.status is Status.REPORTED), reverse=True
    )  # newest first


def test_the_queue_order_and_the_priority_sort(store: Store) -> None:
    made(store, 12)
    due = [t.clock.due_at for t in every_page(store, SENT, Search())]
    assert due == sorted(due)  # the dispatched queue's own order: earliest deadline first
    prio = [t.priority for t in every_page(store, NEW, Search(), sort="priority")]
    assert prio == sorted(prio) and prio[0] == 1  # urgent first


def test_search_by_number_text_and_place_narrows_lists_and_counts_alike(store: Store) -> None:
    tickets = made(store, 20)
    one = tickets[7]
    by_number = Search(text=one.number[-5:])
    assert [t.id for t in every_page(store, NEW, by_number)] == [one.id]
    by_text = Search(text="第7号")
    assert [t.id for t in every_page(store, NEW, by_text)] == [one.id]
    assert desk.counts(store, FILTERS, by_text, now=NOW) == {"new": 1, "sent": 0}
    # a place name the caller resolved to cells: any ticket in them matches the text
    place = Search(text="潍坊", text_cells=frozenset({"310115001"}))
    found = every_page(store, NEW, place)
    assert found and all(t.cells[0] == "310115001" for t in found)
    assert desk.counts(store, FILTERS, place, now=NOW)["new"] == len(found)
    # percent and underscore are letters, not wildcards
    assert every_page(store, NEW, Search(text="%")) == []
    assert every_page(store, NEW, Search(text="_")) == []
    # the filters and the scope narrow too
    cells = Search(cells=frozenset({"310115002001"}), category="0102")
    assert {t.cells[0] for t in every_page(store, NEW, cells)} == {"310115002"}
    scope = TicketScope(owner_units=frozenset({"sc-310115001"}))
    sent = every_page(store, SENT, Search(), scope=scope)
    assert sent and {t.owner_unit for t in sent} == {"sc-310115001"}
    assert desk.counts(store, FILTERS, now=NOW, scope=scope) == {"new": 0, "sent": len(sent)}


def test_an_unknown_sort_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="sort 'x' is unknown"):
        desk.page(store, NEW, now=NOW, sort="x")
