"""The dispatcher's desk over the tickets (派遣台查询): one page of a queue — narrowed by a
search, sorted by a column, either way — and how many tickets every queue holds under the same
search. Listing and counting build their WHERE from one function, so a tab's count is exactly
what its pages hold. Nothing here writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, case, cast, func, or_, select, type_coerce

from gridops.store.queries import TicketFilter, TicketScope, _filter_condition, _scope_condition
from gridops.store.repository import Store
from gridops.store.rows import ticket_of
from gridops.store.schema import tickets
from gridops.tickets import Ticket

_C = tickets.c
#: Sort key → the column it orders by (the case number's order is the report order per day).
SORTS: Mapping[str, Any] = {
    "reported": _C.created_at,
    "due": _C.open_due_at,
    "priority": _C.priority,
    "number": _C.number,
    "category": _C.category,
    "place": _C.cell_3,
    "source": _C.source,
}


@dataclass(frozen=True)
class Search:
    """What narrows every queue alike. ``cells``: the ticket lies in one of them (codes of any
    level); ``text``: a piece of the case number or of the description, or — ``text_cells``,
    the cells whose names hold the text, found by the caller in the grid — of the place."""

    cells: frozenset[str] = frozenset()
    category: str | None = None
    owner_unit: str | None = None
    text: str = ""
    text_cells: frozenset[str] = frozenset()


def _in_cells(codes: frozenset[str]) -> Any:
    ordered = sorted(codes)
    return or_(_C.cell_1.in_(ordered), _C.cell_2.in_(ordered), _C.cell_3.in_(ordered))


def _description(store: Store) -> Any:
    """The description out of the row's JSON (PostgreSQL needs the text cast to JSON first)."""
    data = cast(_C.data, JSON) if store.engine.dialect.name == "postgresql" else _C.data
    return type_coerce(data, JSON)["description"].as_string()


def search_conditions(store: Store, search: Search, scope: TicketScope | None) -> list[Any]:
    """The conditions every list and count of the desk shares."""
    conds: list[Any] = []
    if search.cells:
        conds.append(_in_cells(search.cells))
    if search.category:
        conds.append(_C.category == search.category)
    if search.owner_unit:
        conds.append(_C.owner_unit == search.owner_unit)
    text = search.text.strip()
    if text:
        anyof = [
            _C.number.icontains(text, autoescape=True),
            _description(store).icontains(text, autoescape=True),
        ]
        if search.text_cells:
            anyof.append(_in_cells(search.text_cells))
        conds.append(or_(*anyof))
    if scope is not None:
        conds.append(_scope_condition(scope))
    return conds


def _order(f: TicketFilter, sort: str | None, descending: bool) -> list[Any]:
    """ORDER BY for the sort key (the queue's own order when None), ending on the id so that
    LIMIT/OFFSET pages neither repeat nor skip; tickets with no deadline sort last either way."""
    if sort is None:
        sort = "due" if f.order == "due" else "reported"
    column = SORTS[sort]

    def way(col: Any) -> Any:
        return col.desc() if descending else col.asc()

    nulls_last = [column.is_(None)] if sort == "due" else []
    return [*nulls_last, way(column), way(_C.created_at), way(_C.id)]


def page(
    store: Store,
    f: TicketFilter,
    search: Search = Search(),
    *,
    now: datetime,
    scope: TicketScope | None = None,
    sort: str | None = None,
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[Ticket]:
    """One page of the tickets of queue ``f`` that match ``search`` within ``scope``."""
    if sort is not None and sort not in SORTS:
        raise ValueError(f"sort {sort!r} is unknown; sorts: {', '.join(SORTS)}")
    where = [_filter_condition(f, now), *search_conditions(store, search, scope)]
    q = select(_C.data).where(*where).order_by(*_order(f, sort, descending))
    with store.engine.connect() as conn:
        return [ticket_of(r) for r in conn.execute(q.limit(limit).offset(offset))]


def counts(
    store: Store,
    filters: Mapping[str, TicketFilter],
    search: Search = Search(),
    *,
    now: datetime,
    scope: TicketScope | None = None,
) -> dict[str, int]:
    """How many tickets each queue of ``filters`` holds under ``search`` within ``scope`` — in
    one query, from the conditions :func:`page` uses."""
    sums = [
        func.sum(case((_filter_condition(f, now), 1), else_=0)).label(name)
        for name, f in filters.items()
    ]
    q = select(*sums).where(*search_conditions(store, search, scope))
    with store.engine.connect() as conn:
        row = conn.execute(q).one()
    return {name: int(getattr(row, name) or 0) for name in filters}
