"""The wall map's queries (gridops.store.open_map) on SQLite and PostgreSQL: open tickets per
cell of a level and the newest open tickets with their points, in a scope; closed ones left out."""

from __future__ import annotations

from datetime import timedelta

from gridops.store import Store
from gridops.store.open_map import newest_open, open_counts
from gridops.store.queries import TicketScope
from store.factory import NOW, draft


def test_open_tickets_by_cell_and_the_newest(store: Store) -> None:
    numbers = []
    for i in range(5):
        l1 = "310115001" if i % 2 else "310115002"
        [t] = store.create_tickets([draft(i, cells=(l1, f"{l1}001", f"{l1}001001"))],
                                   now=NOW + timedelta(minutes=i))  # fmt: skip
        numbers.append(t.number)
    [gone] = store.create_tickets([draft(9, cells=("310115001", "310115001001", "x"))], now=NOW)
    store.transition(gone.id, "force_close", actor="s", role="supervisor", now=NOW, reason="dup")
    assert open_counts(store, 1, None) == {"310115002": 3, "310115001": 2}
    assert open_counts(store, 3, None) == {"310115002001001": 3, "310115001001001": 2}
    newest = newest_open(store, None, 3, NOW + timedelta(days=30))
    assert [n for n, *_ in newest] == numbers[::-1][:3]
    assert all(isinstance(lon, float) and isinstance(lat, float) for _, lon, lat, _ in newest)
    mine = TicketScope(cells=frozenset({"310115001"}))
    assert open_counts(store, 1, mine) == {"310115001": 2}
    assert {n for n, *_ in newest_open(store, mine, 10, NOW)} == {numbers[1], numbers[3]}
