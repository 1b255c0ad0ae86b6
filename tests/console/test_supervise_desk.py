"""The supervisor's desk (issue 18): all 13 indicators with their definitions, the period
picker, grouping by unit / 街镇 / 居村 / cell / person, sorting, paging, CSV and xlsx exports of
exactly what is shown, the overdue list paged with its true count, whole level-2 names, and a
unit-scoped supervisor's scope."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from gridops.metrics import INDICATORS, ReportRow, Score, split_name
from gridops.metrics.indicators import Rate
from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch
from gridops.web.console.i18n import CATALOGUE
from gridops.web.console.supervise_data import SHOWN
from gridops.web.console.supervise_rank import page_of, sort_rows

from .conftest import LUJIAZUI_L3, NOW, TestClient, Users, sign_in

ROW = re.compile(r'<tr data-key="([^"]+)"')
OTHER_STREET = "310115004"


def keys(html: str, table: str = "rates") -> list[str]:
    """The row keys of one table of the page, in order."""
    start = html.index(f'id="{table}"')
    return ROW.findall(html[start : html.index("</table>", start)])


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))


def routed(ctx: ServiceContext, n: int, l3: str = LUJIAZUI_L3, days_ago: int = 0) -> list[str]:
    """``n`` tickets reported and routed ``days_ago`` days before the fixed clock, each in
    its own unit cell of ``l3``'s 街镇 from ``l3`` on (so that none is a duplicate)."""
    from gridops.services.intake import IntakeReport, submit
    from gridops.tickets import Role, Source

    when = NOW - timedelta(days=days_ago)
    street = sorted(c.code for c in ctx.grid.cells_at(3) if c.code[:9] == l3[:9] and c.code >= l3)
    made = []
    for i in range(n):
        p = ctx.grid.cells[street[i]].geometry.representative_point()
        report = IntakeReport(category="E0102", lon=p.x, lat=p.y, crs=ctx.grid.crs,
                              source=Source.HOTLINE, description=f"第{i}件 垃圾")  # fmt: skip
        [t] = submit(ctx, [report], actor="apikey:t", role=Role.PUBLIC,
                     now=when + timedelta(seconds=i))  # fmt: skip
        made.append(t.number)
    while route_batch(ctx, 100, now=when + timedelta(seconds=n)):
        pass
    return made


def test_every_indicator_is_on_the_page_with_its_definition_in_both_languages(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    routed(ctx, 2)
    sign_in(client, users.add("s-1", "supervisor", "all"))
    assert len(SHOWN) == 14 and set(SHOWN) == {i.name for i in INDICATORS} - {
        "close_rate_ex_suspended"
    }
    for lang in ("zh", "en"):
        page = client.get(f"/console/supervise?lang={lang}").text
        for i in INDICATORS:
            if i.name in SHOWN:
                assert (i.zh if lang == "zh" else i.en) in page
                assert f'data-rate="{i.name}"' in page
                definition = CATALOGUE[f"def.{i.name}"][0 if lang == "zh" else 1]
                assert definition in page


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("span=today", "2026-11-24"),
        ("span=week", "2026-W48"),
        ("span=month", "2026-11"),
        ("", "2026-11"),
        ("span=range&start=2026-11-02&end=2026-11-20", "2026-11-02..2026-11-20"),
        ("period=2026-10", "2026-10"),
    ],
)
def test_the_period_picker_names_the_period_it_counts(
    client: TestClient, users: Users, query: str, label: str
) -> None:
    sign_in(client, users.add("s-1", "supervisor", "all"))
    page = client.get(f"/console/supervise?{query}")
    assert page.status_code == 200
    assert f'<span id="period-label">{label}</span>' in page.text


def test_a_bad_range_is_named_beside_its_field_and_kept(client: TestClient, users: Users) -> None:
    sign_in(client, users.add("s-1", "supervisor", "all"))
    r = client.get("/console/supervise?span=range&start=2026-11-31&end=2026-11-02&lang=en")
    assert r.status_code == 400 and "error-summary" in r.text
    assert 'id="error-start"' in r.text and "write it as 2026-11-01" in r.text
    assert 'value="2026-11-31"' in r.text and "Traceback" not in r.text
    r = client.get("/console/supervise?span=range&start=2026-11-20&end=2026-11-02&lang=zh")
    assert r.status_code == 400 and 'id="error-end"' in r.text and "早于" in r.text


