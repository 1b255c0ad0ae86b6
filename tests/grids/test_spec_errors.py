"""A broken grid.yaml: every independent problem is reported, each with file, place and fix."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.grids.spec import SpecError, read_spec
from grids.layers import write_spec

BROKEN = """\
name: g
crs: Mars
levles: []
levels:
  - {level: 1, file: a.geojson, code: "{id", parnet: x}
  - {level: two, file: b.geojson}
  - {level: 4, code: [a, b], owner: "gw-{code}"}
overlays:
  - {name: z, file: z.geojson, code: x, cell_nme: y}
  - {name: z, file: z2.geojson}
  - just-a-string
"""

# (place, kind, words of the message: the key, the bad value, what to do)
EXPECTED = [
    ("top level", "spec-unknown-key", ["'levles'", "did you mean 'levels'"]),
    ("top level", "spec-bad-value", ["key 'crs'", "'Mars'", "use EPSG:4326"]),
    ("levels[0]", "spec-unknown-key", ["'parnet'", "did you mean 'parent'"]),
    ("levels[0]", "spec-bad-template", ["key 'code'", "'{id'", "literal brace"]),
    ("levels[1]", "spec-bad-value", ["key 'level'", "'two'", "write an integer"]),
    ("levels[1]", "spec-missing-key", ["key 'code'", 'code: "{id}"']),
    ("levels[2]", "spec-missing-key", ["key 'file'", "relative to grid.yaml"]),
    ("levels[2]", "spec-bad-value", ["key 'code'", "['a', 'b']", "text template"]),
    ("levels", "spec-level-order", ["[1, 'two', 4]", "number them [1, 2, 3]"]),
    ("overlays[0]", "spec-unknown-key", ["'cell_nme'", "did you mean 'cell_name'"]),
    ("overlays[1]", "spec-missing-key", ["key 'code'"]),
    ("overlays[2]", "spec-bad-value", ["'just-a-string'", "expected a mapping"]),
    ("overlays[1]", "spec-repeated-name", ["'z'", "overlays[0]", "its own name"]),
]


def test_every_mistake_is_reported_with_file_place_value_and_fix(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, BROKEN)
    with pytest.raises(SpecError) as info:
        read_spec(spec)
    issues = info.value.issues
    assert [(i.place, i.kind) for i in issues] == [(p, k) for p, k, _ in EXPECTED]
    for issue, (_, _, words) in zip(issues, EXPECTED, strict=True):
        assert issue.severity == "error" and issue.file == str(spec)
        assert all(w in issue.message for w in words), (issue.message, words)
    # callers that load a grid get one line: the first three and where to see the rest
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{spec}: top level: unknown key 'levles'")
    assert message.endswith(f"… and 10 more: run gridops grid check {spec}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: [unclosed\n", "broken YAML"),
        ("- name: g\n", "expected a mapping with name, crs, levels"),
        ("", "expected a mapping with name, crs, levels"),
    ],
)
def test_an_unreadable_spec_is_one_error(tmp_path: Path, text: str, expected: str) -> None:
    spec = write_spec(tmp_path, text)
    with pytest.raises(ConfigError, match=expected) as info:
        read_spec(spec)
    assert not isinstance(info.value, SpecError) and str(spec) in str(info.value)


def test_a_key_written_twice_on_one_line_is_named_by_its_columns(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "name: g\nlevels: [{level: 1, file: a, code: x, file: b}]\n")
    with pytest.raises(SpecError) as info:
        read_spec(spec)
    assert [(i.place, i.kind, i.message) for i in info.value.issues] == [
        ("levels[0]", "spec-repeated-key",
         "key 'file' is written twice: remove one of the two `file:` keys (line 2, columns 21 "
         "and 39)"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: g\n", ["missing key 'levels'"]),
        ("name: g\nlevels: 3\n", ["'levels' must be a non-empty list, got 3"]),
        ("levels: []\n", ["missing key 'name'", "'levels' must be a non-empty list, got []"]),
    ],
)
def test_no_usable_levels_list_is_one_problem(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    with pytest.raises(SpecError) as info:
        read_spec(write_spec(tmp_path, text))
    messages = [i.message for i in info.value.issues]
    assert len(messages) == len(expected)
    assert all(e in m for e, m in zip(expected, messages, strict=True)), messages


def _base() -> dict[str, Any]:
    return {
        "name": "g",
        "crs": "GCJ-02",
        "levels": [
            {"level": 1, "file": "l1.geojson", "code": "{id}", "name": "{n}", "owner": "sc-{code}"},
            {"level": 2, "file": "l2.geojson", "code": "{id}", "parent": "{up}"},
            {"level": 3, "file": "l3.geojson", "code": "{id}", "owner": "gw-{code}"},
        ],
        "overlays": [
            {"name": "port", "file": "p.geojson", "code": "{id}", "cell_name": "{label}"},
            {"name": "road", "file": "r.geojson", "code": "{id}"},
            {"name": "zone", "file": "z.geojson", "code": "{id}"},
        ],
    }


Doc = dict[str, Any]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Doc], None]:
    def apply(doc: Doc) -> None:
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return apply


def _drop(path: tuple[Any, ...]) -> Callable[[Doc], None]:
    def apply(doc: Doc) -> None:
        target = doc
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return apply


# independent mistakes: each gives exactly one problem at its place, whatever else is broken
BREAKS: dict[str, tuple[Callable[[Doc], None], str, str]] = {
    "top typo": (_set(("levles",), []), "top level", "spec-unknown-key"),
    "no name": (_drop(("name",)), "top level", "spec-missing-key"),
    "bad crs": (_set(("crs",), "Mars"), "top level", "spec-bad-value"),
    "l0 no code": (_drop(("levels", 0, "code")), "levels[0]", "spec-missing-key"),
    "l0 bad name": (_set(("levels", 0, "name"), "{n"), "levels[0]", "spec-bad-template"),
    "l1 bad level": (_set(("levels", 1, "level"), "two"), "levels[1]", "spec-bad-value"),
    "l1 typo": (_set(("levels", 1, "parnet"), "x"), "levels[1]", "spec-unknown-key"),
    "l2 no file": (_drop(("levels", 2, "file")), "levels[2]", "spec-missing-key"),
    "l2 list owner": (_set(("levels", 2, "owner"), ["a"]), "levels[2]", "spec-bad-value"),
    "order": (_set(("levels", 2, "level"), 4), "levels", "spec-level-order"),
    "o0 typo": (_set(("overlays", 0, "cell_nme"), "y"), "overlays[0]", "spec-unknown-key"),
    "o1 no code": (_drop(("overlays", 1, "code")), "overlays[1]", "spec-missing-key"),
    "o1 bad file": (_set(("overlays", 1, "file"), "{"), "overlays[1]", "spec-bad-template"),
    "o2 repeat": (_set(("overlays", 2, "name"), "port"), "overlays[2]", "spec-repeated-name"),
}


# keys no break drops, each written a second time: a broken first copy, the real one last
REPEATS: dict[tuple[Any, ...], str] = {
    ("levels",): "top level",
    ("overlays",): "top level",
    ("levels", 0, "file"): "levels[0]",
    ("levels", 2, "code"): "levels[2]",
    ("overlays", 2, "file"): "overlays[2]",
}


def _write_twice(text: str, paths: set[tuple[Any, ...]]) -> str:
    """``text`` with each key at ``paths`` written twice: first with a broken value."""
    root = yaml.compose(text)
    for path in paths:
        mapping = root
        for step in path[:-1]:
            if isinstance(step, int):
                mapping = mapping.value[step]
            else:
                mapping = [v for k, v in mapping.value if k.value == step][-1]  # last wins
        broken = yaml.ScalarNode("tag:yaml.org,2002:str", "{broken")
        mapping.value.insert(0, (yaml.ScalarNode("tag:yaml.org,2002:str", path[-1]), broken))
    return yaml.serialize(root, allow_unicode=True)


@settings(max_examples=60, deadline=None)
@given(
    broken=st.sets(st.sampled_from(sorted(BREAKS))),
    repeated=st.sets(st.sampled_from(sorted(REPEATS, key=str))),
)
def test_breaking_any_subset_of_keys_reports_exactly_those_problems(
    broken: set[str], repeated: set[tuple[Any, ...]]
) -> None:
    doc = copy.deepcopy(_base())
    for name in broken:
        BREAKS[name][0](doc)
    expected = sorted((BREAKS[name][1], BREAKS[name][2]) for name in broken)
    expected = sorted(expected + [(REPEATS[path], "spec-repeated-key") for path in repeated])
    text = _write_twice(yaml.safe_dump(doc, allow_unicode=True), repeated)
    with tempfile.TemporaryDirectory() as folder:
        spec = write_spec(Path(folder), text)
        if not expected:
            assert len(read_spec(spec).levels) == 3
            return
        with pytest.raises(SpecError) as info:
            read_spec(spec)
    assert sorted((i.place, i.kind) for i in info.value.issues) == expected
