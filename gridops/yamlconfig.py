"""Strict reading of configuration YAML (配置): configuration is data, validated when loaded.

Unknown keys, wrong types and bad references are :class:`gridops.errors.ConfigError` naming the
file, the key path and the value (a typo is never silently ignored). Used by gridops.org
(categories, org chart, routing, escalation, roster) and gridops.metrics (indicators, mapping).
:func:`load_strict` (a key written twice in one mapping is an error naming its key path, where
yaml.safe_load keeps the last) is also how the work calendar is parsed; the grid spec is read
with :func:`load_with_repeats`, so that `grid check` lists each repeat among its problems.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from gridops.errors import ConfigError

MERGE_TAG = "tag:yaml.org,2002:merge"
VALUE_TAG = "tag:yaml.org,2002:value"  # a plain ``=`` key; PyYAML reads it as the text "="


@dataclass(frozen=True)
class RepeatedKey:
    """A key written twice in one mapping: the mapping's ``place`` ("" at the top), the key,
    the line and column of the second copy and of the first (1-based)."""

    place: str
    key: Any
    line: int
    column: int
    first_line: int
    first_column: int

    @property
    def path(self) -> str:
        """The key's path in the document, e.g. ``levels[1].name`` (``levels`` at the top)."""
        return _join(self.place, self.key)

    def message(self, source: Path | str) -> str:
        return (
            f"{source}: {self.path}: line {self.line} column {self.column}: key {self.key!r} is "
            f"written twice in one mapping (first at line {self.first_line}); keep one of them"
        )


def _join(place: str, key: Any) -> str:
    step = key if isinstance(key, str) and key else repr(key)
    return f"{place}.{step}" if place else step


_SAFE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present


class _RepeatFinder(_SAFE):
    """yaml.SafeLoader (on libyaml's parser when PyYAML has it: the configuration of a city of
    120 k cells loads ~0.2 s sooner) that, between composing and constructing, lists the repeated
    keys.

    Each mapping is checked as written, before merge keys (``<<: *base``) are expanded, so a key
    that overrides a merged one is fine; ``<<`` itself is never counted. A node reached twice
    (an anchor and its aliases) is checked once, at its first place in the document.
    """

    def load(self, refuse_in: Path | str | None = None) -> tuple[Any, list[RepeatedKey]]:
        """The data and its repeated keys; with ``refuse_in``, the first repeat is a
        ConfigError naming that source (raised before anything is constructed)."""
        node = self.get_single_node()
        if node is None:
            return None, []
        repeats: list[RepeatedKey] = []
        self._walk(node, "", set(), repeats)
        if repeats and refuse_in is not None:
            raise ConfigError(repeats[0].message(refuse_in))
        return self.construct_document(node), repeats

    def _walk(self, node: yaml.Node, place: str, seen: set[int], out: list[RepeatedKey]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, f"{place}[{i}]", seen, out)
        elif isinstance(node, yaml.MappingNode):
            first: dict[Any, yaml.Node] = {}
            for key_node, value_node in node.value:
                key = self._key(key_node)
                if key is not _NOT_COUNTED:
                    self._note(place, key, key_node, first, out)
                else:  # only named in the path of a repeat inside it
                    key = "<<" if key_node.tag == MERGE_TAG else "?"
                step = _join(place, key)
                self._walk(key_node, step, seen, out)
                self._walk(value_node, step, seen, out)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's, but a value its constructors cannot build (an impossible date such as
        2026-02-30, ``!!int x``) is a YAML error at the value's line, not a bare ValueError."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            what, fix = _TAGS.get(node.tag, (f"a {node.tag} value", "write a valid value"))
            problem = f"{node.value!r} is not {what} ({exc}); {fix}"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None

    def _key(self, key_node: yaml.Node) -> Any:
        """The key as Python sees it; _NOT_COUNTED for ``<<`` and non-scalar keys (those are
        left to PyYAML: an unhashable key is its error)."""
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == MERGE_TAG:
            return _NOT_COUNTED
        if key_node.tag == VALUE_TAG:
            key_node.tag = "tag:yaml.org,2002:str"  # as flatten_mapping does, a step early
        return self.construct_object(key_node)

    @staticmethod
    def _note(
        place: str, key: Any, node: yaml.Node, first: dict[Any, yaml.Node], out: list[RepeatedKey]
    ) -> None:
        try:
            earlier = first.setdefault(key, node)
        except TypeError:
            return
        if earlier is not node:
            at, was = node.start_mark, earlier.start_mark
            where = (at.line + 1, at.column + 1, was.line + 1, was.column + 1)
            out.append(RepeatedKey(place, key, *where))


_NOT_COUNTED = object()
_TAGS = {  # tag: (what the value is not, how to fix it)
    "tag:yaml.org,2002:timestamp": ("a real date", "write a valid YYYY-MM-DD date"),
    "tag:yaml.org,2002:int": ("a whole number", "write digits only"),
    "tag:yaml.org,2002:float": ("a number", "write a decimal number"),
}


def load_with_repeats(stream: str | IO[str]) -> tuple[Any, list[RepeatedKey]]:
    """Parse YAML exactly as yaml.safe_load does (of a repeated key, the last copy wins) and
    list every key written twice in one mapping, in document order. YAML errors are raised as
    yaml.YAMLError."""
    loader = _RepeatFinder(stream)
    try:
        return loader.load()
    finally:
        loader.dispose()


