"""Address parsing: the parts of Chinese and English-style addresses."""

from __future__ import annotations

import pytest

from gridops.address.parse import AddressParts, compact, parse


def test_every_chinese_part_full_width_digits_too():
    text = "上海市浦东新区潍坊新村街道张杨路１００弄２支弄８８号３幢５０２室"
    assert parse(text) == AddressParts(
        district="浦东新区", street="潍坊新村街道", road="张杨路", lane="100", sublane="2",
        number="88", building="3", room="502",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "road", "number"),
    [
        ("张江镇科苑路88号", "科苑路", "88"),
        ("科苑路 88 号", "科苑路", "88"),
        ("科苑路88", "科苑路", "88"),  # the 号 not typed yet
        ("世纪大道1号", "世纪大道", "1"),
        ("沪南公路2500号", "沪南公路", "2500"),
        ("夏巷大道2弄1号", "夏巷大道", "1"),  # not the road 夏巷 followed by 大道
    ],
)
def test_district_and_street_are_optional(text, road, number):
    p = parse(text)
    assert (p.road, p.number) == (road, number)


def test_leading_zeros_and_building_forms():
    assert parse("锦绣路007号5号楼").house() == ("", "", "7")
    assert parse("锦绣路007号5号楼").building == "5"
    assert parse("锦绣路7号5栋").building == "5"


def test_a_place_name_is_the_rest():
    p = parse("浦东新区张江镇社区事务受理服务中心")
    assert (p.street, p.road, p.rest) == ("张江镇", "", "社区事务受理服务中心")


@pytest.mark.parametrize(
    "text",
    [
        "No. 88, Lane 100, Zhangyang Road, Room 502",
        "Lane 100 No 88 Zhangyang Rd., Rm 502, Pudong New Area, Shanghai",
        "ＮＯ．８８　ＬＡＮＥ　１００　ＺＨＡＮＧＹＡＮＧ　ＲＯＡＤ ROOM 502",
    ],
)
def test_english_style(text):
    p = parse(text)
    assert (p.road, p.lane, p.number, p.room) == ("zhangyang road", "100", "88", "502")


def test_english_number_before_the_road_and_sub_lane():
    assert parse("88 Zhangyang Rd").house() == ("", "", "88")
    assert parse("Lane 100 Alley 2 No 8 Zhangyang Road").house() == ("100", "2", "8")
    assert parse("1 Century Ave").road == "century avenue"


def test_compact_drops_spaces_and_punctuation():
    assert compact(" 张杨路，１００弄 ") == "张杨路100弄"
