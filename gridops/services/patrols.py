"""Patrols (巡查): an inspector's or grid worker's walk, sampled on the phone into a track
(WGS84 points with their times) and sent when it ends — offline, when the signal returns.
The track is checked (count, ranges, times in order) and measured before it is kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from gridops.errors import UserError
from gridops.grids.geodesy import distance_m
from gridops.services.context import ServiceContext
from gridops.store.patrols import Patrol, Patrols

MAX_POINTS = 20_000


def track_length_m(points: Sequence[tuple[float, float, int]]) -> float:
    """The walked length in metres (geodesic, point to point)."""
    return sum(distance_m(a[0], a[1], b[0], b[1]) for a, b in zip(points, points[1:], strict=False))


def checked(raw: object) -> tuple[tuple[float, float, int], ...]:
    """``[[lon, lat, unix_ms], …]`` as sent, checked; UserError naming the bad point."""
    if not isinstance(raw, list) or len(raw) > MAX_POINTS:
        raise UserError(f"points: a list of at most {MAX_POINTS} [lon, lat, unix_ms] is needed")
    out: list[tuple[float, float, int]] = []
    for i, p in enumerate(raw):
        try:
            lon, lat, ms = float(p[0]), float(p[1]), int(p[2])
        except (TypeError, ValueError, IndexError):
            raise UserError(f"points[{i}]: {p!r} is not [lon, lat, unix_ms]") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise UserError(f"points[{i}]: ({lon}, {lat}) is not a lon/lat")
        if out and ms < out[-1][2]:
            raise UserError(f"points[{i}]: its time is before the point before it")
        out.append((lon, lat, ms))
    return tuple(out)


def record(
    ctx: ServiceContext, user: str, patrol_id: str, *, points: object, started_ms: int,
    ended_ms: int | None,
) -> Patrol:  # fmt: skip
    """Keep the track of ``user``'s patrol ``patrol_id`` (sent again: replaced)."""
    track = checked(points)
    patrol = Patrol(
        user_id=user,
        patrol_id=patrol_id,
        started_at=datetime.fromtimestamp(started_ms / 1000, UTC),
        ended_at=datetime.fromtimestamp(ended_ms / 1000, UTC) if ended_ms else None,
        points=track,
        length_m=round(track_length_m(track), 1),
    )
    Patrols(ctx.store.engine).save(patrol)
    return patrol


def of_day(ctx: ServiceContext, start: datetime, end: datetime) -> list[Patrol]:
    """Every patrol started in [start, end)."""
    return Patrols(ctx.store.engine).between(start, end)


def cells_walked(ctx: ServiceContext, patrol: Patrol) -> frozenset[str]:
    """The level-3 cells (单元网格) the track's points lie in."""
    if not patrol.points:
        return frozenset()
    lons = [p[0] for p in patrol.points]
    lats = [p[1] for p in patrol.points]
    deepest = ctx.grid.locate_many(lons, lats, "EPSG:4326")[-1]
    return frozenset(str(c) for c in deepest if c)
