"""The category taxonomy: seeded from the reference, inherited fields, strict loading."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gridops.errors import ConfigError
from gridops.org import OpsConfig, load_ops_config
from gridops.org.categories import DEFAULT_VERIFY_LIMIT
from gridops.org.gridview import PlainGrid
from gridops.tickets.vocabulary import ClockType, Kind, TimeLimit

REFERENCE_CODES = {
    Kind.COMPONENT: "0101 0102 0103 0104 0105 0106 0113 0115 0118 0121 0201 0203 0205 0209 0214"
    " 0301 0305 0307 0401 0402 0405 0501 0502",
    Kind.EVENT: "0101 0102 0103 0104 0105 0106 0201 0202 0301 0302 0304 0401 0403 0411 0501 0504"
    " 0505 0506 0507",
}


def test_every_reference_class_and_category_is_seeded(config: OpsConfig) -> None:
    tax = config.taxonomy
    for kind, codes in REFERENCE_CODES.items():
        for code in codes.split():
            cat = tax.categories[f"{kind.letter}{code}"]
            assert cat.kind is kind and cat.zh and cat.en and cat.departments
    classes = {c[1:] for c in tax.classes if c.startswith("C")}
    assert classes == {"01", "02", "03", "04", "05", "06"}
    assert {c[1:] for c in tax.classes if c.startswith("E")} == {"01", "02", "03", "04", "05"}


def test_limits_follow_the_workflow_reference(config: OpsConfig) -> None:
    cats = config.taxonomy.categories
    assert cats["E0102"].time_limit == TimeLimit(4, ClockType.WORKING_HOURS)  # exposed garbage
    assert cats["E0104"].time_limit == TimeLimit(2, ClockType.WORKING_HOURS)  # road cleaning
    assert cats["E0101"].time_limit == TimeLimit(20, ClockType.WORKING_DAYS)  # illegal building
    assert cats["E0401"].time_limit.clock is ClockType.HOURS  # road collapse: urgent hours
    assert cats["E0102"].duplicate_radius_m == 50 and cats["E0102"].duplicate_window_h == 24


def test_fields_are_inherited_from_class_then_defaults(config: OpsConfig) -> None:
    fire = config.taxonomy.categories["E0411"]
    assert fire.priority == "urgent" and fire.escalation == "urgent"  # from class E04
    assert fire.joint_group == "jeg-emergency"
    assert config.taxonomy.categories["C0118"].verify_public  # from defaults


def test_verification_limits_come_from_the_category_then_defaults(config: OpsConfig) -> None:
    cats = config.taxonomy.categories
    assert cats["E0103"].verify_limit == TimeLimit(2, ClockType.WORKING_HOURS)  # defaults
    assert cats["C0101"].verify_limit == TimeLimit(1, ClockType.HOURS)  # its own: urgent


def test_without_any_verify_limit_the_built_in_default_holds(
    grid: PlainGrid, config_copy: Callable[..., Path]
) -> None:
    path = config_copy("categories.yaml", "  verify_limit: {amount: 2, clock: working_hours}\n", "")
    text = (path / "categories.yaml").read_text(encoding="utf-8")
    for line in [x for x in text.splitlines() if "verify_limit: {amount: 1" in x]:
        text = text.replace(",\n" + line, "}")  # the entry ends on that line
    (path / "categories.yaml").write_text(text, encoding="utf-8")
    assert "verify_limit:" not in text
    cats = load_ops_config(path, grid).taxonomy.categories
    assert {c.verify_limit for c in cats.values()} == {DEFAULT_VERIFY_LIMIT}
    assert TimeLimit(1, ClockType.WORKING_DAYS) == DEFAULT_VERIFY_LIMIT


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    departments: [dept-water]\n",
            "    departmnets: [dept-water]\n",
            "unknown key 'departmnets' (did you mean 'departments'?)",
        ),
        ("code: C0102,", "code: C0101,", "duplicate category code 'C0101'"),
        (
            "departments: [dept-power]",
            "departments: [dept-powr]",
            "unknown department 'dept-powr' (did you mean 'dept-power'?)",
        ),
        ("clock: hours}}", "clock: hourz}}", "unknown value 'hourz'"),
        ("code: C0201,", "code: C0301,", "must be C02 + 2 or 3 digits"),
        ("priority: high,", "priority: 3,", "unknown value '3'"),
        ("joint_group: jeg-construction-site", "joint_group: jeg-nobody", "unknown joint group"),
        ("on_site: true\n", "on_site: yes please\n", "expected true or false"),
        (
            "verify_limit: {amount: 2, clock: working_hours}",
            "verify_limit: {amount: -2, clock: working_hours}",
            "defaults.verify_limit.amount: must be positive, got -2",
        ),
        (
            "verify_limit: {amount: 2, clock: working_hours}",
            "verify_limit: {amount: 2, clock: fortnights}",
            "defaults.verify_limit.clock: unknown value 'fortnights'",
        ),
        (
            "verify_limit: {amount: 1, clock: hours}}",
            "verify_limit: {amount: 1, clock: hours, by: gw}}",
            "classes[0].categories[0].verify_limit: unknown key 'by'",
        ),
        ("verify_limit: {amount: 1, clock: hours}}", "verify_limit: 24}", "expected a mapping"),
    ],
)
def test_bad_categories_name_file_key_and_value(
    grid: PlainGrid, config_copy: Callable[..., Path], old: str, new: str, message: str
) -> None:
    path = config_copy("categories.yaml", old, new)
    with pytest.raises(ConfigError, match="categories.yaml") as err:
        load_ops_config(path, grid)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_malformed_yaml_names_the_line(grid: PlainGrid, config_copy: Callable[..., Path]) -> None:
    path = config_copy("categories.yaml", "classes:\n", "classes: [\n")
    with pytest.raises(ConfigError, match=r"categories.yaml: line \d+ column \d+: malformed YAML"):
        load_ops_config(path, grid)


def test_missing_file_is_named(grid: PlainGrid, config_copy: Callable[..., Path]) -> None:
    path = config_copy()
    (path / "routing.yaml").unlink()
    with pytest.raises(ConfigError, match="routing.yaml: file not found"):
        load_ops_config(path, grid)


def test_the_escalation_default_is_the_categorys_joint_group(config: OpsConfig) -> None:
    """Not the alphabetically first group whatever the category: the decision's group, else the
    category's own or its class's, else none (the dispatcher picks)."""
    from gridops.org.categories import escalation_group

    cats = config.taxonomy.categories
    assert escalation_group(cats["E0506"]) == "jeg-street-order"  # its own
    assert escalation_group(cats["E0401"]) == "jeg-emergency"  # from its class E04
    assert escalation_group(cats["E0302"]) == "jeg-construction-site"
    assert escalation_group(cats["E0102"]) is None  # exposed garbage: no joint group
    assert escalation_group(cats["E0102"], "jeg-street-order") == "jeg-street-order"
    assert escalation_group(None) is None


def test_field_app_settings_come_from_the_category_then_defaults(
    grid: PlainGrid, config_copy: Callable[..., Path]
) -> None:
    path = config_copy(
        "categories.yaml",
        "{code: E0102, zh: 暴露垃圾, en: exposed garbage, verify_public: false}",
        "{code: E0102, zh: 暴露垃圾, en: exposed garbage, verify_public: false,\n"
        "         presence_radius_m: 50, photos_before_after: true}",
    )
    cats = load_ops_config(path, grid).taxonomy.categories
    assert (cats["E0102"].presence_radius_m, cats["E0102"].photos_before_after) == (50, True)
    assert (cats["E0104"].presence_radius_m, cats["E0104"].photos_before_after) == (200, False)
