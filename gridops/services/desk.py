"""The dispatcher's desk (派遣台): a queue page — searched, sorted and paged within the reader's
scope — with every queue's count under the same search; places found by name; the people of a
unit on shift now with their open work; open tickets per grid cell. The console's pages ask this
(the JSON API's queues read the same :mod:`gridops.services.queues`), never the store."""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridops.org.roster import on_shift
from gridops.services.context import ServiceContext
from gridops.services.queries import OPEN, open_work
from gridops.services.queues import QUEUE_FILTERS
from gridops.store import desk
from gridops.store.desk import SORTS, Search
from gridops.store.queries import TicketScope, counts_by_cell
from gridops.tickets import Role, Ticket

#: The dispatcher's tabs, in order.
DESK_QUEUES = ("new", "returned", "overdue", "escalated", "supervised", "open")
PAGE_SIZES = (20, 50, 100)
FIELD_ROLES = frozenset({Role.FIELD_STAFF, Role.GRID_WORKER})
MAX_PLACES = 500  # a place search naming more cells than this is too vague to be one

__all__ = ["DESK_QUEUES", "PAGE_SIZES", "SORTS", "DeskPage", "Person", "Search"]


@dataclass(frozen=True)
class DeskPage:
    """One page of a queue, and the count of every tab under the same search and scope."""

    queue: str
    tickets: list[Ticket]
    counts: dict[str, int]
    page: int
    per_page: int

    @property
    def total(self) -> int:
        return self.counts[self.queue]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def desk_page(
    ctx: ServiceContext,
    queue: str,
    search: Search,
    *,
    now: datetime,
    scope: TicketScope | None,
    sort: str | None = None,
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
    names: tuple[str, ...] = DESK_QUEUES,
) -> DeskPage:
    """Page ``page`` (clamped to the last) of ``queue`` and the counts of ``names``: two
    queries over the same conditions, so the pages hold what the counts say."""
    filters = {n: QUEUE_FILTERS[n] for n in dict.fromkeys((*names, queue))}
    counts = desk.counts(ctx.store, filters, search, now=now, scope=scope)
    last = max(1, -(-counts[queue] // per_page))
    page = min(max(1, page), last)
    offset = (page - 1) * per_page
    rows = desk.page(ctx.store, filters[queue], search, now=now, scope=scope, sort=sort,
                     descending=descending, limit=per_page, offset=offset)  # fmt: skip
    return DeskPage(queue, rows, counts, page, per_page)


_NAMES: dict[int, tuple[weakref.ref[Any], list[tuple[str, int, str | None, str]]]] = {}


def _named_cells(grid: Any) -> list[tuple[str, int, str | None, str]]:
    """(code, level, parent, folded name) of every named cell, made once per grid (a grid is
    not hashable: it is kept by id, with a weak reference proving the id is still its)."""
    held = _NAMES.get(id(grid))
    if held is not None and held[0]() is grid:
        return held[1]
    found = [
        (c.code, c.level, c.parent, "".join(c.name.split()).casefold())
        for c in grid.cells.values()
        if c.name and c.name != c.code
    ]
    for key in [k for k, (ref, _) in _NAMES.items() if ref() is None]:
        del _NAMES[key]
    _NAMES[id(grid)] = (weakref.ref(grid), found)
    return found


def places(grid: Any, text: str) -> frozenset[str]:
    """The cells ``text`` names: the cell whose code it is, or the cells whose name holds it
    (any case, spaces aside: the console writes 陆家嘴街道第1居委 for the grid's 陆家嘴街道 第1居委)
    — only the top ones (a ticket in a cell is in every cell above it, so a found cell below
    another found one adds nothing). Empty when nothing matches, or more than MAX_PLACES top
    cells would (too vague to be a place)."""
    needle = "".join(text.split()).casefold()
    if not needle:
        return frozenset()
    if needle in grid.cells:
        return frozenset({needle})
    found = {code: parent for code, _, parent, name in _named_cells(grid) if needle in name}

    def covered(code: str) -> bool:
        parent = found[code]
        while parent:
            if parent in found:
                return True
            cell = grid.cells.get(parent)
            parent = cell.parent if cell is not None else None
        return False

    top = frozenset(code for code in found if not covered(code))
    return top if len(top) <= MAX_PLACES else frozenset()


@dataclass(frozen=True)
class Person:
    """Someone a ticket of a unit may be assigned to, with their open work (在办);
    ``on_shift`` None: a field user the roster does not list (their shift is not known)."""

    id: str
    name: str
    on_shift: bool | None
    open: int
    name_en: str = ""  # the English pages' name ("": ``name``)

    def name_in(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


def people_of(ctx: ServiceContext, unit: str, now: datetime, users: Iterable[Any]) -> list[Person]:
    """The people of ``unit`` — its roster and its active field users (``users``: accounts
    with id, name, role, units and active) — each with their open work in the unit: those on
    shift now (or of unknown shift) first, least open work first within each group."""
    load = open_work(ctx.store, units=[unit])
    working = {s.id for s in on_shift(ctx.roster, unit, now, ctx.calendar.is_working_day)}
    people: dict[str, Person] = {}
    for s in ctx.roster.staff_of(unit):
        people[s.id] = Person(s.id, s.name, s.id in working, load.get(s.id, 0), s.name_en)
    for u in users:
        if u.active and u.role in FIELD_ROLES and (u.units == "all" or unit in u.units):
            people.setdefault(u.id, Person(u.id, u.name or u.id, None, load.get(u.id, 0)))
    return sorted(people.values(), key=lambda p: (p.on_shift is False, p.open, p.id))


def open_by_cell(ctx: ServiceContext, level: int, scope: TicketScope | None) -> dict[str, int]:
    """Open tickets per cell of grid ``level`` (one grouped query), of those within ``scope``."""
    return counts_by_cell(ctx.store, level=level, statuses=OPEN, scope=scope)
