"""The configured basemap (GRIDOPS_BASEMAP_*) as the web layer uses it: parsed once per value,
and its tile host for the Content-Security-Policy."""

from __future__ import annotations

from functools import lru_cache

from gridops.grids.basemap import Basemap, parse_basemap
from gridops.settings import Settings


@lru_cache(maxsize=8)
def _parsed(url: str, crs: str, attribution: str) -> Basemap | None:
    return parse_basemap(url, crs, attribution)


def basemap_of(settings: Settings) -> Basemap | None:
    """The basemap of ``settings`` (None: the grid is the map)."""
    return _parsed(settings.basemap_url, settings.basemap_crs, settings.basemap_attribution)


def basemap_origins(settings: Settings) -> tuple[str, ...]:
    """The tile host the console's pages may fetch from, if a basemap is configured."""
    basemap = basemap_of(settings)
    return () if basemap is None else (basemap.origin,)
