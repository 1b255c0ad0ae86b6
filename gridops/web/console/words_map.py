"""The console's words for the web map (中文, English): its controls, as MapLibre shows them
(locale strings). Merged into :data:`gridops.web.console.i18n.CATALOGUE`."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "map.zoom_in": ("放大", "Zoom in"),
    "map.zoom_out": ("缩小", "Zoom out"),
    "map.mini": ("案件位置", "Where the ticket is"),
}
