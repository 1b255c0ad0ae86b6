"""The web map's cells as vector tiles (矢量切片, gridops.grids.tiles), which the browser
decodes in MapLibre's worker: no GeoJSON parsed on the page's thread, and only the tiles of
the view are fetched.

- ``/console/map/tiles/<key>/<level>/<z>/<x>/<y>.mvt[?within=L1]`` — any signed-in user.
  ``key`` names the grid's content and the display system, so a tile under it never changes:
  the browser keeps it (``immutable``) and the server keeps the newest TILES_BYTES, gzipped.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridops.grids import tiles
from gridops.grids.basemap import display_crs
from gridops.grids.vector import content_key
from gridops.web.basemap import basemap_of
from gridops.web.console.readers import plain, reader
from gridops.web.gzip_cache import GzipCache
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
TILES_BYTES = 64 << 20  # the vector tiles kept (with their gzip), newest first
MVT = "application/vnd.mapbox-vector-tile"
TILES = GzipCache(TILES_BYTES)


def tiles_key(state: WebState) -> str:
    """The grid's content and the display system, as the tiles' URLs carry them."""
    shown_in = display_crs(basemap_of(state.ctx.settings))
    return hashlib.sha256(f"{content_key(state.ctx.grid)}|{shown_in}".encode()).hexdigest()[:16]


def tiles_url(state: WebState, level: str, within: str) -> str:
    """The template ({z}/{x}/{y}) of a level's vector tiles, limited to ``within``."""
    tail = f"?within={within}" if within else ""
    return f"/console/map/tiles/{tiles_key(state)}/{level}/{{z}}/{{x}}/{{y}}.mvt{tail}"


def kept_tile(key: tuple[Any, ...], make: Any) -> tuple[bytes, bytes]:
    """A tile and its gzip, made once and kept while among the newest TILES_BYTES."""
    return TILES.get(key, make)


@router.get("/console/map/tiles/{key}/{level}/{z}/{x}/{y}.mvt")
def cell_tile(request: Request, state: State, key: str, level: int, z: int, x: int,
              y: int) -> Response:  # fmt: skip
    """One vector tile of a level's cells (plain-text 400 naming what does not fit; 404 when
    the grid changed since the page was made; 401 signed out)."""
    me = reader(state, request)
    if isinstance(me, Response):
        return me
    grid = state.ctx.grid
    if not 1 <= level <= grid.levels or not tiles.valid(z, x, y):
        return plain(400, f"level must be 1…{grid.levels} and z/x/y a tile (z 0…{tiles.MAX_Z})")
    if key != tiles_key(state):
        return plain(404, "the grid changed since this page was made: reload the page")
    within = request.query_params.get("within", "")[:20]
    basemap = basemap_of(state.ctx.settings)

    def make() -> bytes:
        return tiles.tile(grid, level, z, x, y, within=within, basemap=basemap)

    body, packed = kept_tile((key, level, z, x, y, within), make)
    # The key names the content, so the browser keeps a tile as long as it likes.
    headers = {"Cache-Control": "private, max-age=604800, immutable", "ETag": f'"{key}"',
               "Vary": "Accept-Encoding"}  # fmt: skip
    if "gzip" in request.headers.get("accept-encoding", "") and body:
        return Response(packed, media_type=MVT, headers=headers | {"Content-Encoding": "gzip"})
    return Response(body, media_type=MVT, headers=headers)
