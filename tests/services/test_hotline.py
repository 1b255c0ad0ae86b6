"""Hotline intake (12345 受理): a call by address becomes a hotline ticket in the address's
cell through the same intake (then routing); candidates, suggestions and repeat calls."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.org.suggest import category_words, suggest
from gridops.services.addresses import AddressAmbiguous, import_addresses
from gridops.services.hotline import Call, check_call, look_up, take_call
from gridops.services.routing import route_batch
from gridops.tickets import Source, Status

from .conftest import NOW, point_in

LUJIAZUI = "310115005001001"
WEIFANG = "310115004001001"


@pytest.fixture
def ctx(ctx, tmp_path):
    rows = ["id,address,lon,lat,aliases"]
    for aid, text, cell in (
        ("L1", "浦东新区陆家嘴街道锦绣路1号", LUJIAZUI),
        ("L2", "浦东新区陆家嘴街道张杨路88号", LUJIAZUI),
        ("W2", "浦东新区潍坊新村街道张杨路88号", WEIFANG),
    ):
        x, y = point_in(ctx, cell)
        rows.append(f"{aid},{text},{x},{y},")
    f = tmp_path / "a.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_addresses(ctx.store, ctx.grid, f, now=NOW)
    return ctx


def test_a_call_by_address_is_routed_to_the_cells_unit(ctx):
    call = Call(phone="138 1234 5678", name="王先生", address="锦秀路1号",
                description="路边有暴露垃圾", category="E0102")  # fmt: skip
    ticket = take_call(ctx, call, actor="acc1", now=NOW)
    assert ticket.source is Source.HOTLINE and ticket.cells[-1] == LUJIAZUI
    assert ticket.reporter.phone == "138 1234 5678" and ticket.reporter.name == "王先生"
    route_batch(ctx, 10, now=NOW)
    routed = ctx.store.get(ticket.id)
    assert routed.status in (Status.DISPATCHED, Status.VERIFYING), routed.status
    if routed.status is Status.DISPATCHED:
        assert routed.owner_unit


#: Each character of a number as a Chinese input method may type it: half- or full-width, and
#: a space as an ideographic one.
TYPED = {d: (d, chr(ord(d) + 0xFEE0)) for d in "0123456789"} | {
    "+": ("+", "＋"),
    "-": ("-", "－"),
    " ": (" ", "\u3000"),
}


@given(data=st.data())
def test_a_number_typed_full_width_is_the_number_typed_half_width(data):
    number = data.draw(st.text(alphabet="0123456789+- ", max_size=22), label="number")
    typed = "".join(data.draw(st.sampled_from(TYPED[c])) for c in number)
    call = Call(phone=typed, address="锦绣路1号", description="垃圾", category="E0102")
    assert call.phone == number.strip()
    as_ascii = Call(phone=number, address="锦绣路1号", description="垃圾", category="E0102")
    assert check_call(call, {"E0102"}) == check_call(as_ascii, {"E0102"})


def test_a_full_width_number_is_taken_and_stored_half_width(ctx):
    call = Call(phone="＋８６　１３８－１２３４－５６７８", address_id="L1", description="垃圾",
                category="E0102")  # fmt: skip
    ticket = take_call(ctx, call, actor="acc1", now=NOW)
    assert ctx.store.get(ticket.id).reporter.phone == "+86 138-1234-5678"
    again = look_up(ctx, Call(phone="８６１３８１２３４５６７８", address_id="L1"))
    assert [t.id for t in again.repeats] == [ticket.id]


def test_an_ambiguous_address_writes_nothing(ctx):
    call = Call(address="张杨路88号", description="垃圾", category="E0102")
    with pytest.raises(AddressAmbiguous) as err:
        take_call(ctx, call, actor="acc1", now=NOW)
    assert {c.id for c in err.value.candidates} == {"L2", "W2"}
    assert ctx.store.count() == 0
    made = take_call(ctx, Call(address_id="W2", description="垃圾", category="E0102"),
                     actor="acc1", now=NOW)  # fmt: skip
    assert made.cells[-1] == WEIFANG


def test_look_up_gives_candidates_suggestions_and_the_callers_open_tickets_there(ctx):
    first = take_call(ctx, Call(phone="13812345678", address_id="L1", description="垃圾",
                                category="E0102"), actor="acc1", now=NOW)  # fmt: skip
    take_call(ctx, Call(phone="13900000000", address_id="L1", description="垃圾",
                        category="E0102"), actor="acc1", now=NOW)  # fmt: skip
    seen = look_up(ctx, Call(phone="138-1234-5678", address="张杨路88号",
                             description="井盖不见了，污水井盖"))  # fmt: skip
    assert [c.id for c in seen.candidates][:2] in (["L2", "W2"], ["W2", "L2"])
    assert seen.chosen is None and seen.repeats == []
    assert seen.categories[0].code == "C0102"
    again = look_up(ctx, Call(phone="138-1234-5678", address_id="L2"))
    assert again.chosen.id == "L2" and [t.id for t in again.repeats] == [first.id]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("小区门口路灯坏了晚上不亮", "C0118"),
        ("工地夜间施工噪音扰民", "E0301"),
        ("有人在路口摆摊", "E0501"),
        ("A street light is out on our road", "C0118"),
        ("garbage piled on the pavement", "E0102"),
        ("路面塌陷出现大坑", "E0401"),
    ],
)
def test_suggestions_from_the_taxonomy(ctx, text, code):
    words = category_words(ctx.ops.taxonomy.categories)
    assert suggest(text, words)[0].code == code
