"""Names people type and read: a bilingual name split into its Chinese and other parts, a
unit's name in a language (the Chinese one, marked, when the config gives no English one), and
units found by a piece of their name (老港镇市容 → 老港镇市容所; 陆家嘴市容 → 陆家嘴街道市容所)
rather than by id. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gridops.org.orgchart import OrgChart, Unit

CJK_FROM = 0x2E80  # CJK radicals and beyond: a token holding one of these is Chinese
_CJK_FROM_CHAR = chr(CJK_FROM)


def is_chinese(token: str) -> bool:
    return bool(token) and max(token) >= _CJK_FROM_CHAR


def name_parts(name: str) -> tuple[str, str]:
    """("潍坊新村街道", "Weifang") of "潍坊新村街道 Weifang": the Chinese tokens joined, the others
    joined by spaces (either may be empty)."""
    if name.isascii():
        return "", " ".join(name.split())
    tokens = name.split()
    zh = "".join(t for t in tokens if is_chinese(t))
    other = " ".join(t for t in tokens if not is_chinese(t))
    return zh, other


@dataclass(frozen=True)
class Name:
    """A name to show: its text and the language it is in (``lang`` differs from the page's
    when no name in the page's language is configured: the page marks it)."""

    text: str
    lang: str


def unit_name(unit: Unit, lang: str) -> Name:
    """``unit``'s name in ``lang`` ("zh" or "en"): the English name where org.yaml gives one,
    else the Chinese name (marked by its language)."""
    if lang == "en" and unit.en:
        return Name(unit.en, "en")
    return Name(unit.zh or unit.en or unit.id, "zh" if unit.zh else "en")


def _rank(unit_id: str, zh: str, en: str, needle: str) -> tuple[int, int, str] | None:
    if unit_id.casefold() == needle:
        return (0, 0, unit_id)
    best: tuple[int, int, str] | None = None
    for name in (zh, en):
        folded = name.casefold()
        if not folded or needle not in folded:
            continue
        rank = 1 if folded == needle else 2 if folded.startswith(needle) else 3
        found = (rank, len(name), unit_id)
        best = found if best is None or found < best else best
    return best


def _holds_loosely(name: str, needle: str) -> bool:
    """Whether every word of ``needle`` is in ``name``, a Chinese word's characters in order with
    others between (陆家嘴市容 in 陆家嘴街道市容所: people drop the 街道 or 镇 of a place)."""
    for word in needle.split():
        if not is_chinese(word):
            if word not in name:
                return False
            continue
        rest = iter(name)
        if not all(ch in rest for ch in word):
            return False
    return True


def find_units(
    org: OrgChart, text: str, *, limit: int = 20, kinds: Iterable[str] | None = None
) -> list[Unit]:
    """Units whose id is ``text`` or whose Chinese or English name holds it (case-insensitive),
    best first: the id, a whole name, a name that starts with it, then the shortest names. When
    no name holds it whole, the names that hold each of its words loosely (``_holds_loosely``)."""
    needle = " ".join(text.split()).casefold()
    if not needle:
        return []
    wanted = frozenset(kinds) if kinds is not None else None
    named = list(_named(org, wanted))
    ranked = []
    for unit_id, zh, en, make in named:
        rank = _rank(unit_id, zh, en, needle)
        if rank is not None:
            ranked.append((rank, make))
    if not ranked:
        for unit_id, zh, en, make in named:
            names = [n for n in (zh.casefold(), en.casefold()) if n]
            if any(_holds_loosely(n, needle) for n in names):
                ranked.append(((4, min(len(n) for n in names), unit_id), make))
    ranked.sort(key=lambda pair: pair[0])
    return [make() for _, make in ranked[:limit]]


def _named(
    org: OrgChart, wanted: frozenset[str] | None
) -> Iterator[tuple[str, str, str, Callable[[], Unit]]]:
    """(id, 中文, English, the unit) of the units of the kinds ``wanted`` (None: all); a post
    is made only when it is found."""
    for unit_id, zh, en, kind, make in org.units.names():
        if wanted is None or kind in wanted:
            yield unit_id, zh, en, make
