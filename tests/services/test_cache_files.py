"""The cache keeps the most recently used few of each kind and drops the rest."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.services.cache_files import prune, used


def made(folder: Path, name: str, mtime: float) -> Path:
    path = folder / name
    path.write_text("x")
    os.utime(path, (mtime, mtime))
    return path


@settings(max_examples=40, deadline=None)
@given(
    ages=st.lists(st.integers(0, 10_000), min_size=0, max_size=12, unique=True),
    keep=st.integers(0, 6),
)
def test_prune_keeps_the_newest_of_its_kind_only(tmp_path_factory, ages, keep) -> None:
    folder = tmp_path_factory.mktemp("cache")
    packs = [made(folder, f"grid-{i}.pack", 1e9 + age) for i, age in enumerate(ages)]
    locks = [made(folder, f"grid-{i}.lock", 1e9) for i in range(len(ages))]
    other = [made(folder, "proof-a.ok", 1.0), made(folder, "check-a.json", 1.0)]
    newest = sorted(packs, key=lambda p: p.stat().st_mtime, reverse=True)[:keep]
    removed = prune(folder, "grid-", ".pack", keep=keep)
    assert sorted(p.name for p in folder.glob("*.pack")) == sorted(p.name for p in newest)
    assert {p.name for p in removed} == {p.name for p in packs} - {p.name for p in newest}
    assert {p.stem for p in folder.glob("grid-*.lock")} == {p.stem for p in newest}
    assert all(p.exists() for p in other)  # other kinds are not touched
    assert len(locks) == len(packs)


def test_a_use_makes_an_old_file_the_last_to_go(tmp_path: Path) -> None:
    old = made(tmp_path, "proof-old.ok", 1e9)
    for i in range(3):
        made(tmp_path, f"proof-{i}.ok", 1e9 + 10 + i)
    used(old)
    prune(tmp_path, "proof-", ".ok", keep=1)
    assert [p.name for p in tmp_path.iterdir()] == ["proof-old.ok"]


def test_a_missing_folder_prunes_nothing(tmp_path: Path) -> None:
    assert prune(tmp_path / "none", "check-", ".json") == []
