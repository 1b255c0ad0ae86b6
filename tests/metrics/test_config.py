"""config/indicators.yaml is read strictly: errors name the file, the key and the value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gridops.errors import ConfigError
from gridops.metrics import load_indicator_config
from gridops.metrics.config import REPO_CONFIG


def write(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(REPO_CONFIG.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_config_loads():
    cfg = load_indicator_config(REPO_CONFIG)
    assert cfg.min_n == 30 and [g for g, _ in cfg.grades] == ["A", "B", "C", "D", "E"]
    assert sum(t.weight for t in cfg.terms) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.update(colour="red"), "unknown key 'colour'"),
        (
            lambda d: d["composite"]["terms"][1].update(term="close_rat"),
            "did you mean 'close_rate'",
        ),
        (lambda d: d["composite"]["terms"][0].update(weight=0.5), "add up to 1"),
        (lambda d: d["composite"]["grades"].reverse(), "top down"),
        (lambda d: d["composite"]["count_bands"][1].update(max=10), "above the band before"),
        (lambda d: d["composite"].update(min_n="many"), "composite.min_n"),
        (lambda d: d.update(satisfied_min=7), "satisfied_min"),
    ],
)
def test_bad_config_names_key_and_value(tmp_path: Path, edit, message: str):
    path = write(tmp_path, edit)
    with pytest.raises(ConfigError, match=str(path).replace("\\", "/")) as err:
        load_indicator_config(path)
    assert message in str(err.value)
