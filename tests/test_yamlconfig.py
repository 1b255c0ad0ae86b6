"""The strict YAML reader: every mistake is one ConfigError naming file, key path and value."""

from __future__ import annotations

import io
import re
import textwrap

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.settings import DEFAULTS_DIR
from gridops.yamlconfig import Node, check_ref, load_strict, load_with_repeats, read_yaml


def test_read_yaml_names_a_missing_or_malformed_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.yaml: file not found"):
        read_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml: line \d+ column \d+: malformed YAML"):
        read_yaml(bad)
    good = tmp_path / "good.yaml"
    good.write_text("名称: 浦东\nn: 3\n", encoding="utf-8")
    assert read_yaml(good) == {"名称": "浦东", "n": 3}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("days:\n  - 2026-01-01\n  - 2026-02-30\n", r"line 3 column 5: '2026-02-30' is not a "
         r"real date \(day is out of range for month\); write a valid YYYY-MM-DD date$"),
        ("n: !!int many\n", r"line 1 column 4: 'many' is not a whole number"),
        ("2026-02-31: x\n", r"line 1 column 1: '2026-02-31' is not a real date"),
    ],
)  # fmt: skip
def test_a_value_that_cannot_be_built_is_one_line_with_its_place(tmp_path, text, expected):
    bad = tmp_path / "roster.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^" + re.escape(str(bad)) + ": " + expected) as err:
        read_yaml(bad)
    assert "\n" not in str(err.value)
    with pytest.raises(yaml.YAMLError):  # the grid spec's reader: a YAML error, not ValueError
        load_with_repeats(text)


def test_unknown_and_missing_keys_name_the_path():
    root = Node({"units": [{"id": "a", "nmae": "x"}]}, "org.yaml")
    [unit] = root.mapping({"units"}).child("units").seq()
    with pytest.raises(ConfigError) as err:
        unit.mapping({"id", "name"}, {"id"})
    assert str(err.value) == (
        "org.yaml: units[0]: unknown key 'nmae' (did you mean 'name'?); allowed: id, name"
    )
    with pytest.raises(ConfigError, match=r"^org.yaml: units\[0\]: missing required key 'x'$"):
        unit.mapping({"id", "nmae", "x"}, {"x"})


def test_scalars_check_their_types_and_defaults():
    node = Node({"n": 2, "flag": "yes", "neg": -1, "name": 7, "many": "one"}, "f.yaml", "top")
    assert node.number("n") == 2.0 and node.number("absent", 5.0) == 5.0
    assert node.text("name") == "7" and node.text("absent", "d") == "d"
    assert node.opt_text("absent") is None and node.texts("many") == ("one",)
    assert node.flag("absent", True) is True
    with pytest.raises(ConfigError, match=r"^f.yaml: top.flag: expected true or false, got str"):
        node.flag("flag", False)
    with pytest.raises(ConfigError, match=r"^f.yaml: top.neg: must be positive, got -1$"):
        node.number("neg")
    with pytest.raises(ConfigError, match=r"^f.yaml: top.big: expected a finite number, got inf$"):
        Node({"big": float("inf")}, "f.yaml", "top").number("big")
    with pytest.raises(ConfigError, match=r"^f.yaml: top.absent: missing required key$"):
        node.text("absent")
    with pytest.raises(ConfigError, match=r"unknown value 'one' \(did you mean 'once'\?\)"):
        node.choice("many", ["once", "twice"])


def test_check_ref_suggests_the_nearest_known_name():
    node = Node({"unit": "dept-powr"}, "rules.yaml", "rules[2]")
    check_ref(node, "unit", "dept-power", {"dept-power"}, "unit")
    with pytest.raises(ConfigError, match=r"rules\[2\].unit: unknown unit 'dept-powr' \(did you"):
        check_ref(node, "unit", "dept-powr", {"dept-power", "dept-water"}, "unit")


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda kids: st.lists(kids, max_size=3), max_leaves=6))  # fmt: skip
def test_a_wrong_shape_is_always_a_config_error_never_a_crash(value):
    node = Node(value, "x.yaml")
    for read in (lambda: node.mapping({"a"}), lambda: node.text("a"), lambda: node.number("a"),
                 lambda: node.texts("a"), lambda: list(node.items())):  # fmt: skip
        try:
            read()
        except ConfigError as exc:
            assert str(exc).startswith("x.yaml: ")


# --- a key written twice: yaml.safe_load keeps the last one silently; we refuse it -----------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "time_limit: 2\nname: x\ntime_limit: 3\n",
            "time_limit: line 3 column 1: key 'time_limit'",
        ),
        ("units:\n  a:\n    name: x\n  b: {}\n  a: {}\n", "units.a: line 5 column 3: key 'a'"),
        (
            "rules:\n  - name: r\n    unit: u\n    unit: v\n",
            "rules[0].unit: line 4 column 5: key 'unit'",
        ),
        ("rules: [{name: r, 名称: 甲, 名称: 乙}]\n", "rules[0].名称: line 1 column 26: key '名称'"),
        ("1: a\n1.0: b\n", "1.0: line 2 column 1: key 1.0"),  # equal as Python keys
        ("a:\n  - [1, {b: {c: 1, c: 2}}]\n", "a[0][1].b.c: line 2 column 20: key 'c'"),
        ("base: &b {x: 1, x: 2}\nuse: {<<: *b}\n", "base.x: line 1 column 17: key 'x'"),
    ],
    ids=["top-level", "nested", "list-item", "flow", "equal-values", "deep", "anchor"],
)
def test_a_repeated_key_names_file_line_key_and_the_fix(tmp_path, text, where):
    path = tmp_path / "routing.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        read_yaml(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {where} is written twice in one mapping (first at line ")
    assert message.endswith("); keep one of them") and "\n" not in message


