"""The supervisor's desk as its address says: grouping (unit, 街镇, 居村, 单元网格, person), the
period picked (today, this week, this month, a range of days), sort, the table's page and the
overdue list's page — read by hand so that a value that does not fit is a message beside its
field (what was typed kept), never a 422 — and written back as links."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from gridops.errors import UserError
from gridops.metrics import INDICATORS
from gridops.metrics.periods import parse_period
from gridops.web.console.i18n import Typed

VIEWS = ("unit", "1", "2", "3", "person")
BY = {"unit": "unit", "1": "l1", "2": "l2", "3": "l3", "person": "person"}
SPANS = ("today", "week", "month", "range")
SORTS = ("name", "n", *(i.name for i in INDICATORS), "score")
MAP_INDICATORS = tuple(i.name for i in INDICATORS)
PER_PAGE = 50
LIST_PER_PAGE = 20
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = {"2": 9, "3": 12}  # level 2 drills into a 街镇 code, level 3 into a 居村 code


@dataclass(frozen=True)
class SuperviseView:
    """What the supervisor is looking at."""

    view: str = "1"
    parent: str = ""
    span: str = "month"
    start: str = ""  # the range's first day (span == "range")
    end: str = ""  # the range's last day
    period: str = ""  # an older address's period word (2026-11, 2026-W48…), kept as given
    sort: str = "n"
    dir: str = "desc"
    page: int = 1
    opage: int = 1
    ind: str = "close_rate"  # the indicator the map is shaded by

    def link(self, **change: Any) -> str:
        """The query string of this view with ``change`` applied (defaults dropped; a change
        of grouping, period or order goes back to page 1)."""
        if change.keys() - {"page", "opage"}:
            change.setdefault("page", 1)
        if "view" in change and change["view"] != self.view:
            change.setdefault("sort", "n")
            change.setdefault("dir", "desc")
        values = asdict(self) | change
        defaults = asdict(SuperviseView())
        kept = {k: v for k, v in values.items()
                if v not in (None, "") and v != defaults.get(k, None)}  # fmt: skip
        kept.setdefault("view", values["view"])
        if values["span"] != "range":
            kept.pop("start", None)
            kept.pop("end", None)
        return "?" + urlencode(kept)

    def sort_link(self, column: str) -> str:
        """Sort by ``column``: highest first (names A→Z), the other way when already so."""
        first = "asc" if column == "name" else "desc"
        other = "desc" if first == "asc" else "asc"
        way = other if self.sort == column and self.dir == first else first
        return self.link(sort=column, dir=way)

    @property
    def by(self) -> str:
        return BY[self.view]


@dataclass(frozen=True)
class SuperviseRead:
    """A view read from a query string, the period label it means, errors by field name."""

    view: SuperviseView
    label: str
    errors: dict[str, str] = field(default_factory=dict)


def span_label(span: str, now: datetime, tz: Any, start: str = "", end: str = "") -> str:
    """The period word of ``span`` at ``now`` in the city's zone: today → 2026-11-24, this week
    → 2026-W48, this month → 2026-11, a range → 2026-11-01..2026-11-15."""
    local = now.astimezone(tz).date()
    if span == "today":
        return local.isoformat()
    if span == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if span == "range":
        return f"{start}..{end}"
    return local.strftime("%Y-%m")


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1_000_000 else None


def read_view(
    params: Mapping[str, str], t: Callable[..., str], now: datetime, tz: Any, timezone: str
) -> SuperviseRead:
    """The desk a query string asks for; each value that does not fit is named in ``errors``
    (in the reader's language) and replaced by its default."""
    errors: dict[str, str] = {}
    view = SuperviseView()

    def bad(name: str, raw: str, label: str) -> None:
        errors[name] = t("err.filter", field=t(label), value=Typed(raw[:40]))

    raw = params.get("view", "1")
    if raw in VIEWS:
        view = replace(view, view=raw)
    else:
        bad("view", raw, "sv.grouping")
    raw = str(params.get("parent", ""))
    if raw and view.view in _CODE:
        if len(raw) == _CODE[view.view] and raw.isdigit():
            view = replace(view, parent=raw)
        else:
            bad("parent", raw, "sv.parent")
    pages = {}
    for name in ("page", "opage"):
        raw = params.get(name, "")
        number = _int(raw) if raw else 1
        if number is None:
            bad(name, raw, "pager")
        pages[name] = number or 1
    view = replace(view, page=pages["page"], opage=pages["opage"])
    raw = params.get("sort", "")
    if raw and raw not in SORTS:
        bad("sort", raw, "sv.sort")
    elif raw:
        view = replace(view, sort=raw)
    view = replace(view, dir="asc" if params.get("dir") == "asc" else "desc")
    raw = params.get("ind", "")
    if raw and raw not in MAP_INDICATORS:
        bad("ind", raw, "sv.map_indicator")
    elif raw:
        view = replace(view, ind=raw)
    label = _period(params, view, t, now, tz, timezone, errors)
    span, start, end, period = label[1:]
    return SuperviseRead(replace(view, span=span, start=start, end=end, period=period),
                         label[0], errors)  # fmt: skip


def _period(
    params: Mapping[str, str],
    view: SuperviseView,
    t: Callable[..., str],
    now: datetime,
    tz: Any,
    timezone: str,
    errors: dict[str, str],
) -> tuple[str, str, str, str, str]:
    """(label, span, start, end, period word) of the period asked for; this month when none
    or when what was given cannot be read (the error beside the field says why)."""
    span = params.get("span", "")
    period = " ".join(str(params.get("period", "")).split())[:30]
    start, end = str(params.get("start", ""))[:10], str(params.get("end", ""))[:10]
    if not span and period:
        try:
            return parse_period(period, timezone).label, "", "", "", period
        except UserError:
            errors["period"] = t("err.filter", field=t("period"), value=Typed(period))
            return span_label("month", now, tz), "month", "", "", ""
    if span and span not in SPANS:
        errors["span"] = t("err.filter", field=t("period"), value=Typed(span[:40]))
        span = "month"
    span = span or "month"
    if span != "range":
        return span_label(span, now, tz), span, "", "", ""
    for name, raw in (("start", start), ("end", end)):
        if not _DAY.match(raw) or not _is_day(raw):
            errors[name] = t("err.sv_day", field=t(f"sv.{name}"), value=Typed(raw or "—"))
    if not errors.keys() & {"start", "end"} and end < start:
        errors["end"] = t("err.sv_order", start=start, end=end)
    if errors.keys() & {"start", "end"}:
        return span_label("month", now, tz), "range", start, end, ""
    return span_label("range", now, tz, start, end), "range", start, end, ""


def _is_day(raw: str) -> bool:
    try:
        date.fromisoformat(raw)
    except ValueError:
        return False
    return 1900 <= int(raw[:4]) <= 9000
