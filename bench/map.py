"""Benchmark: the desk's web map (MapLibre GL JS) beside the server's SVG map, in one run, in
this machine's Chromium (headless: WebGL is software-rendered by SwiftShader here).

    .venv/bin/python -m bench.map            # the ~120,000-cell grid (generated once, ~1 min)
    .venv/bin/python -m bench.map --sample   # the shipped sample grid (quick)

Both maps are shown at level 3 (unit cells) for one 街镇 (the SVG map draws level 3 only inside
one), and the web map also for the whole district at level 3 (twice: the second visit gets the
server's kept answer), where the server sends at most
20,000 cells of the view (vector.MAX_FEATURES). Figures, from the browser's performance API:

- first paint: ms from navigation start to the map drawn (web map: MapLibre's first ``idle``
  with the cells loaded, that is with the pins, heat and labels placed too; SVG: the ``load``
  event, after which the inline SVG is laid out and painted in the next frame, measured with
  requestAnimationFrame). ``first_frame_ms``: the web map's first frame with the cells in it.
- warm browser (``warm_browser``): the same two views visited in turn in one browser kept
  through a shift, as a dispatcher's is (its cache and compiled scripts warm, the desk sent
  without its SVG fallback once the web map was drawn); the medians after the first visit.
  Every other web-map figure is a browser's first visit: a fresh profile, nothing cached.
- pan/zoom fps: frames counted with requestAnimationFrame during 3 s of continuous pan and zoom
  (web map: ``easeTo`` steps; SVG: its viewBox moved every frame — the baseline has no pan or
  zoom of its own), with the longest frame, and the vector tiles fetched meanwhile.
- empty map fps: the same pan and zoom with every layer hidden (only the background drawn):
  what this machine's Chromium can do at all at that moment, the ceiling for the figure above.

The cells come as vector tiles (gridops.grids.tiles); ``server`` gives what one view's tiles
cost to make (cold, then kept) beside the GeoJSON answer of the same view (the former path).

Not part of the test suite; prints JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shapely

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    *os.environ.get("BENCH_MAP_CHROMIUM_ARGS", "").split(),
]
FPS_JS = """async ([kind, ms]) => {
  const frames = []; const t0 = performance.now(); let step = 0;
  const count = () => new Promise(done => {
    const tick = (t) => {
      frames.push(t); if (kind === 'svg') svgStep();
      if (t - t0 < ms) requestAnimationFrame(tick); else done();
    };
    requestAnimationFrame(tick);
  });
  let svgStep = () => {};
  if (kind === 'gl') {
    const m = document.getElementById('glmap').map, c = m.getCenter(), z = m.getZoom();
    const move = () => {
      step++;
      m.easeTo({center: [c.lng + 0.01 * Math.sin(step), c.lat + 0.01 * Math.cos(step)],
                zoom: z + 0.6 * Math.sin(step / 2), duration: 250});
    };
    move(); const timer = setInterval(move, 250);
    await count(); clearInterval(timer);
  } else {
    const box = document.querySelector('svg.gridmap');
    const [x, y, w, h] = box.getAttribute('viewBox').split(' ').map(Number);
    svgStep = () => {
      step++; const k = 1 + 0.3 * Math.sin(step / 20);
      const dx = w * 0.05 * Math.sin(step / 15), dy = h * 0.05 * Math.cos(step / 15);
      box.setAttribute('viewBox', `${x + dx} ${y + dy} ${w / k} ${h / k}`);
    };
    await count();
  }
  const gaps = frames.slice(1).map((t, i) => t - frames[i]);
  return {fps: +(1000 * gaps.length / (frames.at(-1) - frames[0])).toFixed(1),
          longest_frame_ms: +Math.max(...gaps).toFixed(1)};
}"""
# Where a first paint's time goes: the page's HTML, its load event, and each map request's
# start and end (the resource timing API), in ms from navigation start.
TIMELINE_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0], out = {
    html_received: Math.round(nav.responseEnd), load_event: Math.round(nav.loadEventEnd)};
  for (const r of performance.getEntriesByType('resource')) {
    const name = r.name.split('?')[0].split('/').pop();
    if (/cells|pins|maplibre-gl.mjs|maplibre-gl-worker/.test(name) && !(name in out))
      out[name] = [Math.round(r.startTime), Math.round(r.responseEnd), r.transferSize];
  }
  return out;  // (the tiles are fetched by the map's worker: not in this page's timeline)
}"""
TILES_JS = "() => Number(document.getElementById('glmap').dataset.tilesAsked || 0)"
# The first frame drawn with the grid's cells in it (MapLibre's first ``render`` once the cells'
# tiles of the view are loaded), as data-render-ms: ``idle`` (data-paint-ms) waits for the pins,
# the heat layer and the labels' placement too. Added before the page's own scripts run.
RENDER_HOOK = """(() => { const t = setInterval(() => { const b = document.getElementById('glmap');
  if (!b || !b.map) return; clearInterval(t); const m = b.map;
  m.on('render', () => { if (b.dataset.renderMs || !m.isSourceLoaded('cells')) return;
    if (m.querySourceFeatures('cells', {sourceLayer: 'cells'}).length)
      b.dataset.renderMs = performance.now().toFixed(0); });
}, 5); })();"""
WARM_JS = """() => { const n = performance.getEntriesByType('navigation')[0];
  const b = document.getElementById('glmap');
  return {html: Math.round(n.responseEnd), dom_ready: Math.round(n.domContentLoadedEventEnd),
          first_frame: +b.dataset.renderMs || null, idle: +b.dataset.paintMs}; }"""
