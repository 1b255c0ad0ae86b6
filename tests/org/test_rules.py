"""routing.yaml: ordered rules, explicit default, every reference checked at load."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from pathlib import Path

import pytest

from gridops.errors import ConfigError
from gridops.org import OpsConfig, load_ops_config
from gridops.org.gridview import PlainGrid
from gridops.tickets.vocabulary import Source


def test_rules_keep_their_order_and_the_default_is_last(config: OpsConfig) -> None:
    ids = [r.id for r in config.rules.all]
    assert ids[0] == "emergency" and ids[-1] == "default"
    assert [r.position for r in config.rules.all] == list(range(len(ids)))
    night = next(r for r in config.rules.rules if r.id == "night-construction-noise")
    assert night.match.hours == (time(22), time(6))
    assert not night.match.static
    self_report = next(r for r in config.rules.rules if r.id == "grid-worker-on-site")
    assert self_report.match.sources == {Source.GRID_WORKER}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("match: {class: E04}", "match: {clas: E04}", "unknown key 'clas' (did you mean 'class'?)"),
        ("match: {class: E04}", "match: {class: E09}", "unknown category class 'E09'"),
        ("match: {category: E0101}", "match: {category: E0199}", "unknown category 'E0199'"),
        ('hours: "22:00-06:00"', 'hours: "late"', "expected 'HH:MM-HH:MM'"),
        ("cells: [310115005]", "cells: [310115999]", "unknown grid cell '310115999'"),
        ("sources: [grid_worker]", "sources: [pigeon]", "unknown source 'pigeon'"),
        (
            "targets: [department]\n    pool",
            "targets: [departement]\n    pool",
            "unknown target 'departement'",
        ),
        ("{branch: dept-ecology}", "{branch: dept-ecolgy}", "unknown department 'dept-ecolgy'"),
        (
            "targets: [department, {locality: 1}]",
            "targets: [department, {locality: 7}]",
            "no grid level 7",
        ),
        ("  - id: construction\n", "  - id: emergency\n", "duplicate rule id 'emergency'"),
        (
            "default:\n  id: default\n",
            "default:\n  id: default\n  match: {kind: event}\n",
            "remove its 'match'",
        ),
        ("overlays: [devzone]", "overlays: [devzone/pudong]", "unknown cell of overlay layer"),
    ],
)
def test_bad_rules_name_file_key_and_value(
    grid: PlainGrid, config_copy: Callable[..., Path], old: str, new: str, message: str
) -> None:
    path = config_copy("routing.yaml", old, new)
    with pytest.raises(ConfigError, match="routing.yaml") as err:
        load_ops_config(path, grid)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_every_shipped_rule_says_what_it_does_in_both_languages(config: OpsConfig) -> None:
    """zh / en (optional keys) are what the console shows for a matched rule."""
    for rule in (*config.rules.rules, config.rules.default):
        assert rule.zh and rule.en and rule.zh != rule.en, rule.id
    assert config.rules.default.zh.startswith("无专门规则")
