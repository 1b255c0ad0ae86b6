"""The console's words for the web map's vector tiles (中文, English). Merged into
:data:`gridops.web.console.i18n.CATALOGUE`."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "map.cells_coarser": (
        "此缩放级别下地图画的是上级网格：放大后显示每个网格",
        "At this zoom the map draws a higher level's cells: zoom in to see each cell",
    ),
}
