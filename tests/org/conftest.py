"""A small hand-made grid (plain data) with the codes the shipped config names, and helpers to
write variants of the shipped configuration."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import strategies as st

from gridops.org import OpsConfig, PlainCell, PlainGrid, RoutingFacts, load_ops_config
from gridops.settings import DEFAULT_CONFIG_DIR
from gridops.tickets.vocabulary import Source

L1 = ("310115005", "310115125")  # 陆家嘴 Lujiazui, 张江镇 Zhangjiang


def small_grid() -> PlainGrid:
    """2 level-1 cells × 2 level-2 × 3 level-3, and the sample's overlay layers."""
    cells = []
    for l1, name in zip(L1, ("陆家嘴街道 Lujiazui", "张江镇 Zhangjiang"), strict=True):
        cells.append(PlainCell(l1, 1, None, name, f"sc-{l1}"))
        for j in (1, 2):
            l2 = f"{l1}{j:03d}"
            cells.append(PlainCell(l2, 2, l1, f"第{j}居委 (community {j})", f"ws-{l2}"))
            for k in (1, 2, 3):
                l3 = f"{l2}{k:03d}"
                cells.append(PlainCell(l3, 3, l2, l3, f"gw-{l3}"))
    overlays = {
        "devzone": [
            PlainCell("zhangjiang", 0, None, "张江科学城", "zone-zhangjiang"),
            PlainCell("lingang", 0, None, "临港新片区", "zone-lingang"),
        ],
        "expressway": [PlainCell("outer-ring", 0, None, "S20 外环", "roadco-outer-ring")],
    }
    return PlainGrid(cells, overlays)


@pytest.fixture(scope="session")
def facts(config: OpsConfig) -> st.SearchStrategy[RoutingFacts]:
    """Random routing facts on the small grid."""
    return random_facts(config)


@st.composite
def random_facts(draw: st.DrawFn, config: OpsConfig) -> RoutingFacts:
    """Random facts: any category, any level-3 cell (sometimes only level 1), overlays,
    sources, times, priorities, intake units and returns."""
    l3 = draw(st.sampled_from(sorted(c.code for c in config.grid.cells_at(3))))
    cell = config.grid.cells[l3]
    l2 = config.grid.cells[cell.parent or ""]
    cells: tuple[str, ...] = (l2.parent or "", l2.code, l3)
    cells = draw(st.sampled_from([cells, cells, cells, cells[:1], cells[:2]]))
    overlay_pairs = [(k, c.code) for k, v in config.grid.overlays.items() for c in v]
    units = sorted(config.org.units)
    return RoutingFacts(
        category=draw(st.sampled_from(sorted(config.taxonomy.categories))),
        cells=cells,
        overlays=tuple(draw(st.lists(st.sampled_from(overlay_pairs), max_size=2, unique=True))),
        source=draw(st.none() | st.sampled_from(list(Source))),
        local_time=draw(st.none() | st.times()),
        priority=draw(st.none() | st.sampled_from(["low", "normal", "high", "urgent"])),
        intake_unit=draw(st.none() | st.sampled_from(units)),
        returned_by=frozenset(draw(st.lists(st.sampled_from(units), max_size=3))),
    )


@pytest.fixture(scope="session")
def grid() -> PlainGrid:
    return small_grid()


@pytest.fixture(scope="session")
def config(grid: PlainGrid) -> OpsConfig:
    """The shipped configuration on the small grid."""
    return load_ops_config(DEFAULT_CONFIG_DIR, grid)


@pytest.fixture
def config_copy(tmp_path: Path) -> Callable[..., Path]:
    """Copy the shipped config to a temp dir, replacing text in one file: edit(file, old, new)."""

    def edit(file: str | None = None, old: str = "", new: str = "") -> Path:
        target = tmp_path / "config"
        if not target.exists():
            shutil.copytree(DEFAULT_CONFIG_DIR, target)
        if file is not None:
            path = target / file
            text = path.read_text(encoding="utf-8")
            assert old in text, f"{old!r} not in {file}"
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return target

    return edit
