"""The address book: ranked geocoding (typos, aliases, English) and reverse geocoding."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.address.book import AddressBook, AddressRecord, decisive, short_names


def rec(i: int, text: str, lon: float, lat: float, *aliases: str) -> AddressRecord:
    return AddressRecord.of(f"A{i}", text, lon, lat, f"C{i}", aliases)


BOOK = AddressBook(
    [
        rec(1, "浦东新区张江镇科苑路88号", 121.600, 31.200, "No. 88 Keyuan Road"),
        rec(2, "浦东新区张江镇科苑路90号", 121.601, 31.200, "No. 90 Keyuan Road"),
        rec(3, "浦东新区张江镇科苑路100弄8号", 121.602, 31.201, "No. 8, Lane 100, Keyuan Road"),
        rec(4, "浦东新区花木街道锦绣路88号", 121.550, 31.210),
        rec(5, "浦东新区花木街道张杨路88号", 121.540, 31.230),
        rec(6, "浦东新区金桥镇张杨路88号", 121.590, 31.260),
        rec(7, "浦东新区张江镇社区事务受理服务中心", 121.605, 31.205, "Zhangjiang service centre"),
    ]
)


def ids(found) -> list[str]:
    return [c.id for c in found]


def test_exact_address_first_with_full_score():
    found = BOOK.geocode("科苑路88号")
    assert found[0].id == "A1" and found[0].score == 100.0 and found[0].cell == "C1"
    assert all(c.score < 100 for c in found[1:])


def test_lane_and_number():
    assert BOOK.geocode("张江镇科苑路１００弄８号")[0].id == "A3"


def test_a_typo_in_the_road_still_finds_it_ranked_lower():
    found = BOOK.geocode("科园路88号")
    assert found[0].id == "A1" and 50 < found[0].score < 100


def test_the_street_prefix_picks_between_two_roads_of_one_name():
    assert BOOK.geocode("金桥镇张杨路88号")[0].id == "A6"
    assert BOOK.geocode("花木街道张杨路88号")[0].id == "A5"
    assert set(ids(BOOK.geocode("张杨路88号"))[:2]) == {"A5", "A6"}  # ambiguous: both, tied


def test_english_alias():
    assert BOOK.geocode("No. 8, Lane 100, Keyuan Rd")[0].id == "A3"
    assert BOOK.geocode("90 keyuan road")[0].id == "A2"


def test_named_place_by_part_of_its_name_and_by_alias():
    assert BOOK.geocode("张江社区事务受理服务中心")[0].id == "A7"
    assert BOOK.geocode("Zhangjiang service centre")[0].id == "A7"


def test_nothing_like_it():
    assert BOOK.geocode("完全不相干的文字路1号") == []
    assert BOOK.geocode("") == []


def test_get_by_id():
    assert BOOK.get("A4").text == "浦东新区花木街道锦绣路88号"
    assert BOOK.get("nope") is None


def brute_nearest(book: AddressBook, lon: float, lat: float) -> int:
    scale = math.cos(math.radians(float(book.lat.mean())))
    return int(np.argmin(((book.lon - lon) * scale) ** 2 + (book.lat - lat) ** 2))


@pytest.mark.parametrize("point", [(121.6004, 31.2001), (121.56, 31.22), (121.0, 30.0)])
def test_reverse_is_the_brute_force_nearest(point):
    found = BOOK.reverse(*point)
    assert found is not None and found.id == BOOK.ids[brute_nearest(BOOK, *point)]


def test_reverse_distance_in_metres():
    found = BOOK.reverse(121.600, 31.2009)
    assert found.id == "A1" and 95 < found.distance_m < 105


def test_reverse_many_and_empty():
    assert [c.id for c in BOOK.reverse_many([121.55, 121.59], [31.21, 31.26])] == ["A4", "A6"]
    assert AddressBook([]).reverse(121.5, 31.2) is None
    assert BOOK.reverse(float("nan"), 31.2) is None


def test_decisive_needs_a_clear_leader():
    assert decisive(BOOK.geocode("科苑路88号")).id == "A1"
    assert decisive(BOOK.geocode("科园路88号")).id == "A1"  # a typo, nothing else close
    assert decisive(BOOK.geocode("张杨路88号")) is None  # two towns
    assert decisive([]) is None


#: 街镇 of each kind of suffix, roads that start like a 街镇's short name (花木路, 陆家嘴环路),
#: and rivals of one name in two 街镇 (张杨路) or one character apart (新高大道, 新苑大道).
TOWN_RECORDS = [
    rec(1, "浦东新区陆家嘴街道新苑大道1号", 121.50, 31.24),
    rec(2, "浦东新区陆家嘴街道新苑大道2弄1号", 121.51, 31.24),
    rec(3, "浦东新区张江镇新高大道1号", 121.60, 31.20),
    rec(4, "浦东新区陆家嘴街道陆家嘴环路8号", 121.50, 31.23),
    rec(5, "浦东新区花木街道花木路1号", 121.55, 31.21),
    rec(6, "浦东新区花木街道张杨路88号", 121.54, 31.23),
    rec(7, "浦东新区金桥镇张杨路88号", 121.59, 31.26),
    rec(8, "浦东新区川沙新镇川环南路1号", 121.70, 31.19),
    rec(9, "浦东新区潍坊新村街道夏港大道1号", 121.52, 31.24),
    rec(10, "浦东新区合庆乡海徐路3号", 121.72, 31.25),
]
TOWNS = AddressBook(TOWN_RECORDS)
#: Each record with a name its 街镇 goes by without its suffix (潍坊新村街道: 潍坊新村, 潍坊).
SAID = [(r, n) for r in TOWN_RECORDS for n in sorted(short_names(r.parts.street))]


def test_the_names_a_town_goes_by_without_its_suffix():
    assert short_names("陆家嘴街道") == {"陆家嘴"}
    assert short_names("川沙新镇") == {"川沙"}
    assert short_names("潍坊新村街道") == {"潍坊新村", "潍坊"}
    assert short_names("合庆乡") == {"合庆"}
    assert short_names("唐镇") == set()  # one character: the start of too many roads


def test_a_town_said_without_its_suffix_and_a_typo_in_the_road():
    found = TOWNS.geocode("陆家嘴新园大道１号")
    assert decisive(found).id == "A1"
    assert found[0].score == TOWNS.geocode("陆家嘴街道新园大道1号")[0].score


def test_a_road_that_starts_like_a_town_is_still_that_road():
    assert TOWNS.geocode("花木路1号")[0].id == "A5"
    assert TOWNS.geocode("陆家嘴环路8号")[0].id == "A4"
    assert TOWNS.geocode("陆家嘴坏路8号")[0].id == "A4"  # a typo: not 陆家嘴 and a road 坏路


@given(
    said=st.sampled_from(SAID),
    district=st.sampled_from(["", "浦东新区", "上海市浦东新区"]),
    typo=st.sampled_from(["", "园", "苑", "高"]),
    full_width=st.booleans(),
)
def test_a_town_said_without_its_suffix_finds_what_the_whole_name_finds(
    said, district, typo, full_width
):
    record, short = said
    after = record.text.split(record.parts.street, 1)[1]  # the road and its 门牌
    if typo:
        after = after[0] + typo + after[2:]  # the road's second character misheard
    if full_width:
        after = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in after)
    whole = TOWNS.geocode(district + record.parts.street + after)
    found = TOWNS.geocode(district + short + after)
    assert found and found[0].id == whole[0].id
    assert found[0].score >= whole[0].score
