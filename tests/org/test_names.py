"""Names: a bilingual name's parts, a unit's name in a language (the Chinese one, marked, when
org.yaml gives no English one — ``en`` is optional everywhere), units found by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gridops.org import OpsConfig, load_ops_config
from gridops.org.gridview import PlainGrid
from gridops.org.names import find_units, name_parts, unit_name


def test_name_parts_split_chinese_from_the_rest() -> None:
    assert name_parts("潍坊新村街道 Weifang") == ("潍坊新村街道", "Weifang")
    assert name_parts("潍坊新村街道 第1居委 (community 1)") == (
        "潍坊新村街道第1居委",
        "(community 1)",
    )
    assert name_parts("310115004001001") == ("", "310115004001001")
    assert name_parts("") == ("", "")


def test_a_unit_is_named_in_the_language_asked_for(config: OpsConfig) -> None:
    unit = config.org.units["sc-310115005"]
    assert unit_name(unit, "zh").text == "陆家嘴街道城运分中心"
    english = unit_name(unit, "en")
    assert english.text == "Lujiazui operations sub-centre" and english.lang == "en"


def test_english_names_are_optional_and_the_chinese_one_is_marked_instead(
    config_copy: Callable[..., Path], grid: PlainGrid
) -> None:
    config_copy("org.yaml", '    en: "{name_en} operations sub-centre"\n', "")
    config_copy("org.yaml", "    en: Water affairs\n", "")
    config_copy("org.yaml", "    en: Street order joint enforcement\n", "")
    loaded = load_ops_config(config_copy(), grid)
    units = loaded.org.units
    for unit_id, zh in (("sc-310115005", "陆家嘴街道城运分中心"), ("dept-water", "水务局"),
                        ("jeg-street-order", "街面秩序联合执法组")):  # fmt: skip
        assert units[unit_id].en == ""
        name = unit_name(units[unit_id], "en")
        assert (name.text, name.lang) == (zh, "zh")  # the page marks it as Chinese
    # a branch whose English template names the department's missing English name has none
    assert units["dept-water@310115005"].en == ""
    assert units["dept-greening@310115005"].en  # its department still has one


def test_units_are_found_by_a_piece_of_their_name(config: OpsConfig) -> None:
    org = config.org
    greening = "dept-greening@310115125"  # 张江镇市容所
    assert org.units[greening].zh == "张江镇市容所"
    assert [u.id for u in find_units(org, "张江镇市容")] == [greening]
    assert find_units(org, "张江镇市容所")[0].id == greening
    assert find_units(org, " dept-greening@310115125 ")[0].id == greening  # an id too
    found = [u.id for u in find_units(org, "张江镇", limit=50)]
    assert greening in found and "sc-310115125" in found
    assert find_units(org, "lujiazui operations")[0].id == "sc-310115005"  # English, any case
    assert find_units(org, "no such place") == [] and find_units(org, "  ") == []
    assert all(u.kind == "joint_group" for u in find_units(org, "联合", kinds={"joint_group"}))


def test_a_place_typed_without_its_jiedao_or_zhen_still_finds_the_unit(config: OpsConfig) -> None:
    """Dispatchers type 陆家嘴市容 for 陆家嘴街道市容所 (the picker offered nothing)."""
    org = config.org
    assert [u.id for u in find_units(org, "陆家嘴市容")] == ["dept-greening@310115005"]
    assert find_units(org, "陆家嘴城运")[0].id == "sc-310115005"
    assert find_units(org, "greening lujiazui")[0].id == "dept-greening@310115005"
    # a name that holds the text whole still wins alone: no loose matches beside it
    assert [u.id for u in find_units(org, "张江镇市容")] == ["dept-greening@310115125"]
    assert find_units(org, "陆家嘴火星") == []
