"""CSV locate: input columns plus codes and a status; bad rows never stop the run."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gridops.errors import UserError
from gridops.grids import Grid, load_grid
from gridops.grids.points import locate_csv
from grids.layers import box_grid


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> Grid:
    return load_grid(box_grid(tmp_path_factory.mktemp("boxes")))


def test_statuses_and_columns(grid: Grid, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "id,x,y,note\n1,0.25,0.25,a\n2,abc,1,b\n3,9,9,c\n4,,,d\n5,nan,1,e\n6,1,95,f\n7,3.5,3.5\n"
    )
    progress: list[int] = []
    counts = locate_csv(grid, src, tmp_path / "out.csv", "x", "y", progress=progress.append)
    assert counts == {"ok": 2, "outside": 1, "invalid": 4}
    rows = list(csv.reader((tmp_path / "out.csv").read_text().splitlines()))
    assert rows[0] == ["id", "x", "y", "note", "l1_code", "l2_code", "l3_code", "grid_status"]
    assert rows[1] == ["1", "0.25", "0.25", "a", "00", "0000", "000000", "ok"]
    assert [r[-1] for r in rows[1:]] == [
        "ok", "invalid", "outside", "invalid", "invalid", "invalid", "ok",
    ]  # fmt: skip
    assert rows[7][-4:] == ["11", "1133", "", "ok"]  # short row, in the level-3 gap
    assert progress and progress[-1] > 0


def test_chunks_give_the_same_answer(
    grid: Grid, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("lon,lat\n" + "".join(f"{k / 25},{k / 30}\n" for k in range(120)))
    locate_csv(grid, src, tmp_path / "a.csv", "lon", "lat")
    monkeypatch.setattr("gridops.grids.points.CHUNK_ROWS", 7)
    locate_csv(grid, src, tmp_path / "b.csv", "lon", "lat")
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_missing_column_and_nothing_half_written(grid: Grid, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("a,b\n1,2\n")
    out = tmp_path / "out.csv"
    with pytest.raises(UserError, match=r"no column 'lon' \(columns: a, b\)"):
        locate_csv(grid, src, out, "lon", "b")
    assert list(tmp_path.iterdir()) == [src]
    with pytest.raises(UserError, match="not found"):
        locate_csv(grid, tmp_path / "nope.csv", out, "a", "b")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(UserError, match="empty CSV"):
        locate_csv(grid, tmp_path / "empty.csv", out, "a", "b")
