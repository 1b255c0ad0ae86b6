"""A small MVT reader for the tests (protobuf by hand), independent of the encoder's code."""

from __future__ import annotations

from typing import Any


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def _fields(buf: bytes) -> list[tuple[int, Any]]:
    out, i = [], 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i : i + size], i + size
        else:
            raise ValueError(f"wire type {wire}")
        out.append((number, value))
    return out


def _packed(buf: bytes) -> list[int]:
    out, i = [], 0
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append(v)
    return out


def _geometry(cmds: list[int]) -> list[list[tuple[int, int]]]:
    """Rings (or points) in tile units; a ring is open (no repeated first point)."""
    rings: list[list[tuple[int, int]]] = []
    x = y = i = 0
    while i < len(cmds):
        cmd, count = cmds[i] & 7, cmds[i] >> 3
        i += 1
        if cmd == 7:
            continue
        for _ in range(count):
            dx, dy = cmds[i], cmds[i + 1]
            i += 2
            x += (dx >> 1) ^ -(dx & 1)
            y += (dy >> 1) ^ -(dy & 1)
            if cmd == 1:
                rings.append([])
            rings[-1].append((x, y))
    return rings


def read(tile: bytes) -> dict[str, list[dict[str, Any]]]:
    """{layer name: [{"type", "rings", "properties"}]}, with the layer's extent checked."""
    layers: dict[str, list[dict[str, Any]]] = {}
    for number, raw in _fields(tile):
        assert number == 3
        fields = _fields(raw)
        name = next(v for n, v in fields if n == 1).decode()
        keys = [v.decode() for n, v in fields if n == 3]
        values: list[Any] = []
        for n, v in fields:
            if n == 4:
                [(kind, val)] = _fields(v)
                values.append(val.decode() if kind == 1 else val)
        assert dict(fields)[15] == 2 and dict(fields)[5] == 4096
        feats = []
        for n, v in fields:
            if n != 2:
                continue
            f = dict(_fields(v))
            tags = _packed(f[2])
            props = {keys[tags[j]]: values[tags[j + 1]] for j in range(0, len(tags), 2)}
            feats.append({"type": f[3], "rings": _geometry(_packed(f[4])), "properties": props})
        layers[name] = feats
    return layers


def area(ring: list[tuple[int, int]]) -> float:
    """The surveyor's formula in tile units (positive: clockwise with y down, an exterior)."""
    return sum(ring[i][0] * ring[(i + 1) % len(ring)][1] - ring[(i + 1) % len(ring)][0]
               * ring[i][1] for i in range(len(ring))) / 2  # fmt: skip