def test_the_message_names_the_first_line():
    with pytest.raises(ConfigError) as err:
        load_strict("a: 1\nb:\n  c: 1\na: 2\n", "org.yaml")
    assert str(err.value) == (
        "org.yaml: a: line 4 column 1: key 'a' is written twice in one mapping (first at line 1); "
        "keep one of them"
    )


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  x: 5\n",  # overriding a merged key is fine
        "a: &a {x: 1}\nb: {c: &c {<<: *a, x: 2}}\nuse: {<<: *c, y: 3}\n",  # merged before read
        "a: &a {x: 1}\nb: &b {y: 2}\nuse: {<<: [*a, *b], x: 3}\n",
        "=: 1\nb: 2\n",
        "same: 1\nnested: {same: 2}\nlist: [{same: 3}, {same: 4}]\n",
        "",
    ],
)
def test_merge_keys_and_other_valid_yaml_load_as_safe_load_does(text):
    assert load_strict(text, "f.yaml") == yaml.safe_load(text)


def test_other_yaml_errors_stay_yaml_errors():
    with pytest.raises(yaml.YAMLError):
        load_strict("a: [1, 2\n", "f.yaml")


def test_every_shipped_yaml_loads_strictly():
    files = sorted(DEFAULTS_DIR.rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert load_strict(text, path) == yaml.safe_load(text), path


KEYS = st.text(alphabet="abcxyz_名称单位", min_size=1, max_size=4)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet="ab :-#'1网格", max_size=6)
)
DATA = st.recursive(
    SCALARS, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(KEYS, kids, max_size=3),
    max_leaves=10,
)  # fmt: skip


def _dump(value: object) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=False)


@given(DATA)
def test_without_repeats_it_loads_what_safe_load_loads(value):
    text = _dump(value)
    assert load_strict(text, "f.yaml") == yaml.safe_load(text) == value


@given(st.dictionaries(KEYS, DATA, min_size=1, max_size=4), DATA, st.data(), st.booleans())
def test_a_dumped_mapping_with_one_key_repeated_is_always_refused(mapping, again, data, nested):
    key = data.draw(st.sampled_from(sorted(mapping)))
    first = _dump({"outer": mapping} if nested else mapping)
    text = first + textwrap.indent(_dump({key: again}), "  " if nested else "")
    line, column = first.count("\n") + 1, 3 if nested else 1
    path = re.escape(f"outer.{key}" if nested else key)
    with pytest.raises(ConfigError, match=rf"^f.yaml: {path}: line {line} column {column}: key "
                       rf"{re.escape(repr(key))} is written twice"):  # fmt: skip
        load_strict(text, "f.yaml")


def _mappings(value: object, node: yaml.Node, place: str = "") -> list[tuple[str, yaml.Node]]:
    """Every mapping of ``value`` with its place (``a[1].b``) and its node, in document order."""
    out: list[tuple[str, yaml.Node]] = []
    if isinstance(value, dict):
        out.append((place, node))
        for (key, item), (_, item_node) in zip(value.items(), node.value, strict=True):
            out += _mappings(item, item_node, f"{place}.{key}" if place else key)
    elif isinstance(value, list):
        for i, (item, item_node) in enumerate(zip(value, node.value, strict=True)):
            out += _mappings(item, item_node, f"{place}[{i}]")
    return out


@given(st.dictionaries(KEYS, DATA, min_size=1, max_size=4), st.data())
def test_a_key_repeated_at_any_place_is_named_by_its_path(value, data):
    dumper = yaml.SafeDumper(io.StringIO(), sort_keys=False)
    dumper.ignore_aliases = lambda _: True
    root = dumper.represent_data(value)
    place, mapping = data.draw(st.sampled_from([m for m in _mappings(value, root) if m[1].value]))
    key_node, _ = data.draw(st.sampled_from(mapping.value))
    mapping.value.append((yaml.ScalarNode(key_node.tag, key_node.value), yaml.ScalarNode(
        "tag:yaml.org,2002:str", "again")))  # fmt: skip
    text = yaml.serialize(root, Dumper=yaml.SafeDumper, allow_unicode=True)
    loaded, [repeat] = load_with_repeats(text)
    assert (repeat.place, repeat.key) == (place, key_node.value)
    assert repeat.path == (f"{place}.{key_node.value}" if place else key_node.value)
    assert loaded == yaml.safe_load(text)  # the last copy wins, as with yaml.safe_load
    with pytest.raises(ConfigError, match=rf"^f.yaml: {re.escape(repeat.path)}: line "):
        load_strict(text, "f.yaml")


def test_every_repeat_is_listed_in_document_order_and_the_last_copy_wins():
    text = "a: 1\nb:\n  - {c: 1, d: 2, c: 3}\na: 4\nb: []\n"
    loaded, repeats = load_with_repeats(text)
    assert loaded == yaml.safe_load(text) == {"a": 4, "b": []}
    assert [(r.path, r.line, r.column, r.first_line) for r in repeats] == [
        ("b[0].c", 3, 18, 3),
        ("a", 4, 1, 1),
        ("b", 5, 1, 2),
    ]


def test_a_repeat_is_refused_before_other_construction_errors():
    with pytest.raises(ConfigError, match=r"^f.yaml: a: line 2 column 1: key 'a'"):
        load_strict("a: 1\na: !unknown x\n", "f.yaml")
