"""The operations console (运行台): server-rendered pages for dispatchers, field staff and
supervisors over the same services and permission checks as the JSON API. Chinese by default,
English with ``?lang=en``; no CDN — the web map's library is vendored and the grid is its
basemap unless GRIDOPS_BASEMAP_URL names a tile server, so it works with no internet at all.

Mount with ``app.include_router(console_router)``; pages live under ``/console``.
"""

from fastapi import APIRouter

from gridops.web.console import (
    admin_views,
    app_moves,
    app_patrol,
    app_views,
    auth_views,
    bulk_views,
    dispatch_views,
    field_views,
    hotline_views,
    map_tiles,
    map_views,
    patrol_views,
    pickers,
    supervise_map,
    supervise_views,
    ticket_views,
    verify_views,
    wall_views,
)

console_router = APIRouter(include_in_schema=False)
for _module in (auth_views, dispatch_views, bulk_views, pickers, ticket_views, verify_views,
                field_views, supervise_map, supervise_views, app_views, app_moves, app_patrol,
                patrol_views, hotline_views, admin_views, wall_views, map_views,
                map_tiles):  # fmt: skip
    console_router.include_router(_module.router)

__all__ = ["console_router"]
