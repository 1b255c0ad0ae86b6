"""A loaded grid packed into one file (网格包) that any number of processes map read-only.

Reading a city's grid from its GeoJSON/Shapefile layers costs seconds and hundreds of MB per
process (parsing, conversion, parent linking). The pack holds the result: per layer the cells'
codes, names, owners and parents as fixed-width string arrays, areas, and the outlines as WKB.
A process maps the file, decodes the outlines (a fraction of a second) and makes a Cell only
when one is asked for; the string columns stay pages of the file, shared by every process.

Layout (all integers little-endian)::

    MAGIC (16 bytes) · u32 FORMAT · u32 header length · header (JSON) · arrays · crc32 (u32)

The header names the content key the pack was made for, the grid's name, CRS and layers, and
each array's dtype, length and offset (arrays start on page boundaries). :func:`read_pack`
refuses — with :class:`PackRefused` saying why — a file that is not a pack, of another format,
for another key, truncated, or whose checksum does not match.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from gridops.grids.layer import COLUMNS, Layer, wkb_column
from gridops.grids.model import Grid

MAGIC = b"GRIDOPS-GRIDPACK"
FORMAT = 1
ALIGN = mmap.PAGESIZE
_HEAD = struct.Struct("<16sII")
_TAIL = struct.Struct("<I")


class PackRefused(Exception):
    """A pack that cannot be used; the message says why."""


def write_pack(grid: Grid, path: Path, key: str) -> None:
    """Write ``grid`` to ``path`` for content ``key``: to a private temporary file beside it,
    then renamed over it, so a reader sees the old file, the new one or none — never half."""
    blobs: list[np.ndarray] = []
    arrays: dict[str, dict[str, Any]] = {}
    layers: list[dict[str, Any]] = []
    offset = 0

    def add(name: str, data: np.ndarray) -> None:
        nonlocal offset
        raw = np.ascontiguousarray(data)
        arrays[name] = {"dtype": raw.dtype.str, "count": int(raw.size), "offset": offset}
        blobs.append(raw.reshape(-1).view(np.uint8))
        offset += _aligned(raw.nbytes)

    parts = [(f"level{lv}", lv, grid.layers[lv]) for lv in sorted(grid.layers)]
    parts += [(f"overlay:{n}", 0, ly) for n, ly in grid.overlay_layers.items()]
    for name, level, layer in parts:
        layers.append({"name": name, "level": level, "overlay": name.partition(":")[2]})
        for column in COLUMNS:
            add(f"{name}/{column}", layer.columns[column])
        wkb, offsets = wkb_column(layer.geoms)
        add(f"{name}/wkb", np.frombuffer(wkb, dtype=np.uint8))
        add(f"{name}/wkb_offsets", offsets)
    header = json.dumps(
        {"key": key, "name": grid.name, "crs": grid.crs, "layers": layers, "arrays": arrays},
        ensure_ascii=False,
    ).encode()
    start = _aligned(_HEAD.size + len(header))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            crc = _write(fh, _HEAD.pack(MAGIC, FORMAT, len(header)) + header, start, 0)
            for blob in blobs:
                crc = _write(fh, blob.tobytes(), _aligned(blob.size), crc)
            fh.write(_TAIL.pack(crc))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_pack(path: Path, key: str) -> Grid:
    """The grid packed in ``path`` for ``key``; raises PackRefused (why) or OSError."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD.size)
        if len(head) < _HEAD.size or head[:16] != MAGIC:
            raise PackRefused("not a gridops grid pack")
        _, fmt, size = _HEAD.unpack(head)
        if fmt != FORMAT:
            raise PackRefused(f"format {fmt}, this gridops reads format {FORMAT}")
        raw = fh.read(size)
        try:
            header = json.loads(raw)
        except ValueError:
            raise PackRefused("its header is damaged") from None
        if header.get("key") != key:
            raise PackRefused("made for other grid content (another key)")
        total = os.fstat(fh.fileno()).st_size
        body = _body_size(header, _aligned(_HEAD.size + size))
        if total != body + _TAIL.size:
            raise PackRefused(f"{total} bytes, expected {body + _TAIL.size} (truncated?)")
        fh.seek(0)
        crc = 0
        left = body
        while left:
            block = fh.read(min(left, 1 << 22))
            crc, left = zlib.crc32(block, crc), left - len(block)
        if _TAIL.unpack(fh.read(_TAIL.size))[0] != crc:
            raise PackRefused("its checksum does not match (damaged)")
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    start = _aligned(_HEAD.size + size)
    levels: dict[int, Layer] = {}
    overlays: dict[str, Layer] = {}
    for spec in header["layers"]:
        name = spec["name"]

        def array(column: str, name: str = name) -> np.ndarray:
            info = header["arrays"][f"{name}/{column}"]
            return np.frombuffer(mapped, dtype=np.dtype(info["dtype"]),
                                 count=info["count"], offset=start + info["offset"])  # fmt: skip

        wkb, offsets = array("wkb"), array("wkb_offsets")
        bounds = zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
        parts = np.array([wkb[a:b].tobytes() for a, b in bounds], dtype=object)
        geoms = shapely.from_wkb(parts) if len(parts) else np.array([], dtype=object)
        _forget(mapped, start + header["arrays"][f"{name}/wkb"]["offset"], wkb.nbytes)
        layer = Layer(spec["level"], {c: array(c) for c in COLUMNS}, geoms)
        if spec["overlay"]:
            overlays[spec["overlay"]] = layer
        else:
            levels[spec["level"]] = layer
    return Grid.from_layers(header["name"], header["crs"], levels, overlays, key)


def _forget(mapped: mmap.mmap, offset: int, size: int) -> None:
    """Drop the decoded outlines' pages from this process (the file keeps them)."""
    if size and hasattr(mmap, "MADV_DONTNEED"):
        mapped.madvise(mmap.MADV_DONTNEED, offset, _aligned(size))


def _aligned(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def _body_size(header: dict[str, Any], start: int) -> int:
    ends = [
        a["offset"] + _aligned(a["count"] * np.dtype(a["dtype"]).itemsize)
        for a in header["arrays"].values()
    ]
    return start + max(ends, default=0)


def _write(fh: Any, data: bytes | memoryview, size: int, crc: int) -> int:
    pad = b"\0" * (size - len(data))
    fh.write(data)
    fh.write(pad)
    return zlib.crc32(pad, zlib.crc32(data, crc))
