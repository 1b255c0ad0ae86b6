"""The dispatcher's desk as its address says: queue, map level, filters, search, sort and page,
read from the query string by hand — a value that does not fit is an error shown beside its
field (what was typed kept), never a 422 — and written back as links."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from gridops.services.desk import DESK_QUEUES, PAGE_SIZES, SORTS, Search, places
from gridops.text import forbidden
from gridops.web.console.i18n import Typed

MAX_TEXT = 100
NOWHERE = frozenset({"-"})  # no cell has this code


@dataclass(frozen=True)
class DeskView:
    """What the dispatcher is looking at (the page and its live fragment share it)."""

    queue: str = "new"
    level: int = 1
    l1: str = ""
    cell: str = ""  # as typed: a code, or a sub-district or community name
    category: str = ""
    q: str = ""
    sort: str = ""  # "" → the queue's own order
    dir: str = "asc"
    page: int = 1
    per: int = 50

    def link(self, **change: Any) -> str:
        """The query string of this view with ``change`` applied (empty and default values
        dropped; a change of queue, filter or order goes back to page 1)."""
        if change.keys() - {"page", "level", "l1"}:
            change.setdefault("page", 1)
        values = asdict(self) | change
        defaults = asdict(DeskView())
        kept = {k: v for k, v in values.items() if v not in (None, "") and v != defaults[k]}
        kept.setdefault("queue", values["queue"] or "new")
        return "?" + urlencode(kept)

    def cell_box(self, grid: Any, name: str) -> tuple[str, str]:
        """What the cell filter's box shows and what beside it, ``name`` being the cell's name
        in the page's language: a code (as the maps' links carry it) shows as that name when
        the name, typed back, selects that cell alone; else the code stays in the box (the
        filter must not widen) with the name beside it. Anything else shows as typed."""
        if self.cell not in grid.cells or not name or name == self.cell:
            return self.cell, ""
        if places(grid, name) == frozenset({self.cell}):
            return name, ""
        return self.cell, name

    def sort_link(self, column: str) -> str:
        """Sort by ``column``: ascending first, the other way when it is already so sorted."""
        way = "desc" if self.sort == column and self.dir == "asc" else "asc"
        return self.link(sort=column, dir=way)


@dataclass(frozen=True)
class DeskRead:
    """A view read from a query string: the view (bad values replaced by defaults, except what
    was typed, which is kept to show), the search it means, errors by field name."""

    view: DeskView
    search: Search
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def descending(self) -> bool:
        return self.view.dir == "desc"


def _int(raw: str, allowed: Any) -> int | None:
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value in allowed else None


def read_view(
    params: Mapping[str, str],
    t: Callable[..., str],
    grid: Any,
    categories: Mapping[str, Any],
) -> DeskRead:
    """The desk a query string asks for; each value that does not fit is named in ``errors``
    (in the reader's language) and left out of the search."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = " ".join(str(params.get(name, "")).split())[:MAX_TEXT]
        if forbidden(value):
            errors[name] = t("err.bad_text", field=t(LABELS[name]))
            return ""
        return value

    def bad(name: str, raw: str) -> None:
        errors[name] = t("err.filter", field=t(LABELS[name]), value=Typed(raw[:40]))

    view = DeskView(cell=text("cell"), q=text("q"), category=text("category"))
    raw = params.get("queue", "new")
    if raw not in DESK_QUEUES:
        bad("queue", raw)
    else:
        view = replace(view, queue=raw)
    for name, allowed in (("level", range(1, 4)), ("per", PAGE_SIZES)):
        raw = params.get(name, "")
        value = _int(raw, allowed) if raw else None
        if raw and value is None:
            bad(name, raw)
        elif value is not None:
            view = replace(view, level=value) if name == "level" else replace(view, per=value)
    raw = params.get("page", "")
    page = _int(raw, range(1, 1_000_000)) if raw else 1
    if page is None:
        bad("page", raw)
    view = replace(view, page=page or 1)
    raw = params.get("sort", "")
    if params.get("newest") == "1":  # the filter form's "newest first" box
        raw, params = "reported", {**params, "dir": "desc"}
    if raw and raw not in SORTS:
        bad("sort", raw)
    elif raw:
        view = replace(view, sort=raw, dir="desc" if params.get("dir") == "desc" else "asc")
    if view.category and view.category not in categories:
        bad("category", view.category)
        view = replace(view, category="")
    cells: frozenset[str] = frozenset()
    if view.cell:
        cells = places(grid, view.cell)
        if not cells:
            errors["cell"] = t("err.no_place", value=Typed(view.cell))
            cells = NOWHERE  # a place that does not exist holds no tickets
    l1 = str(params.get("l1", ""))
    if l1 not in grid.cells or grid.cells[l1].level != 1:
        l1 = ""
    if not l1 and len(cells) == 1 and cells != NOWHERE:
        l1 = next(iter(cells))[:9]
    view = replace(view, l1=l1)
    search = Search(cells=cells, category=view.category or None, text=view.q,
                    text_cells=places(grid, view.q) if view.q else frozenset())  # fmt: skip
    return DeskRead(view, search, errors)


#: Each query field's label (for its error message).
LABELS = {
    "queue": "filters",
    "level": "level",
    "per": "per_page",
    "page": "pager",
    "sort": "filters",
    "category": "category",
    "cell": "cell",
    "q": "search",
}
