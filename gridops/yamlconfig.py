"""Strict reading of configuration YAML (配置): configuration is data, validated when loaded.

Unknown keys, wrong types and bad references are :class:`gridops.errors.ConfigError` naming the
file, the key path and the value (a typo is never silently ignored). Used by gridops.org
(categories, org chart, routing, escalation, roster) and gridops.metrics (indicators, mapping).
:func:`load_strict` (a key written twice in one mapping is an error, where yaml.safe_load keeps
the last) is also how the grid spec and the work calendar are parsed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import yaml

from gridops.errors import ConfigError

MERGE_TAG = "tag:yaml.org,2002:merge"
VALUE_TAG = "tag:yaml.org,2002:value"  # a plain ``=`` key; PyYAML reads it as the text "="


class _RepeatedKey(Exception):
    """Raised by :class:`_StrictLoader`; :func:`load_strict` turns it into a ConfigError."""

    def __init__(self, key: Any, first: yaml.Node, again: yaml.Node) -> None:
        super().__init__(key)
        self.key, self.first, self.again = key, first, again


class _StrictLoader(yaml.SafeLoader):
    """yaml.SafeLoader, except that a key written twice in one mapping is refused.

    The check runs on each mapping as written, before merge keys (``<<: *base``) are expanded,
    so a key that overrides a merged one is fine; ``<<`` itself is never counted.
    """

    def __init__(self, stream: str | IO[str]) -> None:
        super().__init__(stream)
        self._checked: set[int] = set()

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        # the first call sees the mapping as written (later ones see it with merges expanded)
        if id(node) not in self._checked:
            self._checked.add(id(node))
            self._refuse_repeats(node)
        super().flatten_mapping(node)

    def _refuse_repeats(self, node: yaml.MappingNode) -> None:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == MERGE_TAG:
                continue  # complex keys: left to PyYAML (an unhashable key is its error)
            if key_node.tag == VALUE_TAG:
                key_node.tag = "tag:yaml.org,2002:str"  # as flatten_mapping does, a step early
            key = self.construct_object(key_node)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue
            if first is not key_node:
                raise _RepeatedKey(key, first, key_node)


def load_strict(stream: str | IO[str], source: Path | str) -> Any:
    """Parse YAML like yaml.safe_load, but a key written twice in one mapping is a ConfigError
    naming ``source``, both lines and the key. Other YAML errors are raised as yaml.YAMLError."""
    loader = _StrictLoader(stream)
    try:
        return loader.get_single_data()
    except _RepeatedKey as exc:
        at, first = exc.again.start_mark, exc.first.start_mark
        raise ConfigError(
            f"{source}: line {at.line + 1} column {at.column + 1}: key {exc.key!r} is written "
            f"twice in one mapping (first at line {first.line + 1}); keep one of them"
        ) from None
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
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where}: malformed YAML ({problem}); fix the syntax") from None


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
    known = set(known)
    if value not in known:
        raise node.error(f"unknown {what} {value!r}{_suggest(value, known)}", key)