HIDE_ALL_JS = """() => { const m = document.getElementById('glmap').map;
  for (const l of m.getStyle().layers)
    if (l.id !== 'bg') m.setLayoutProperty(l.id, 'visibility', 'none'); }"""
SVG_PAINT_JS = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
  () => done(performance.now()))))"""


def serve(grid: Path, data: Path) -> tuple[str, Any, str]:
    import uvicorn

    from gridops.services.context import build_context
    from gridops.settings import load_settings
    from gridops.store.accounts import Accounts
    from gridops.web.app import create_app
    from gridops.web.auth import create_user
    from gridops.web.console import console_router

    ctx = build_context(load_settings({"GRIDOPS_DATA_DIR": str(data), "GRIDOPS_GRID": str(grid)}))
    app = create_app(ctx)
    if not any(getattr(r, "path", "") == "/console/login" for r in app.routes):
        app.include_router(console_router)
    _, token = create_user(Accounts(ctx.store.engine), "bench-map", name="bench", role="dispatcher",
                           units=["all"], now=datetime.now(UTC), org=ctx.ops.org)  # fmt: skip
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    l1 = ctx.grid.cells_at(1)[0].code
    return f"http://127.0.0.1:{port}", (server, ctx, l1), token


def measure(url: str, token: str, l1: str, n_cells: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {"level3_cells": n_cells}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for kind, path in (("gl_l1", f"/console/dispatch?level=3&l1={l1}"),
                           ("gl_l1_no_heat_no_labels", f"/console/dispatch?level=3&l1={l1}"),
                           ("gl_district", "/console/dispatch?level=3"),
                           ("gl_district_again", "/console/dispatch?level=3"),
                           ("svg_l1", f"/console/dispatch?level=3&l1={l1}")):  # fmt: skip
            ctx = browser.new_context(base_url=url, viewport={"width": 1440, "height": 900})
            ctx.add_init_script(RENDER_HOOK)
            page = ctx.new_page()
            page.set_default_navigation_timeout(300_000)  # the cold server, on a loaded machine
            page.goto("/console/login")
            page.fill("#token", token)
            page.click("#login")
            page.wait_for_load_state()
            if kind.startswith("svg"):
                ctx.route("**/console/static/map/map.js", lambda route: route.abort())
            page.goto(path)
            if kind.startswith("gl"):
                page.wait_for_selector("#glmap[data-paint-ms]", timeout=120_000)
                paint = float(page.get_attribute("#glmap", "data-paint-ms") or "nan")
                page.wait_for_timeout(200)
                frame = float(page.get_attribute("#glmap", "data-render-ms") or "nan")
                timeline = page.evaluate(TIMELINE_JS)
                shown = int(page.get_attribute("#glmap", "data-cells-shown") or 0)
                page.locator("#glmap").scroll_into_view_if_needed()
                if kind.endswith("no_heat_no_labels"):  # what those two layers cost
                    page.evaluate("""() => { const m = document.getElementById('glmap').map;
                        for (const id of ['heat', 'labels', 'cluster-count'])
                          m.setLayoutProperty(id, 'visibility', 'none'); }""")
                before = page.evaluate(TILES_JS)
                fps = page.evaluate(FPS_JS, ["gl", 3000])
                fps["tiles_fetched_while_moving"] = page.evaluate(TILES_JS) - before
                if kind == "gl_l1":
                    page.evaluate(HIDE_ALL_JS)
                    fps["empty_map_fps"] = page.evaluate(FPS_JS, ["gl", 3000])["fps"]
            else:
                page.wait_for_selector("svg.gridmap")
                paint = page.evaluate(SVG_PAINT_JS)
                shown = page.locator("svg.gridmap path.cell").count()
                page.locator("svg.gridmap").scroll_into_view_if_needed()
                fps = page.evaluate(FPS_JS, ["svg", 3000])
            out[kind] = {"first_paint_ms": round(paint), "cells_drawn": shown, **fps}
            if kind.startswith("gl") and frame == frame:  # not NaN
                out[kind]["first_frame_ms"] = round(frame)
            if kind.startswith("gl"):
                out[kind]["timeline_ms"] = timeline
            ctx.close()
        browser.close()
    return out


def measure_warm(url: str, token: str, l1: str, rounds: int = 5) -> dict[str, Any]:
    """First paint in one browser kept through a shift, as a dispatcher's is: its HTTP cache
    and compiled scripts warm, and the desk sent without its SVG fallback once the web map was
    drawn (map_views.GL_COOKIE). ``rounds`` visits of the 街镇 view and of the district view,
    in turn; each figure's median over the visits after the first, and every visit's figures."""
    from statistics import median

    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        ctx = browser.new_context(base_url=url, viewport={"width": 1440, "height": 900})
        ctx.add_init_script(RENDER_HOOK)
        page = ctx.new_page()
        page.set_default_navigation_timeout(300_000)
        page.goto("/console/login")
        page.fill("#token", token)
        page.click("#login")
        page.wait_for_load_state()
        views = {"l1": f"/console/dispatch?level=3&l1={l1}",
                 "district": "/console/dispatch?level=3"}  # fmt: skip
        seen: dict[str, list[dict[str, Any]]] = {k: [] for k in views}
        for _ in range(rounds):
            for name, path in views.items():
                page.goto(path)
                page.wait_for_selector("#glmap[data-paint-ms]", timeout=120_000, state="attached")
                page.wait_for_timeout(200)
                seen[name].append(page.evaluate(WARM_JS))
        browser.close()
    for name, visits in seen.items():
        later = visits[1:] or visits
        out[name] = {f"median_{k}_ms": median(v[k] for v in later if v[k] is not None)
                     for k in ("html", "dom_ready", "first_frame", "idle")}  # fmt: skip
        out[name]["visits"] = visits
    return out


def server_figures(ctx: Any, l1: str) -> dict[str, Any]:
    """What the server spends on one view's cells (warm layers): the GeoJSON answer and the
    vector tiles of the same view at the same zoom, ms and bytes, gzip included."""
    import gzip

    from gridops.grids import tiles
    from gridops.grids.vector import cell_layer, features
    from gridops.web.basemap import basemap_of

    grid = ctx.grid
    layer = cell_layer(grid, 3, basemap_of(ctx.settings))
    out = {}
    w, s, e, n = shapely.total_bounds([grid.cells[l1].geometry])
    whole = shapely.total_bounds([c.geometry for c in grid.cells_at(1)])
    for name, box, zoom, within in (("street_z13", (w, s, e, n), 13, l1),
                                    ("district_z10", tuple(whole), 10, "")):  # fmt: skip
        t0 = time.perf_counter()
        body = features(layer, box, zoom=zoom, within=within)
        ms = (time.perf_counter() - t0) * 1000
        out[name] = {"ms": round(ms), "bytes": len(body), "gzip_bytes": len(gzip.compress(body, 6))}
        # The tiles of a 1440×900 view around the box's centre at that zoom.
        cx, cy = tiles.tile_of((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, zoom)
        t0 = time.perf_counter()
        made = [tiles.tile(grid, 3, zoom, x, y, within=within)
                for x in range(cx - 3, cx + 3) for y in range(cy - 2, cy + 2)]  # fmt: skip
        ms = (time.perf_counter() - t0) * 1000
        packed = sum(len(gzip.compress(t, 6)) for t in made)
        out[name + "_tiles"] = {"tiles": len(made), "ms": round(ms), "bytes": sum(map(len, made)),
                                "gzip_bytes": packed}  # fmt: skip
    return out


def main() -> None:
    from gridops.grids import load_grid
    from gridops.settings import DEFAULT_GRID

    if "--sample" in sys.argv[1:]:
        grid_dir = DEFAULT_GRID
    else:
        from bench.locate import bench_grid

        grid_dir = bench_grid()
    n = len(load_grid(grid_dir).cells_at(3))
    with tempfile.TemporaryDirectory() as tmp:
        url, (server, ctx, l1), token = serve(grid_dir, Path(tmp))
        try:
            figures = measure(url, token, l1, n)
            figures["warm_browser"] = measure_warm(url, token, l1)
            figures["server"] = server_figures(ctx, l1)
            print(json.dumps(figures, indent=1))
        finally:
            server.should_exit = True
            ctx.close()


if __name__ == "__main__":
    main()