def load_strict(stream: str | IO[str], source: Path | str) -> Any:
    """Parse YAML like yaml.safe_load, but a key written twice in one mapping is a ConfigError
    naming ``source``, the key's path, both lines and the key (the first repeat in the
    document). Other YAML errors are raised as yaml.YAMLError."""
    loader = _RepeatFinder(stream)
    try:
        return loader.load(refuse_in=source)[0]
    finally:
        loader.dispose()


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; a missing or malformed file, or a key written twice, is a
    ConfigError naming it."""
    if not path.is_file():
        raise ConfigError(f"{path}: file not found; create it or point --config-dir elsewhere")
    try:
        with path.open(encoding="utf-8") as fh:
            return load_strict(fh, path)
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_problem(path, exc)) from None


def yaml_problem(source: Path | str, exc: yaml.YAMLError) -> str:
    """One line naming ``source``, the line and column and what is wrong with the YAML."""
    mark = getattr(exc, "problem_mark", None)
    where = f" line {mark.line + 1} column {mark.column + 1}:" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError):
        return f"{source}:{where} {problem}"
    return f"{source}:{where} malformed YAML ({problem}); fix the syntax"


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Node:
    """A value read from ``file`` at ``path`` (e.g. ``categories[3].time_limit``)."""

    def __init__(self, value: Any, file: Path | str, path: str = "") -> None:
        self.value = value
        self.file = str(file)
        self.path = path

    def error(self, message: str, key: str | None = None) -> ConfigError:
        where = self._join(key) if key is not None else self.path
        return ConfigError(f"{self.file}: {where or '<top>'}: {message}")

    def _join(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    # --- shape ------------------------------------------------------------------------------
    def mapping(self, allowed: Iterable[str], required: Iterable[str] = ()) -> Node:
        """Require a mapping with only ``allowed`` keys and all ``required`` ones."""
        allowed = set(allowed)
        if not isinstance(self.value, dict):
            raise self.error(f"expected a mapping, got {_show(self.value)}")
        for key in self.value:
            if not isinstance(key, str) or key not in allowed:
                hint = _suggest(str(key), allowed)
                raise self.error(
                    f"unknown key {key!r}{hint}; allowed: {', '.join(sorted(allowed))}"
                )
        for key in required:
            if key not in self.value:
                raise self.error(f"missing required key {key!r}")
        return self

    def items(self) -> Iterator[tuple[str, Node]]:
        if not isinstance(self.value, dict):
            raise self.error(f"expected a mapping, got {_show(self.value)}")
        for key, value in self.value.items():
            yield str(key), Node(value, self.file, self._join(str(key)))

    def seq(self, *, allow_single: bool = False) -> list[Node]:
        value = self.value
        if allow_single and not isinstance(value, list):
            value = [value]
        if not isinstance(value, list):
            raise self.error(f"expected a list, got {_show(value)}")
        return [Node(v, self.file, self._join(i)) for i, v in enumerate(value)]

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def child(self, key: str) -> Node:
        value = self.value.get(key) if isinstance(self.value, dict) else None
        return Node(value, self.file, self._join(key))

    # --- scalars ----------------------------------------------------------------------------
    def text(self, key: str, default: str | None = None) -> str:
        node = self.child(key)
        if node.value is None:
            if default is None:
                raise self.error("missing required key", key)
            return default
        if not isinstance(node.value, str | int) or isinstance(node.value, bool):
            raise node.error(f"expected text, got {_show(node.value)}")
        return str(node.value)

    def opt_text(self, key: str) -> str | None:
        return self.text(key) if self.child(key).value is not None else None

    def flag(self, key: str, default: bool) -> bool:
        value = self.child(key).value
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(f"expected true or false, got {_show(value)}", key)
        return value

    def number(self, key: str, default: float | None = None, *, positive: bool = True) -> float:
        value = self.child(key).value
        if value is None:
            if default is None:
                raise self.error("missing required key", key)
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"expected a number, got {_show(value)}", key)
        if not math.isfinite(value):
            raise self.error(f"expected a finite number, got {value!r}", key)
        if positive and not value > 0:
            raise self.error(f"must be positive, got {value!r}", key)
        return float(value)

    def texts(self, key: str) -> tuple[str, ...]:
        """A list of texts (a single text is accepted as a one-item list)."""
        node = self.child(key)
        if node.value is None:
            return ()
        out = []
        for item in node.seq(allow_single=True):
            if not isinstance(item.value, str | int) or isinstance(item.value, bool):
                raise item.error(f"expected text, got {_show(item.value)}")
            out.append(str(item.value))
        return tuple(out)

    def choice(self, key: str, choices: Iterable[str], default: str | None = None) -> str:
        choices = list(choices)
        value = self.text(key, default)
        if value not in choices:
            raise self.error(
                f"unknown value {value!r}{_suggest(value, choices)}; one of: {', '.join(choices)}",
                key,
            )
        return value


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}"


def check_ref(node: Node, key: str, value: str, known: Iterable[str], what: str) -> None:
    """Raise unless ``value`` is one of ``known`` (a reference to a unit, category, …)."""
    if isinstance(known, Mapping | AbstractSet) and value in known:
        return  # a big mapping (a city's cells) is asked, not copied
    known = set(known)
    if value not in known:
        raise node.error(f"unknown {what} {value!r}{_suggest(value, known)}", key)
