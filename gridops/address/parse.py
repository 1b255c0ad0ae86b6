"""Address text into parts (地址解析): 区 / 街道·镇 / 路 / 弄 / 支弄 / 号 / 幢 / 室.

Pure: text in, :class:`AddressParts` out. Full-width characters become half-width (NFKC),
spaces and punctuation go, Latin letters are lower-cased, Chinese numerals before 号/弄/支弄/
幢/室 become digits (八十八号 → 88号). A road may hold 区/县/镇/乡 (镇宁路, 新区大道, 新区东路).
Chinese addresses are read by their suffixes, English-style ones ("No. 88, Lane 100,
Zhangyang Road, Room 301") by their keywords; both give the same parts, so
``张杨路100弄88号`` and ``Lane 100 No. 88 Zhangyang Rd`` differ only in the road's name (an
alias of the address joins the two).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HAN = r"\u4e00-\u9fff"
#: A road is never only a direction or a number (东路, 二路): what precedes it is part of its
#: name (新区东路, 工业区二路), not a district or street.
_BARE = r"(?![东西南北中]{0,2}[一二三四五六七八九十0-9]*(?:大道|公路|路|街|巷))"
_ROAD = rf"(?P<road>{_BARE}[{_HAN}a-z0-9]{{1,14}}?(?:大道|公路|路|街|巷))"
_CHINESE_PARTS = (
    rf"^(?:上海市|上海)?"
    rf"(?P<district>[{_HAN}]{{2,6}}?(?:新区|区|县))?"  # 长宁区: two characters at least
    rf"(?P<street>[{_HAN}]{{2,8}}?(?:街道|镇|乡))?"
    "{road}"
    r"(?:(?P<lane>\d+)弄)?"
    r"(?:(?P<sublane>\d+)支弄)?"
    r"(?:(?P<number>\d+(?:-\d+)?)号(?!楼))?"
    r"(?:(?P<building>\d+)(?:幢|栋|号楼|座))?"
    r"(?:(?P<room>\d+)室)?"
    r"(?P<rest>.*)$"
)
#: First a road followed by its number (夏巷大道2弄: not the road 夏巷), then any road.
_CHINESE = (
    re.compile(_CHINESE_PARTS.replace("{road}", _ROAD + r"(?=\d)")),
    re.compile(_CHINESE_PARTS.replace("{road}", _ROAD + "?")),
)
_DROP = re.compile(r"[\s,，、。.;；:：()（）\[\]【】#\"'“”‘’-]+")
_ROAD_WORDS = {
    "road": "road",
    "rd": "road",
    "street": "street",
    "st": "street",
    "avenue": "avenue",
    "ave": "avenue",
    "highway": "highway",
    "hwy": "highway",
    "boulevard": "boulevard",
    "blvd": "boulevard",
    "lu": "road",
}
_EN_ROAD = re.compile(r"(?P<name>[a-z][a-z ]*?)\s+(?P<kind>" + "|".join(_ROAD_WORDS) + r")\b")
_EN_PARTS = {
    "room": re.compile(r"\b(?:room|rm)\s*(\d+)\b"),
    "building": re.compile(r"\b(?:building|bldg|block)\s*(\d+)\b"),
    "sublane": re.compile(r"\b(?:alley|sub ?lane)\s*(\d+)\b"),
    "lane": re.compile(r"(?<!sub )(?<!sub)\blane\s*(\d+)\b"),
    "number": re.compile(r"\b(?:no|number)\s*(\d+(?:-\d+)?)\b"),
}
_EN_DISTRICT = re.compile(r"\b([a-z]+)\s+(?:new area|new district|district)\b")
_EN_STREET = re.compile(r"\b([a-z]+)\s+(?:subdistrict|town)\b")
#: A run of Chinese numerals before a house-number unit (八十八号, 一百零二弄, 三幢); not a road's
#: name (三号路, 七号线).
_CN_NUMBER = re.compile(
    r"(?P<n>[零〇一二两三四五六七八九十百千]+)"
    r"(?=支弄|弄|幢|栋|座|室|号(?!路|街|大道|公路|巷|线|桥|门))"
)
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_LATIN = re.compile(r"[a-z]")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class AddressParts:
    """The parts of one address; "" where the text has none. ``road`` is the road's key (its
    Chinese name with suffix, or an English name like ``zhangyang road``); ``rest`` is what no
    part took (a building or place name, 地名)."""

    district: str = ""
    street: str = ""
    road: str = ""
    lane: str = ""
    sublane: str = ""
    number: str = ""
    building: str = ""
    room: str = ""
    rest: str = ""

    def house(self) -> tuple[str, str, str]:
        """(lane, sublane, number): the 门牌 on its road."""
        return (self.lane, self.sublane, self.number)


def normalise(text: str) -> str:
    """Half-width, lower case, one space between words, no punctuation around Chinese."""
    text = unicodedata.normalize("NFKC", text).lower().strip()
    return _SPACES.sub(" ", text)


def compact(text: str) -> str:
    """:func:`normalise` without spaces and punctuation (the key of Chinese text)."""
    return _DROP.sub("", normalise(text))


def _digits(value: str | None) -> str:
    """'007' → '7' (house numbers compare as numbers); None → ''."""
    if not value:
        return ""
    if value[0] != "0" and value.isdigit():
        return value
    return "-".join(str(int(p)) for p in value.split("-") if p.isdigit()) or value


def chinese_number(numerals: str) -> int:
    """八十八 → 88, 一百零二 → 102, 十 → 10, 一〇二 → 102 (digit by digit without units)."""
    if not any(c in _CN_UNITS for c in numerals):
        return int("".join(str(_CN_DIGITS[c]) for c in numerals))
    total, digit = 0, 0
    for c in numerals:
        if c in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[c]
            digit = 0
        else:
            digit = _CN_DIGITS[c]
    return total + digit


def _arabic(key: str) -> str:
    return _CN_NUMBER.sub(lambda m: str(chinese_number(m.group("n"))), key)


def parse(text: str) -> AddressParts:
    """The parts of an address written in Chinese or in English style."""
    norm = normalise(text)
    if _LATIN.search(norm) and not _HAN_CHAR.search(norm):
        return _parse_english(norm)
    key = _arabic(_DROP.sub("", norm))
    m = _CHINESE[0].match(key) or _CHINESE[1].match(key)
    assert m is not None  # every group of the second is optional, ``rest`` takes the remainder
    g = m.groupdict()
    if g["rest"] and g["rest"].isdigit() and not g["number"]:
        g["number"], g["rest"] = g["rest"], ""  # 科苑路88: the 号 not typed (yet)
    return AddressParts(
        district=g["district"] or "",
        street=g["street"] or "",
        road=g["road"] or "",
        lane=_digits(g["lane"]),
        sublane=_digits(g["sublane"]),
        number=_digits(g["number"]),
        building=_digits(g["building"]),
        room=_digits(g["room"]),
        rest=g["rest"] or "",
    )


def _parse_english(norm: str) -> AddressParts:
    text = re.sub(r"[,;#.]", " ", norm)
    text = re.sub(r"\s+", " ", text).strip()
    found: dict[str, str] = {}
    for part, pattern in _EN_PARTS.items():
        m = pattern.search(text)
        if m:
            found[part] = _digits(m.group(1))
            text = text[: m.start()] + " " + text[m.end() :]
    road = ""
    m = _EN_ROAD.search(text)
    if m:
        name = m.group("name").strip()
        lead = re.match(r"^(\d+(?:-\d+)?)\s+(.*)$", name)
        if lead:
            found.setdefault("number", _digits(lead.group(1)))
            name = lead.group(2)
        road = f"{name} {_ROAD_WORDS[m.group('kind')]}"
        text = text[: m.start()] + " " + text[m.end() :]
    lead_number = re.match(r"^\s*(\d+(?:-\d+)?)\b", text)
    if lead_number and "number" not in found:
        found["number"] = _digits(lead_number.group(1))
        text = text[lead_number.end() :]
    district = _EN_DISTRICT.search(text)
    street = _EN_STREET.search(text)
    for m2 in (district, street):
        if m2:
            text = text.replace(m2.group(0), " ")
    text = re.sub(r"\b(shanghai|china|pudong)\b", " ", text)
    return AddressParts(
        district=district.group(1) if district else "",
        street=street.group(1) if street else "",
        road=road,
        rest=re.sub(r"\s+", " ", re.sub(r"\d+", " ", text)).strip(),
        **found,
    )
