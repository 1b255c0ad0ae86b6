"""The supervisor's tables as files, exactly as the page shows them: the same rows in the same
order, the same columns with the page's headings, in the reader's language — as CSV (UTF-8 with
a BOM, so spreadsheet programs read 中文) or as an Excel workbook (rates as percentages)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gridops.metrics import ReportRow

PERCENT = "0.0%"


@dataclass(frozen=True)
class Sheet:
    """A table: its title, headings, rows of cells, and which columns are rates (each a
    percentage as :meth:`Rate.percent` gives it, the page's figure, or None)."""

    title: str
    head: list[str]
    rows: list[list[Any]]
    rate_columns: frozenset[int] = frozenset()


def rates_sheet(
    title: str,
    rows: Sequence[ReportRow],
    shown: Sequence[str],
    t: Callable[..., str],
    indicator_name: Callable[[str], str],
    lang: str,
) -> Sheet:
    """Indicator rows: code, name, n, each shown rate beside its n, score and grade."""
    head = [t("sv.code"), t("name"), "n"]
    rates = set()
    for k in shown:
        rates.add(len(head))
        head += [indicator_name(k), f"{indicator_name(k)} n"]
    head += [t("score"), t("grade")]
    out = []
    for r in rows:
        name = (r.en or r.zh) if lang == "en" else (r.zh or r.en)
        line: list[Any] = [r.key, name or r.key, r.n]
        for k in shown:
            x = r.rates[k]
            line += [x.percent(), x.n]
        score = None if r.score.value is None else round(r.score.value, 1)
        out.append([*line, score, r.score.grade or ""])
    return Sheet(title, head, out, frozenset(rates))


def tickets_sheet(
    title: str, tickets: Sequence[dict[str, Any]], t: Callable[..., str], say: Any, tz: Any
) -> Sheet:
    """A ticket list: case number, category, status, owner unit, deadline (local time)."""
    from gridops.web.console.pages import local_time

    head = [t("number"), t("category"), t("status"), t("owner"), t("deadline")]
    rows = [
        [
            r["number"],
            say.category(r["category"]),
            t(f"status.{r['status']}"),
            say.unit_text(r["owner_unit"]) if r.get("owner_unit") else "",
            local_time(r.get("due"), tz),
        ]
        for r in tickets
    ]
    return Sheet(title, head, rows)


def as_csv(sheet: Sheet) -> bytes:
    """The sheet as CSV; a rate as the page's percentage (one decimal, half up)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(sheet.head)
    for row in sheet.rows:
        w.writerow(
            [
                f"{v}%" if i in sheet.rate_columns and v is not None else _plain(v)
                for i, v in enumerate(row)
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def as_xlsx(sheet: Sheet) -> bytes:
    """The sheet as an .xlsx workbook: bold headings, rates as numbers shown as percentages
    (the page's figure as a fraction: 90.4 % is 0.904, so Excel shows what the page does)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = _sheet_title(sheet.title)
    ws.append(sheet.head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        ws.append([_cell(v, i in sheet.rate_columns) for i, v in enumerate(row)])
    for col in sheet.rate_columns:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            cell.number_format = PERCENT
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _plain(v: Any) -> Any:
    return "" if v is None else str(v)


def _cell(v: Any, is_rate: bool) -> Any:
    if v is None or isinstance(v, str):
        return _plain(v)
    return float(Decimal(v) / 100) if is_rate else v


def _sheet_title(title: str) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return clean[:31] or "gridops"