def test_today_counts_only_todays_tickets(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    routed(ctx, 3, days_ago=3)
    routed(ctx, 2)
    sign_in(client, users.add("s-1", "supervisor", "all"))
    body = client.get("/console/supervise/export.csv?table=indicators&view=1&span=today").content
    [_, row] = csv_rows(body)
    assert row[2] == "2"  # n: today's two, not the five of the month
    body = client.get("/console/supervise/export.csv?table=indicators&view=1&span=month").content
    assert csv_rows(body)[1][2] == "5"
    assert any("主动发现率" in cell for cell in csv_rows(body)[0])  # hotline reports: 0 of 5


def test_by_person_groups_by_assignee_with_names(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    made = routed(ctx, 4)
    assignees = {ctx.store.get_by_number(n).assignee for n in made} - {""}
    assert assignees
    sign_in(client, users.add("s-1", "supervisor", "all"))
    page = client.get("/console/supervise?view=person").text
    assert set(keys(page)) == assignees
    assert "None" not in keys(page) and "处置人员" in page


def test_sorting_and_exports_follow_what_is_shown(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    routed(ctx, 3)
    other = min(c.code for c in ctx.grid.cells_at(3) if c.code.startswith(OTHER_STREET))
    routed(ctx, 1, other)
    sign_in(client, users.add("s-1", "supervisor", "all"))
    page = client.get("/console/supervise?view=1").text
    assert keys(page) == ["310115005", OTHER_STREET]  # n, highest first
    link = re.search(r'href="(\?[^"]*sort=n[^"]*)"', page)
    assert link, "the n column sorts"
    flipped = client.get("/console/supervise" + link.group(1).replace("&amp;", "&")).text
    assert keys(flipped) == [OTHER_STREET, "310115005"]
    csv_link = re.search(r'id="csv-indicators" href="([^"]+)"', flipped)
    xlsx_link = re.search(r'id="xlsx-indicators" href="([^"]+)"', flipped)
    assert csv_link and xlsx_link
    body = client.get(csv_link.group(1).replace("&amp;", "&")).content
    rows = csv_rows(body)
    assert rows[0][:3] == ["编码", "名称", "n"] and [r[0] for r in rows[1:]] == keys(flipped)
    r = client.get(xlsx_link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200 and r.headers["content-type"].endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(r.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == rows[0] and [c[0] for c in cells[1:]] == keys(flipped)
    assert sheet.cell(2, 4).number_format == "0.0%"


def test_the_overdue_list_is_paged_with_its_true_count(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    made = routed(ctx, 45, days_ago=20)
    sign_in(client, users.add("s-1", "supervisor", "all"))
    first = client.get("/console/supervise?period=2026-10").text
    assert 'id="count-overdue">45<' in first and 'id="overdue-pager"' in first
    seen: list[str] = []
    for opage in (1, 2, 3):
        html = client.get(f"/console/supervise?period=2026-10&opage={opage}").text
        start = html.index('id="list-overdue"')
        seen += re.findall(
            r'<tr data-number="([A-Z0-9]+)"', html[start : html.index("</table>", start)]
        )
    assert sorted(seen) == sorted(made)
    # the export is the whole list, whichever page it was asked from (it held a page of 20)
    link = re.search(r'href="(/console/supervise/export\.csv[^"]*table=overdue[^"]*)"', html)
    assert link and "opage=3" in link.group(1).replace("&amp;", "&")
    exported = csv_rows(client.get(link.group(1).replace("&amp;", "&")).content)[1:]
    assert sorted(r[0] for r in exported) == sorted(made)


def test_level_two_names_are_whole(client: TestClient, ctx: ServiceContext, users: Users) -> None:
    l3s = sorted(c.code for c in ctx.grid.cells_at(3) if c.code.startswith("310115005"))
    picked = [l3s[0], l3s[-1]]
    for l3 in picked:
        routed(ctx, 1, l3)
    sign_in(client, users.add("s-1", "supervisor", "all"))
    page = client.get("/console/supervise?view=2&parent=310115005").text
    street = split_name(ctx.grid.cells["310115005"].name)[0]
    for l2 in {c[:12] for c in picked}:
        whole = split_name(ctx.grid.cells[l2].name)[0]
        assert whole != street and len(whole) > len(street)
        row = page[page.index(f'data-key="{l2}"') :]
        assert whole in row[: row.index("</tr>")]


def test_a_unit_scoped_supervisor_sees_only_their_scope(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    routed(ctx, 2)
    other = min(c.code for c in ctx.grid.cells_at(3) if c.code.startswith(OTHER_STREET))
    routed(ctx, 1, other)
    sign_in(client, users.add("s-4", "supervisor", "sc-310115004"))
    for view in ("1", "unit", "person"):
        page = client.get(f"/console/supervise?view={view}").text
        found = keys(page)
        assert found, view
        assert not [key for key in found if "310115005" in key], (view, found)


def _row(key: str, n: int, close: float | None) -> ReportRow:
    rates = {i.name: Rate(None, 0) for i in INDICATORS}
    rates["close_rate"] = Rate(close, n if close is not None else 0)
    return ReportRow(key, key, key, n, rates, Score(0.0, None, None))


def test_sorting_puts_rows_without_a_value_last_and_paging_covers_every_row_once() -> None:
    rows = [_row(f"k{i}", i, None if i % 3 == 0 else i / 200) for i in range(1, 120)]
    for descending in (True, False):
        ordered = sort_rows(rows, "close_rate", descending, "zh")
        values = [r.rates["close_rate"].value for r in ordered]
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=descending)
        assert all(v is None for v in values[len(present) :])
    pages = [page_of(ordered, p, 50) for p in (1, 2, 3, 9)]
    assert [p.page for p in pages] == [1, 2, 3, 3] and pages[0].pages == 3
    assert [r.key for p in pages[:3] for r in p.rows] == [r.key for r in ordered]
    assert (pages[2].first, pages[2].last, pages[2].total) == (101, 119, 119)


def headings(table: str) -> list[str]:
    """The column headings of the first table head in ``table`` (a sort link's text too)."""
    return re.findall(
        r"<th scope=\"col\"[^>]*>(?:<a [^>]*>)?([^<]+)", table[: table.index("</thead>")]
    )


def test_the_score_and_grade_come_first_and_the_lists_carry_their_labels(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    """The composite score and grade sit beside the name, not after sixteen rates off to the
    right; the lists' cells say what they are, so a phone shows each ticket as a labelled card."""
    routed(ctx, 3, days_ago=3)
    sign_in(client, users.add("s-cols", "supervisor", "all"))
    page = client.get("/console/supervise").text
    table = page[page.index('id="rates"') :]
    heads = headings(table)
    assert heads[:4] == ["名称", "n", "综合评分", "等级"], heads[:6]
    overdue = page[page.index('id="list-overdue"') :]
    assert 'class="tickets stack"' in overdue[:2000]
    for label in ("案卷号", "类别", "状态", "责任单位", "时限"):
        assert f'data-label="{label}"' in overdue


def test_the_english_column_headings_are_in_sentence_case(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    """The headings read "Name / Score / Grade" beside "registration rate": every English
    heading of the indicator table (and each indicator's name wherever the page shows it: the
    definitions, the map's picker) starts with a capital; n, the sample size's symbol, stays."""
    routed(ctx, 2)
    sign_in(client, users.add("s-case", "supervisor", "all"))
    page = client.get("/console/supervise?lang=en").text
    table = page[page.index('id="rates"') :]
    heads = headings(table)
    assert heads[:4] == ["Name", "n", "Score", "Grade"], heads[:6]
    assert "Registration rate" in heads and len(heads) > 10
    lower = [h for h in heads if h != "n" and not h[:1].isupper()]
    assert lower == [], lower
    for i in INDICATORS:
        assert i.en[:1].isupper() and i.en[1:] == i.en[1:].lower(), i.en
        if i.name in SHOWN:
            assert f"<dt>{i.en}</dt>" in page and f">{i.en}</option>" in page
