"""The locality units of a grid level whose templates name only ``{code}`` — a city's level 3,
120 k 网格员 posts — made when asked for, from the cell's code, instead of held.

Held, they were a quarter of a city-scale server's memory (64 MB of 244) and a fifth of its
start: ``OrgChart.units`` and ``OrgChart.locality`` are the mappings below, which hold the
other units as a dict and answer for posts from the level's codes and parents. Asking for one
post makes it (a few microseconds); going over every unit makes them all, one at a time, so
the passes that only need some kinds go over :attr:`Units.held` (``OrgChart.of_kind``).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field

from gridops.org.unit import LOCALITY, Unit


@dataclass
class Posts:
    """The locality units of one level: ``id`` = prefix + code + suffix, names from templates
    naming only ``{code}``, the parent the locality unit of the cell's parent (the centre for
    level 1 or a cell whose parent has none)."""

    level: int
    prefix: str
    suffix: str
    zh: str  # templates
    en: str
    field_staff: bool
    parents: dict[str, str | None]  # cell code → its parent cell's code, in code order
    _children: dict[str, list[str]] | None = field(default=None, repr=False)
    _orphans: list[str] | None = field(default=None, repr=False)

    @staticmethod
    def split(template: str) -> tuple[str, str] | None:
        """(prefix, suffix) of an id template that is ``prefix{code}suffix``, else None."""
        try:
            parts = list(string.Formatter().parse(template))
        except ValueError:
            return None
        fields = [(name, spec, conv) for _, name, spec, conv in parts if name is not None]
        if fields != [("code", "", None)] or "{{" in template or "}}" in template:
            return None
        prefix, _, suffix = template.partition("{code}")
        return prefix, suffix

    def id_of(self, code: str) -> str:
        return f"{self.prefix}{code}{self.suffix}"

    def code_of(self, unit_id: str) -> str | None:
        """The cell whose post ``unit_id`` is, or None."""
        p, s = self.prefix, self.suffix
        if not (unit_id.startswith(p) and unit_id.endswith(s)):
            return None
        code = unit_id[len(p) : len(unit_id) - len(s)]
        return code if code in self.parents else None  # "" (the id is p + s) is no cell

    def unit(self, code: str, parent: str) -> Unit:
        return Unit(self.id_of(code), LOCALITY, self.zh.format(code=code),
                    self.en.format(code=code), parent, code, self.level,
                    field_staff=self.field_staff)  # fmt: skip

    def children(self, parent_code: str | None) -> list[str]:
        """The codes of the cells whose parent is ``parent_code`` (indexed on first use)."""
        if self._children is None:
            self._children = {}
            for code, up in self.parents.items():
                self._children.setdefault(up or "", []).append(code)
        return self._children.get(parent_code or "", [])

    def orphans(self, locality: Mapping[str, str]) -> list[str]:
        """The codes of the cells whose parent has no locality unit (their posts' parent is
        the centre); the org's localities are fixed once loaded, so this is kept."""
        if self._orphans is None:
            self._orphans = [c for c, up in self.parents.items() if (up or "") not in locality]
        return self._orphans


class Localities(MutableMapping[str, str]):
    """Cell code → its locality unit's id: those held, then each level's posts."""

    def __init__(self) -> None:
        self.held: dict[str, str] = {}
        self.posts: list[Posts] = []

    def __getitem__(self, code: str) -> str:
        found = self.held.get(code)
        if found is not None:
            return found
        for posts in self.posts:
            if code in posts.parents:
                return posts.id_of(code)
        raise KeyError(code)

    def __contains__(self, code: object) -> bool:
        return code in self.held or any(code in p.parents for p in self.posts)

    def __setitem__(self, code: str, unit_id: str) -> None:
        self.held[code] = unit_id

    def __delitem__(self, code: str) -> None:
        del self.held[code]

    def __iter__(self) -> Iterator[str]:
        yield from self.held
        for posts in self.posts:
            yield from posts.parents

    def __len__(self) -> int:
        return len(self.held) + sum(len(p.parents) for p in self.posts)


class Units(MutableMapping[str, Unit]):
    """Unit id → unit: those held, then each level's posts (made when asked for).
    ``parent_of(posts, code)``: the parent unit of a post (the org's locality and centre)."""

    def __init__(self, parent_of: Callable[[Posts, str], str]) -> None:
        self.held: dict[str, Unit] = {}
        self.posts: list[Posts] = []
        self.parent_of = parent_of

    def post(self, unit_id: str) -> tuple[Posts, str] | None:
        """The posts and the cell code of ``unit_id`` when it is a post."""
        for posts in self.posts:  # Posts.code_of, inline: asked a million times by the proof
            p, s = posts.prefix, posts.suffix
            if unit_id.startswith(p) and unit_id.endswith(s):
                code = unit_id[len(p) : len(unit_id) - len(s)]
                if code in posts.parents:
                    return posts, code
        return None

    def brief(self, unit_id: str) -> tuple[str, str | None, str | None] | None:
        """(kind, cell, parent) of ``unit_id``, a post's without making it; None: no unit."""
        held = self.held.get(unit_id)
        if held is not None:
            return held.kind, held.cell, held.parent
        post = self.post(unit_id)
        if post is None:
            return None
        return LOCALITY, post[1], self.parent_of(*post)

    def parent(self, unit_id: str) -> str | None:
        """The parent of ``unit_id`` (None: none, or no such unit), a post's made for it."""
        found = self.held.get(unit_id)
        if found is not None:
            return found.parent
        post = self.post(unit_id)
        return self.parent_of(*post) if post is not None else None

    def __getitem__(self, unit_id: str) -> Unit:
        found = self.held.get(unit_id)
        if found is not None:
            return found
        post = self.post(unit_id)
        if post is None:
            raise KeyError(unit_id)
        posts, code = post
        return posts.unit(code, self.parent_of(posts, code))

    def __contains__(self, unit_id: object) -> bool:
        if unit_id in self.held:
            return True
        return isinstance(unit_id, str) and self.post(unit_id) is not None

    def __setitem__(self, unit_id: str, unit: Unit) -> None:
        self.held[unit_id] = unit

    def __delitem__(self, unit_id: str) -> None:
        del self.held[unit_id]

    def __iter__(self) -> Iterator[str]:
        yield from self.held
        for posts in self.posts:
            yield from map(posts.id_of, posts.parents)

    def __len__(self) -> int:
        return len(self.held) + sum(len(p.parents) for p in self.posts)


def clash(posts: Posts, held: Mapping[str, object], others: list[Posts]) -> str | None:
    """An id that ``posts`` would share with a held unit or another level's posts, or None."""
    for unit_id in held:
        if posts.code_of(unit_id) is not None:
            return unit_id
    for other in others:
        small, big = (posts, other) if len(posts.parents) <= len(other.parents) else (other, posts)
        for code in small.parents:
            if big.code_of(small.id_of(code)) is not None:
                return small.id_of(code)
    return None
