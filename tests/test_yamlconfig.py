"""The strict YAML reader: every mistake is one ConfigError naming file, key path and value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.yamlconfig import Node, check_ref, read_yaml


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
