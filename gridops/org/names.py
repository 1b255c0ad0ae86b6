"""Names people type and read: a bilingual name split into its Chinese and other parts, a
unit's name in a language (the Chinese one, marked, when the config gives no English one), and
units found by a piece of their name (老港镇市容 → 老港镇市容所; 陆家嘴市容 → 陆家嘴街道市容所)
rather than by id. Pure."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gridops.org.unit import LOCALITY

if TYPE_CHECKING:
    from gridops.org.orgchart import OrgChart
    from gridops.org.posts import Posts
    from gridops.org.unit import Unit

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
    no name holds it whole, the names that hold each of its words loosely (``_holds_loosely``).
    A city's 120 k posts (gridops.org.posts) are matched on their name templates, each made
    only when it is among those found."""
    needle = " ".join(text.split()).casefold()
    if not needle:
        return []
    wanted = frozenset(kinds) if kinds is not None else None
    units = org.units
    held = [u for u in units.held.values() if wanted is None or u.kind in wanted]
    posts = units.posts if wanted is None or LOCALITY in wanted else []
    ranked = [r for u in held if (r := _rank(u.id, u.zh, u.en, needle)) is not None]
    for level in posts:
        ranked += _post_ranks(level, needle)
    if not ranked:
        for unit in held:
            ranked += _loose(unit.id, (unit.zh, unit.en), needle)
        chars = set(needle) - {" "}
        for level in posts:
            named = _Named(level)
            fixed = set("".join(named.templates).casefold())  # what every name of it holds
            for code in level.parents:
                if chars <= fixed or chars <= fixed | set(code.casefold()):  # else it cannot
                    ranked += _loose(level.id_of(code), named.names(code), needle)
    return [units[unit_id] for _, _, unit_id in heapq.nsmallest(limit, ranked)]


def _loose(unit_id: str, names: Iterable[str], needle: str) -> list[tuple[int, int, str]]:
    folded = [n.casefold() for n in names if n]
    if any(_holds_loosely(n, needle) for n in folded):
        return [(4, min(len(n) for n in folded), unit_id)]
    return []


class _Named:
    """A level's post names, made from their templates: ``head + code + tail`` where a
    template names ``{code}`` once (no format call), else the template filled."""

    def __init__(self, posts: Posts) -> None:
        self.templates = (posts.zh, posts.en)
        self.cut = [_cut(t) for t in self.templates]

    def names(self, code: str) -> tuple[str, str]:
        zh, en = (
            cut[0] + code + cut[1] if cut is not None else t.format(code=code)
            for t, cut in zip(self.templates, self.cut, strict=True)
        )
        return zh, en


def _cut(template: str) -> tuple[str, str] | None:
    """(head, tail) of a template that names {code} once and escapes no brace, else None."""
    if template.count("{code}") != 1 or template.count("{") != 1 or "}}" in template:
        return None
    head, _, tail = template.partition("{code}")
    return head, tail


def _post_ranks(posts: Posts, needle: str) -> list[tuple[int, int, str]]:
    """:func:`_rank` of each of a level's posts that ``needle`` finds, without making their
    names where a template names {code} once: the needle is then in ``head + code + tail``
    exactly when it is in the head, in the tail, or in the head's end, the code and the tail's
    start (one short string per code)."""
    named = _Named(posts)
    shapes = [cut for cut, t in zip(named.cut, named.templates, strict=True) if t]
    if any(cut is None for cut in shapes):  # a template of another shape: fill each one
        out = []
        for code in posts.parents:
            unit_id = posts.id_of(code)
            if (r := _rank(unit_id, *named.names(code), needle)) is not None:
                out.append(r)
        return out
    found: dict[str, tuple[int, int, str]] = {}
    k = len(needle) - 1
    for head, tail in (c for c in shapes if c is not None):  # an empty name finds nothing
        fhead, ftail = head.casefold(), tail.casefold()
        everywhere = needle in fhead or needle in ftail
        edge_head, edge_tail = (fhead[-k:] if k else ""), ftail[:k]
        fixed = len(head) + len(tail)
        for code in posts.parents:
            folded = code.casefold()
            if not everywhere and needle not in edge_head + folded + edge_tail:
                continue
            name = fhead + folded + ftail
            rank = 1 if name == needle else 2 if name.startswith(needle) else 3
            unit_id = posts.id_of(code)
            better = (rank, fixed + len(code), unit_id)
            if code not in found or better < found[code]:
                found[code] = better
    _by_id(posts, needle, found)
    return list(found.values())


def _by_id(posts: Posts, needle: str, found: dict[str, tuple[int, int, str]]) -> None:
    """The post whose id is ``needle`` (case-insensitive) ranks first."""
    prefix, suffix = posts.prefix.casefold(), posts.suffix.casefold()
    if needle.startswith(prefix) and needle.endswith(suffix):
        middle = needle[len(prefix) : len(needle) - len(suffix)]
        for code in {middle, middle.upper()}:
            if code in posts.parents and posts.id_of(code).casefold() == needle:
                found[code] = (0, 0, posts.id_of(code))
