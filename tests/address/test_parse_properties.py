"""Property tests of the parser: Chinese numerals in house numbers read as the numbers they
say, and roads whose names hold 区/县/镇/乡 before their suffix kept whole, with or without a
district and street before them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.address.parse import chinese_number, parse

DIGITS = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """The everyday Chinese reading of 1 ≤ n ≤ 9999 (一百零二, 十五, 两千 not used: 二千)."""
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += ("" if (unit == "十" and d == 1 and not out) else DIGITS[d]) + unit
    return out


NAME = st.text(alphabet="张江科苑锦绣金桥高行花木碧波龙东陆家嘴杨浦川沙", min_size=1, max_size=3)
MIDDLE = st.sampled_from(["区", "县", "镇", "乡", "新区"])
#: After a 区/镇 only a direction or a number is decidable without the database: 张江区宁路 may
#: be the road 宁路 in a district 张江区 (both sides of a match are read alike, so it matches).
TAIL = st.sampled_from(["", "东", "西", "南", "北", "中", "一", "二", "东二", "南三"])
SUFFIX = st.sampled_from(["路", "大道", "街", "公路", "巷"])
DISTRICT = st.sampled_from(["", "浦东新区", "长宁区", "崇明县"])
STREET = st.sampled_from(["", "张江镇", "潍坊新村街道", "合庆乡"])


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 9999))
def test_chinese_numerals_read_as_their_numbers(n):
    assert chinese_number(to_chinese(n)) == n
    assert chinese_number("".join(DIGITS[int(c)] for c in str(n))) == n  # 一〇二 style
    assert chinese_number("".join(DIGITS[int(c)] for c in str(n)).replace("零", "〇")) == n


@settings(max_examples=300, deadline=None)
@given(
    road=st.tuples(NAME, MIDDLE, TAIL, SUFFIX).map("".join),
    district=DISTRICT,
    street=STREET,
    lane=st.one_of(st.none(), st.integers(1, 999)),
    number=st.integers(1, 9999),
    room=st.one_of(st.none(), st.integers(101, 2999)),
    chinese=st.booleans(),
)
def test_roads_holding_a_district_or_town_word_and_numbers_in_chinese(
    road, district, street, lane, number, room, chinese
):
    def say(n: int) -> str:
        return to_chinese(n) if chinese else str(n)

    text = district + street + road
    text += f"{say(lane)}弄" if lane else ""
    text += f"{say(number)}号" + (f"{say(room)}室" if room else "")
    p = parse(text)
    assert (p.district, p.street, p.road) == (district, street, road), text
    assert (p.lane, p.number, p.room) == (str(lane or ""), str(number), str(room or "")), text
    assert p.rest == "", text


def test_examples_and_what_numerals_do_not_touch():
    assert parse("张杨路八十八号").number == "88"
    assert parse("张杨路一百零二弄三号").house() == ("102", "", "3")
    assert parse("镇宁路五号").road == "镇宁路" and parse("新区大道1号").road == "新区大道"
    assert parse("浦东新区新区东路1号").district == "浦东新区"
    assert parse("东区宁路1号").road == "东区宁路"  # a district has two characters at least
    assert parse("区府路1号").road == "区府路" and parse("乡镇路3号").road == "乡镇路"
    assert parse("三号路5号").road == "三号路"  # a road's name keeps its numerals
    assert parse("张杨路九号楼").building == "9"
