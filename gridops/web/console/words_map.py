"""The console's words for the web map (中文, English): its controls, as MapLibre shows them
(locale strings). Merged into :data:`gridops.web.console.i18n.CATALOGUE`."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "map.zoom_in": ("放大", "Zoom in"),
    "map.zoom_out": ("缩小", "Zoom out"),
    "map.mini": ("案件位置", "Where the ticket is"),
    "map.pins_capped": (
        "地图只标出了 {n} 件案件（列表共 {total} 件）：请用筛选缩小范围",
        "The map marks {n} of the list's {total} tickets: narrow the list with a "
        "filter to see them all",
    ),
    "map.wall_pins": (
        "地图标出最新的 {n} 件（未结案件共 {total} 件）",
        "The map marks the newest {n} of {total} open tickets",
    ),
    "map.shade_no_webgl": (
        "此浏览器无法显示地图（不支持网页图形加速）；同样的指标见上方表格。",
        "This browser has no WebGL, so no map: the table above has the same figures.",
    ),
    "map.svg_omitted": (
        "此浏览器能显示网格地图，因此本页未附带简易地图。",
        "This browser draws the grid map, so the page leaves out the plain one.",
    ),
    "map.svg_show": ("显示简易地图（无脚本）", "Show the plain map (no script)"),
    "map.wall_no_webgl": (
        "此屏幕无法显示地图（浏览器不支持网页图形加速）",
        "This screen has no WebGL: the map cannot be drawn",
    ),
}
