"""The totality proof runs once per content of (grid, configuration, routing code): a second
load of the same files skips it, any changed byte proves again, a failed proof records
nothing, and the verdicts are private files."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

import gridops.org.check as check_module
from gridops.errors import ConfigError
from gridops.grids import load_grid
from gridops.org.decision import RoutingFacts
from gridops.services.proof_cache import content_key, load_proven_ops_config, verdict_file
from gridops.settings import DEFAULT_CONFIG_DIR, DEFAULT_GRID


@pytest.fixture(scope="module")
def grid():  # noqa: ANN201
    return load_grid(DEFAULT_GRID)


@pytest.fixture
def proofs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the proofs that run."""
    ran: list[int] = []
    real = check_module.check_config

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        ran.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(check_module, "check_config", counted)
    return ran


def test_the_same_content_is_proved_once(tmp_path: Path, grid, proofs: list[int]) -> None:  # noqa: ANN001
    data = tmp_path / "data"
    first = load_proven_ops_config(DEFAULT_CONFIG_DIR, grid, grid_path=DEFAULT_GRID, data_dir=data)
    again = load_proven_ops_config(DEFAULT_CONFIG_DIR, grid, grid_path=DEFAULT_GRID, data_dir=data)
    assert proofs == [1]
    verdict = verdict_file(data, content_key(DEFAULT_GRID, DEFAULT_CONFIG_DIR))
    assert stat.S_IMODE(verdict.stat().st_mode) == 0o600
    assert stat.S_IMODE(verdict.parent.stat().st_mode) == 0o700
    cells = [c for c in grid.cells.values() if c.level == 3][:5]
    for cell in cells:  # the load that skipped the proof routes as the proved one
        for category in list(first.taxonomy.categories)[:20]:
            facts = RoutingFacts(category, _lineage(grid, cell.code))
            assert again.table.route(facts) == first.table.route(facts)


def _lineage(grid, code: str) -> tuple[str, ...]:  # noqa: ANN001
    out = []
    while code:
        out.append(code)
        code = grid.cells[code].parent or ""
    return tuple(reversed(out))


def test_a_changed_byte_proves_again(tmp_path: Path, grid, proofs: list[int]) -> None:  # noqa: ANN001
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    data = tmp_path / "data"
    load_proven_ops_config(config, grid, grid_path=DEFAULT_GRID, data_dir=data)
    key = content_key(DEFAULT_GRID, config)
    with (config / "routing.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# edited\n")
    assert content_key(DEFAULT_GRID, config) != key
    load_proven_ops_config(config, grid, grid_path=DEFAULT_GRID, data_dir=data)
    assert proofs == [1, 1]


def test_a_failed_proof_records_nothing(
    tmp_path: Path,
    grid,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    def refuses(config):  # noqa: ANN001, ANN202
        raise ConfigError("routing.yaml: cell 1 × 城市道路: no owner")

    monkeypatch.setattr(check_module, "check_config", refuses)
    data = tmp_path / "data"
    with pytest.raises(ConfigError, match="no owner"):
        load_proven_ops_config(DEFAULT_CONFIG_DIR, grid, grid_path=DEFAULT_GRID, data_dir=data)
    assert not (data / "cache").exists() or not any((data / "cache").iterdir())
