"""Locate the points of a CSV file: write the input columns plus one code per level and a
status (``ok``, ``outside``, ``invalid`` for rows without usable coordinates). Bad rows never
stop the run; the output is written to a temporary file and renamed only when complete.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gridops.errors import UserError
from gridops.grids.model import Grid

CHUNK_ROWS = 50_000


def _parse(values: list[str]) -> np.ndarray:
    """Floats, NaN where a value is not a number."""
    try:
        return np.asarray(values, dtype=float)
    except ValueError:
        pass
    out = np.full(len(values), np.nan)
    for k, v in enumerate(values):
        with contextlib.suppress(TypeError, ValueError):
            out[k] = float(v)
    return out


class _Counted:
    """Lines of a text file, counting the characters handed out (for a progress bar)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.chars = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.chars += len(line)
        return line


def _chunks(reader: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    chunk: list[list[str]] = []
    for row in reader:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def locate_csv(
    grid: Grid,
    in_path: Path,
    out_path: Path,
    lon_col: str,
    lat_col: str,
    crs: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Locate every row of ``in_path`` into ``out_path``; returns counts per status.

    ``progress`` is called with the number of input characters read so far.
    """
    if not in_path.is_file():
        raise UserError(f"{in_path}: input CSV not found")
    counts = {"ok": 0, "outside": 0, "invalid": 0}
    tmp = out_path.with_name(out_path.name + ".tmp")
    try:
        with (
            in_path.open(newline="", encoding="utf-8-sig") as src,
            tmp.open("w", newline="", encoding="utf-8") as dst,
        ):
            counted = _Counted(src)
            reader = csv.reader(counted)
            header = next(reader, None)
            if not header:
                raise UserError(f"{in_path}: empty CSV, expected a header row")
            for col in (lon_col, lat_col):
                if col not in header:
                    raise UserError(f"{in_path}: no column {col!r} (columns: {', '.join(header)})")
            ix, iy = header.index(lon_col), header.index(lat_col)
            writer = csv.writer(dst)
            names = [f"l{lv}_code" for lv in range(1, grid.levels + 1)]
            writer.writerow([*header, *names, "grid_status"])
            for rows in _chunks(reader, CHUNK_ROWS):
                _locate_rows(grid, rows, ix, iy, crs, writer, counts)
                if progress is not None:
                    progress(counted.chars)
        os.replace(tmp, out_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return counts


def _locate_rows(
    grid: Grid,
    rows: list[list[str]],
    ix: int,
    iy: int,
    crs: str | None,
    writer: Any,
    counts: dict[str, int],
) -> None:
    def cell(row: list[str], i: int) -> str:
        return row[i] if i < len(row) else ""

    x = _parse([cell(r, ix) for r in rows])
    y = _parse([cell(r, iy) for r in rows])
    usable = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    codes = grid.locate_many(np.where(usable, x, np.nan), np.where(usable, y, np.nan), crs=crs)
    inside = codes[0] != ""
    status = np.where(~usable, "invalid", np.where(inside, "ok", "outside"))
    for k in ("ok", "outside", "invalid"):
        counts[k] += int((status == k).sum())
    columns = [c.tolist() for c in codes]
    out_rows = ([*row, *(col[k] for col in columns), status[k]] for k, row in enumerate(rows))
    writer.writerows(out_rows)
