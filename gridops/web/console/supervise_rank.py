"""The supervisor's table in order: groups sorted by any column (name, n, score or an
indicator; those without a value last either way), paged, and the league's top rows. Rows are
built only for what a page shows — a week's by-unit table has thousands of groups. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from gridops.metrics import BY_NAME, Rate, ReportRow, build_report, composite, rate

T = TypeVar("T")


@dataclass(frozen=True)
class Table:
    """The groups of one grouping: their counts (GroupCounts: key, counts) and names."""

    by: str  # unit | l1 | l2 | l3 | person
    groups: list[Any]
    names: Mapping[str, tuple[str, str]]
    config: Any  # IndicatorConfig

    @property
    def min_n(self) -> int:
        return int(self.config.min_n)

    @property
    def rows(self) -> list[ReportRow]:
        return self.rows_of(self.groups)

    def rows_of(self, groups: Sequence[Any]) -> list[ReportRow]:
        return build_report(groups, self.config, self.names)

    def score(self, group: Any) -> float | None:
        """The composite score of one group, from only the rates its terms use."""
        return composite(group.counts["reports"], _LazyRates(group.counts), self.config).value


class _LazyRates(Mapping[str, Rate]):
    """A group's rates, each computed when asked for."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts

    def __getitem__(self, name: str) -> Rate:
        i = BY_NAME[name]
        return rate(self.counts[i.numerator], self.counts[i.denominator])

    def __iter__(self) -> Iterator[str]:
        return iter(BY_NAME)

    def __len__(self) -> int:
        return len(BY_NAME)


@dataclass(frozen=True)
class RowPage:
    """One page of sorted rows, and where it sits among them all."""

    rows: list[Any]  # ReportRow once built
    page: int
    pages: int
    total: int
    per_page: int

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


def ordered(items: Sequence[T], value: Callable[[T], Any], size: Callable[[T], int],
            key: Callable[[T], str], descending: bool) -> list[T]:  # fmt: skip
    """``items`` by ``value``; those without one last either way; ties by size, then key."""
    values = [(value(x), x) for x in items]
    present = [(v, x) for v, x in values if v is not None]
    missing = [x for v, x in values if v is None]
    present.sort(key=lambda vx: (-size(vx[1]), key(vx[1])))
    present.sort(key=lambda vx: vx[0], reverse=descending)
    return [x for _, x in present] + sorted(missing, key=lambda x: (-size(x), key(x)))


def sort_key(table: Table, sort: str, lang: str) -> Callable[[Any], Any]:
    """A group's value in column ``sort`` (name, n, score or an indicator), None if none."""

    def value(g: Any) -> Any:
        if sort == "name":
            zh, en = table.names.get(g.key, ("", ""))
            return (en or zh or g.key) if lang == "en" else (zh or en or g.key)
        if sort == "n":
            return g.counts["reports"]
        if sort == "score":
            return table.score(g)
        i = BY_NAME[sort]
        den = g.counts[i.denominator]
        return g.counts[i.numerator] / den if den else None

    return value


def sort_rows(rows: Sequence[ReportRow], sort: str, descending: bool, lang: str) -> list[ReportRow]:
    """Built rows by ``sort``, in the same order :func:`shown` gives their groups."""

    def value(r: ReportRow) -> Any:
        if sort == "name":
            return (r.en or r.zh or r.key) if lang == "en" else (r.zh or r.en or r.key)
        if sort == "n":
            return r.n
        if sort == "score":
            return r.score.value
        return r.rates[sort].value

    return ordered(rows, value, lambda r: r.n, lambda r: r.key, descending)


def page_of(rows: Sequence[T], page: int, per_page: int) -> RowPage:
    """Page ``page`` (clamped to the last) of ``rows``."""
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return RowPage(list(rows[start : start + per_page]), page, pages, len(rows), per_page)


def shown(
    table: Table, sort: str, descending: bool, lang: str, page: int, per_page: int
) -> RowPage:
    """Page ``page`` of the table sorted by ``sort``, its rows built."""
    size, key = (lambda g: g.counts["reports"]), (lambda g: g.key)
    groups = ordered(table.groups, sort_key(table, sort, lang), size, key, descending)
    found = page_of(groups, page, per_page)
    return replace(found, rows=table.rows_of(found.rows))


def top(table: Table, count: int) -> list[ReportRow]:
    """The league's first ``count`` rows: best score first, then ungraded rows by n."""
    size, key = (lambda g: g.counts["reports"]), (lambda g: g.key)
    return table.rows_of(ordered(table.groups, table.score, size, key, True)[:count])


def league(rows: Sequence[ReportRow]) -> list[ReportRow]:
    """Best score first; rows without a grade (n below the minimum) last, by n."""
    return sorted(rows, key=lambda r: (r.score.value is None, -(r.score.value or 0), -r.n, r.key))
