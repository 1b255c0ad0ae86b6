"""The hotline desk (12345 受理) without JavaScript: look up (candidates with cells, suggested
categories, the caller's open tickets there), take the call, errors beside the fields."""

from __future__ import annotations

import re

import pytest

from gridops.services.addresses import import_addresses
from gridops.services.context import ServiceContext

from .conftest import NOW, Users, sign_in

LUJIAZUI = "310115005001001"
WEIFANG = "310115004001001"


def with_addresses(ctx: ServiceContext, tmp_path) -> None:
    rows = ["id,address,lon,lat,aliases"]
    for aid, text, cell, alias in (
        ("L1", "浦东新区陆家嘴街道锦绣路1号", LUJIAZUI, "No. 1 Jinxiu Road"),
        ("L2", "浦东新区陆家嘴街道张杨路88号", LUJIAZUI, ""),
        ("W2", "浦东新区潍坊新村街道张杨路88号", WEIFANG, ""),
    ):
        p = ctx.grid.cells[cell].geometry.representative_point()
        rows.append(f"{aid},{text},{p.x},{p.y},{alias}")
    f = tmp_path / "addresses.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_addresses(ctx.store, ctx.grid, f, now=NOW)


@pytest.fixture
def acceptor(client, ctx, users: Users, tmp_path) -> str:
    with_addresses(ctx, tmp_path)
    return sign_in(client, users.add("acc1", "acceptor", "all"))


def call(client, csrf: str, op: str, lang: str = "zh", **fields: str):
    return client.post(f"/console/hotline?lang={lang}", data={"csrf": csrf, "op": op, **fields},
                       follow_redirects=False)  # fmt: skip


def test_look_up_then_take_a_call(client, ctx, acceptor):
    page = client.get("/console/hotline")
    assert page.status_code == 200 and "热线受理" in page.text and 'id="nav-hotline"' in page.text
    looked = call(client, acceptor, "look", phone="13812345678", address="锦秀路1号",
                  description="小区门口路灯坏了")  # fmt: skip
    assert looked.status_code == 200
    assert "浦东新区陆家嘴街道锦绣路1号" in looked.text and LUJIAZUI in looked.text
    assert re.search(r'name="address_id" value="L1" checked', looked.text)
    assert re.search(r'name="category" value="C0118" checked', looked.text)
    assert 'value="13812345678"' in looked.text  # what was typed is kept
    taken = call(client, acceptor, "take", phone="13812345678", name="王先生",
                 address="锦秀路1号", address_id="L1", description="小区门口路灯坏了",
                 category="C0118")  # fmt: skip
    assert taken.status_code == 303
    number = re.search(r"/console/tickets/([^?]+)\?done=hotline", taken.headers["location"])[1]
    ticket = ctx.store.get_by_number(number)
    assert ticket.source.value == "hotline" and ticket.cells[-1] == LUJIAZUI
    assert ticket.category == "C0118" and ticket.reporter.phone == "13812345678"
    shown = client.get(taken.headers["location"])
    assert "已受理，案卷号" in shown.text and "浦东新区陆家嘴街道锦绣路1号" in shown.text
    assert "13812345678" not in shown.text  # acceptors see the contact masked
    desk = client.get("/console/dispatch")
    row = re.search(rf'<tr data-number="{number}".*?</tr>', desk.text, re.S)
    assert row and "浦东新区陆家嘴街道锦绣路1号" in row.group(0)  # the 地址/附近 column
    again = call(client, acceptor, "look", phone="138 1234 5678", address_id="L1",
                 address="锦绣路1号")  # fmt: skip
    assert "该来电人在此地点有 1 件未结案件" in again.text and number in again.text


def test_errors_beside_the_fields_in_english_nothing_written(client, ctx, acceptor):
    bad = call(client, acceptor, "take", "en", phone="call me", address="张杨路88号",
               description="", category="")  # fmt: skip
    assert bad.status_code == 400
    assert "number may hold only digits" in bad.text
    assert "Describe the problem" in bad.text and "Choose a category" in bad.text
    ambiguous = call(client, acceptor, "take", "en", address="张杨路88号",
                     description="garbage", category="E0102")  # fmt: skip
    assert ambiguous.status_code == 400
    assert "The address matches several: choose one of the candidates" in ambiguous.text
    assert 'value="L2"' in ambiguous.text and 'value="W2"' in ambiguous.text
    unknown = call(client, acceptor, "take", "en", address="完全没有的路999号",
                   description="garbage", category="E0102")  # fmt: skip
    assert "This address is not in the address database" in unknown.text
    assert ctx.store.count() == 0
    assert "Traceback" not in bad.text + ambiguous.text + unknown.text


def test_only_acceptors_and_dispatchers_take_calls(client, ctx, users: Users, tmp_path):
    csrf = sign_in(client, users.add("fs1", "field_staff", "gw-" + LUJIAZUI))
    assert client.get("/console/hotline").status_code == 403
    assert call(client, csrf, "take", address="x", description="y").status_code == 403
    assert ctx.store.count() == 0


def test_while_the_address_book_loads_the_desk_says_so_in_both_languages(
    client, ctx, acceptor, monkeypatch
):
    import threading
    import weakref

    from gridops.services import address_books

    gate, real = threading.Event(), address_books.load_addresses
    monkeypatch.setattr(address_books, "_SHELVES", weakref.WeakKeyDictionary())  # a fresh start
    monkeypatch.setattr(address_books, "LOOKUP_WAIT_S", 0.05)
    monkeypatch.setattr(address_books, "SHOW_WAIT_S", 0.05)
    monkeypatch.setattr(
        address_books, "load_addresses", lambda e, *a: gate.wait(30) and real(e, *a)
    )
    try:
        looked = call(client, acceptor, "look", address="锦绣路1号", description="路灯坏了")
        assert looked.status_code == 200 and "地址库正在载入" in looked.text
        assert re.search(r'name="category" value="C0118" checked', looked.text)  # still works
        taken = call(client, acceptor, "take", "en", address="锦绣路1号",
                     description="street light out", category="C0118")  # fmt: skip
        assert taken.status_code == 400 and "still loading" in taken.text
        assert client.get("/console/dispatch").status_code == 200  # other pages answer
    finally:
        gate.set()
    looked = call(client, acceptor, "look", address="锦绣路1号", description="路灯坏了")
    assert "浦东新区陆家嘴街道锦绣路1号" in looked.text


def test_a_number_typed_full_width_is_taken_and_stored_half_width(client, ctx, acceptor):
    taken = call(client, acceptor, "take", phone="１３８　１２３４－５６７８", address_id="L1",
                 address="锦绣路1号", description="垃圾", category="E0102")  # fmt: skip
    assert taken.status_code == 303, re.findall(r"来电号码[^<]*", taken.text)
    number = re.search(r"/console/tickets/([^?]+)\?done=hotline", taken.headers["location"])[1]
    assert ctx.store.get_by_number(number).reporter.phone == "138 1234-5678"
