"""TicketScope on SQLite and PostgreSQL: a ticket is in scope when a unit of the scope owns it,
its user is the assignee, or it lies in one of its cells; find_many pages and the desk's
counts count exactly that set, in SQL."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridops.store import Store, desk
from gridops.store import queries as q
from gridops.tickets import Status, Ticket
from store.factory import LIMIT, NOW, draft

UNITS = ("u-a", "u-b", "u-c")
PEOPLE = ("ann", "bob")
L3 = ("310115001001001", "310115001002001", "310115002001001")


def placed(store: Store, i: int, l3: str, owner: str = "", assignee: str = "") -> Ticket:
    """A ticket in level-3 cell ``l3``, dispatched to ``owner`` (if any) for ``assignee``."""
    [t] = store.create_tickets([draft(i, cells=(l3[:9], l3[:12], l3))], now=NOW)
    if not owner:
        return t
    return store.transition(t.id, "dispatch", actor="d", role="dispatcher", now=NOW,
                            owner_unit=owner, assignee=assignee, time_limit=LIMIT)  # fmt: skip


def in_scope(t: Ticket, scope: q.TicketScope) -> bool:
    """The rule, written out in Python."""
    return bool(
        (t.owner_unit and t.owner_unit in scope.owner_units)
        or (scope.assignee and t.assignee == scope.assignee)
        or any(c in scope.cells for c in t.cells if c)
    )


def test_each_part_of_a_scope_admits_tickets(store: Store):
    mine = placed(store, 1, L3[0], "u-a", "ann")
    of_b = placed(store, 2, L3[1], "u-b", "bob")
    new_in_2 = placed(store, 3, L3[2])  # not routed yet: only its cells can admit it
    ids = lambda found: {t.id for t in found}  # noqa: E731
    assert ids(q.find_many(store, scope=q.TicketScope(assignee="ann"))) == {mine.id}
    assert ids(q.find_many(store, scope=q.TicketScope(owner_units=frozenset({"u-b"})))) == {of_b.id}
    assert ids(q.find_many(store, scope=q.TicketScope(cells=frozenset({"310115002"})))) == {
        new_in_2.id
    }
    level2 = q.TicketScope(cells=frozenset({"310115001002"}), assignee="ann")
    assert ids(q.find_many(store, scope=level2)) == {mine.id, of_b.id}
    assert q.find_many(store, scope=q.TicketScope()) == []  # an empty scope sees nothing
    assert len(q.find_many(store, scope=None)) == 3  # no scope: everything
    new = {"new": q.TicketFilter((Status.REPORTED,)), "sent": q.TicketFilter((Status.DISPATCHED,))}
    assert desk.counts(store, new, now=NOW, scope=level2) == {"new": 0, "sent": 2}
    assert desk.counts(store, new, now=NOW, scope=q.TicketScope()) == {"new": 0, "sent": 0}


placements = st.lists(
    st.tuples(st.sampled_from(L3), st.sampled_from(("", *UNITS)), st.sampled_from(("", *PEOPLE))),
    min_size=1,
    max_size=8,
)
scopes = st.builds(
    q.TicketScope,
    owner_units=st.frozensets(st.sampled_from((*UNITS, "u-none"))),
    assignee=st.none() | st.sampled_from((*PEOPLE, "cy")),
    cells=st.frozensets(st.sampled_from((*L3, "310115001", "310115002", "310115001002"))),
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(placements=placements, scope=scopes, size=st.integers(1, 4))
def test_pages_and_counts_are_the_scoped_set(
    store: Store, placements: list[tuple[str, str, str]], scope: q.TicketScope, size: int
):
    start = store.count()
    for i, (l3, owner, who) in enumerate(placements):
        placed(store, start + i, l3, owner, who if owner else "")
    every = q.find_many(store, limit=10_000)
    expected = [t.id for t in every if in_scope(t, scope)]
    pages, offset = [], 0
    while page := q.find_many(store, scope=scope, limit=size, offset=offset):
        assert len(page) == size or offset + len(page) == len(expected)  # only the last is short
        pages += [t.id for t in page]
        offset += size
    assert pages == expected  # the same order, nothing twice, nothing missing
    counted = desk.counts(store, {"all": q.TicketFilter(tuple(Status))}, now=NOW, scope=scope)
    assert counted == {"all": len(expected)}
