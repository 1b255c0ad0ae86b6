"""One figure for a rate wherever it is shown: the desk's table (_rates.html), its CSV and Excel
exports and ``gridops report``'s table all show Rate.percent, the exact ratio n/d as a percentage
rounded half up to one decimal. (The CSV rounded to 4 places first and then formatted the
float: 14/17 = 82.3529… % read 82.4 % on the page and 82.3 % in the CSV, as 老港镇's 立案率 read
90.4 % and 90.3 %.)"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from fractions import Fraction

from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from gridops.cli.report import _rate as cli_rate
from gridops.metrics import ReportRow, Score, rate
from gridops.web.console.i18n import translator
from gridops.web.console.pages import ENV
from gridops.web.console.supervise_export import as_csv, as_xlsx, rates_sheet

KEY = "registration_rate"


def half_up(n: int, d: int) -> str:
    """The expected figure, by hand: 100·n/d to one decimal, a half rounded up."""
    tenths = Fraction(1000 * n, d) + Fraction(1, 2)
    whole = tenths.numerator // tenths.denominator
    return f"{whole // 10}.{whole % 10}"


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int]:
    d = draw(st.integers(1, 10**7))
    return draw(st.integers(0, d)), d


@given(counts())
@example((14, 17))  # 82.3529…: 82.4, but the CSV's 0.8235 → 82.3
@example((1807, 2000))  # exactly 90.35: the float 0.9035 lies below it
@example((1, 2000))  # 0.05 % → 0.1 %
@example((0, 3))
@example((3, 3))
def test_the_page_and_its_exports_show_the_same_figure(nd: tuple[int, int]) -> None:
    n, d = nd
    r = rate(n, d)
    row = ReportRow("310115130", "老港镇", "Laogang", d, {KEY: r}, Score(0.0, None, None))
    html = ENV.get_template("_rates.html").render(
        t=translator("zh"), lang="zh", rows=[row], ranked=False, table_id="rates",
        sortable=False, drill=None, shown=[KEY], indicator_name=lambda k: k, v=None,
    )  # fmt: skip
    found = re.search(rf'data-rate="{KEY}">([0-9.]+)% <small', html)
    assert found, html
    page = found.group(1)
    sheet = rates_sheet("t", [row], [KEY], translator("zh"), lambda k: k, "zh")
    [_, line] = list(csv.reader(io.StringIO(as_csv(sheet).decode("utf-8-sig"))))
    assert line[3] == f"{page}%" and line[4] == str(d)
    cell = load_workbook(io.BytesIO(as_xlsx(sheet))).active.cell(2, 4)
    assert cell.value == float(Decimal(page) / 100) and cell.number_format == "0.0%"
    assert cli_rate(r) == f"{page}% ({d})"
    assert page == half_up(n, d)


def test_no_denominator_shows_a_dash_everywhere() -> None:
    r = rate(0, 0)
    assert r.percent() is None and cli_rate(r) == "— (0)"
    row = ReportRow("k", "名", "n", 0, {KEY: r}, Score(0.0, None, None))
    sheet = rates_sheet("t", [row], [KEY], translator("en"), lambda k: k, "en")
    assert list(csv.reader(io.StringIO(as_csv(sheet).decode("utf-8-sig"))))[1][3:5] == ["", "0"]
