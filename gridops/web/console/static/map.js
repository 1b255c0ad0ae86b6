// gridops console: the web map (MapLibre GL JS, vendored; no CDN). Without script or WebGL the
// server's SVG map stays (cells are links), so this only ever replaces a working fallback.
//
// A map box (<div class="glmap" data-...>) says what to draw:
//   data-bounds   [w,s,e,n] to start on (the reader's 街镇, the chosen one, or the district)
//   data-cells    the vector tiles of a level's cells ({z}/{x}/{y}, map_tiles.py): layer
//                 "cells" (code, level) and "labels" (a point per cell: code, zh, en, level)
//   data-level    1|2|3, data-within: a level-1 code the cells are limited to
//   data-pins     GeoJSON of the tickets under the list's own filter (desk) — pins, heat, counts
//   data-pin      one pin [lon,lat] (the ticket page's mini-map), data-selected: a cell code
//   data-shade    the supervisor's map: each cell's value of one indicator (supervise_map.py),
//                 shaded from the lowest to the highest value, with the legend filled in; a
//                 <select data-shade-picker="<box id>"> picks the indicator in place
//   data-tracks   GeoJSON of patrol tracks (lines with a "colour"), the patrols page
//   data-link     the desk's address for a cell, with __L1__ and __CELL__ to fill in
//   data-tiles, data-scheme, data-attribution: the configured basemap, if any
//   data-still   "1": a map to look at, not to work (the wall, the field app's task): no
//                controls, no clicks
//   data-t-*     words in the page's language (zoom buttons, the notes when a coarser level is
//                drawn or a cap cut the pins)
//
// Speed: the cells come as vector tiles, decoded in MapLibre's worker and kept by the browser
// (their URL names the grid's content); at a zoom where a screen would hold too many cells of
// the level the tiles hold the level above (gridops.grids.tiles). The shade of a cell is a
// feature-state keyed by its code (for every level up to the view's), so new pins never touch
// the cells. No labels fade in (fadeDuration 0) and fills are not antialiased (the outlines
// are drawn anyway): both cost every frame in software WebGL.
import * as maplibregl from "/console/static/maplibre-gl/maplibre-gl.mjs";

const SHADES = ["#f8f9fa", 1, "#ffe8cc", 3, "#ffc078", 10, "#fd7e14", 30, "#d9480f"];
const EMPTY = { type: "FeatureCollection", features: [] };
const LABEL_FROM = { 1: 0, 2: 11, 3: 14 };
const RAMP = ["#c5e3fb", "#0b4a8b"]; // lowest → highest value of the picked indicator
const NO_DATA = "#f8f9fa";

// A cell's fill by its value ("v", a feature-state) between lo and hi; no value: NO_DATA.
function ramp(lo, hi) {
  const v = ["coalesce", ["feature-state", "v"], -1];
  return ["case", ["<", v, 0], NO_DATA, ["interpolate", ["linear"], v, lo, RAMP[0], Math.max(hi, lo + 1e-6), RAMP[1]]];
}

function webgl() {
  try {
    return !!document.createElement("canvas").getContext("webgl2");
  } catch (e) {
    return false;
  }
}

// Labels read from across a room on the wall (16 px at 1920, 32 px at 3840); 12 px elsewhere.
function textSize(d) {
  return d.still === "1" && d.keep !== undefined ? Math.max(12, Math.round(window.innerWidth / 120)) : 12;
}

function style(d) {
  const sources = {
    cells: d.cells
      ? { type: "vector", tiles: [window.location.origin + d.cells], promoteId: "code", maxzoom: 16 }
      : { type: "geojson", data: EMPTY, promoteId: "code" },
    pins: { type: "geojson", data: EMPTY, cluster: true, clusterRadius: 36, clusterMaxZoom: 15 },
    heat: { type: "geojson", data: EMPTY },
    tracks: { type: "geojson", data: EMPTY },
  };
  const layers = [{ id: "bg", type: "background", paint: { "background-color": "#eef3f7" } }];
  const base = !!d.tiles;
  if (base) {
    sources.base = {
      type: "raster", tiles: [d.tiles], tileSize: 256, scheme: d.scheme || "xyz",
      attribution: d.attribution || "", maxzoom: 19,
    };
    layers.push({ id: "base", type: "raster", source: "base" });
  }
  const n = ["coalesce", ["feature-state", "n"], 0];
  // The cells' source-layer when they come as tiles (none for GeoJSON).
  const from = (name) => (d.cells ? { "source-layer": name } : {});
  const shade = ["step", n, ...SHADES];
  const valued = ["coalesce", ["feature-state", "v"], -1];
  // On a basemap only cells with tickets (or a value) are tinted, so the streets show through.
  const opacity = d.shade ? (base ? ["case", ["<", valued, 0], 0, 0.7] : 0.9)
    : (base ? ["case", [">", n, 0], 0.45, 0] : 0.9);
  layers.push(
    { id: "cells", type: "fill", source: "cells", ...from("cells"),
      paint: { "fill-color": d.shade ? ramp(0, 1) : shade, "fill-antialias": false,
               "fill-opacity": opacity } },
    { id: "cell-lines", type: "line", source: "cells", ...from("cells"),
      paint: { "line-color": "#5c6f82", "line-width": 0.8 } },
    // Heat where pins would crowd; it costs a full-screen pass a frame, so not when zoomed in.
    { id: "heat", type: "heatmap", source: "heat", maxzoom: 13,
      paint: { "heatmap-radius": 18, "heatmap-opacity": ["interpolate", ["linear"], ["zoom"], 10, 0.7, 13, 0] } },
    // The selected cell: a white casing under a dark line reads on any fill and any basemap.
    { id: "sel-casing", type: "line", source: "cells", ...from("cells"), filter: ["==", ["get", "code"], d.selected || "-"],
      paint: { "line-color": "#ffffff", "line-width": 7 } },
    { id: "sel", type: "line", source: "cells", ...from("cells"), filter: ["==", ["get", "code"], d.selected || "-"],
      paint: { "line-color": "#111111", "line-width": 3, "line-dasharray": [2, 1] } },
    // Labels once a cell of the level is big enough to hold one (街镇 always).
    { id: "labels", type: "symbol", source: "cells", ...from("labels"), minzoom: LABEL_FROM[d.level] || 0,
      layout: { "text-field": ["get", document.documentElement.lang === "en" ? "en" : "zh"], "text-size": textSize(d), "text-font": ["sans-serif"],
                "symbol-placement": "point", "text-max-width": 8,
                // where the centre is taken (small 街镇 side by side), a label may sit beside it
                "text-variable-anchor": ["center", "top", "bottom", "left", "right"],
                "text-radial-offset": 0.5, "text-padding": 1 },
      paint: { "text-color": "#1b2733", "text-halo-color": "#ffffff", "text-halo-width": 1.5 } },
    // Patrol tracks: a white casing under each walker's colour.
    { id: "track-casing", type: "line", source: "tracks", layout: { "line-join": "round", "line-cap": "round" },
      paint: { "line-color": "#ffffff", "line-width": 6 } },
    { id: "tracks", type: "line", source: "tracks", layout: { "line-join": "round", "line-cap": "round" },
      paint: { "line-color": ["coalesce", ["get", "colour"], "#d9480f"], "line-width": 3 } },
    { id: "clusters", type: "circle", source: "pins", filter: ["has", "point_count"],
      paint: { "circle-color": "#1f6feb", "circle-radius": ["step", ["get", "point_count"], 13, 10, 17, 50, 22],
               "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
    { id: "cluster-count", type: "symbol", source: "pins", filter: ["has", "point_count"],
      layout: { "text-field": ["get", "point_count_abbreviated"], "text-size": textSize(d), "text-font": ["sans-serif"] },
      paint: { "text-color": "#ffffff" } },
    { id: "pins", type: "circle", source: "pins", filter: ["!", ["has", "point_count"]],
      paint: { "circle-color": ["case", ["==", ["get", "overdue"], true], "#c92a2a", "#1f6feb"],
               "circle-radius": 7, "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
  );
  return { version: 8, sources, layers };
}

// A note under the map when a cap cut what it shows (words from data-t-*, {n} {total} filled in).
function note(box, kind, text) {
  let p = box.parentNode.querySelector(`.map-note[data-for="${box.id}"][data-kind="${kind}"]`);
  if (!text) { if (p) p.remove(); return; }
  if (!p) {
    p = document.createElement("p");
    p.className = "map-note";
    p.setAttribute("role", "status");
    p.dataset.for = box.id;
    p.dataset.kind = kind;
    box.after(p);
  }
  p.textContent = text;
}

// A data answer refused for want of a session: the page says so (console.js's notice).
const signedOut = (r) => { if (r.status === 401 && window.gridopsEnded) window.gridopsEnded(); };

const fill = (t, v) => String(t || "").replace(/\{(\w+)\}/g, (all, k) => (k in v ? Number(v[k]).toLocaleString(document.documentElement.lang) : all));

function start(box) {
  const d = box.dataset;
  const still = d.still === "1";
  const map = new maplibregl.Map({
    container: box, style: style(d), bounds: JSON.parse(d.bounds),
    fitBoundsOptions: { padding: 16 }, attributionControl: d.tiles ? { compact: false } : false,
    dragRotate: false, pitchWithRotate: false, maxZoom: 19, cooperativeGestures: false, interactive: !still,
    fadeDuration: 0,
    // Counts the cell tiles asked for (tests and bench/map.py read data-tiles-asked).
    transformRequest: (url, kind) => {
      if (kind === "Tile" && url.includes(".mvt")) box.dataset.tilesAsked = String(Number(box.dataset.tilesAsked || 0) + 1);
      return { url };
    },
    locale: { "Map.Title": d.tMap, "NavigationControl.ZoomIn": d.tZoomIn, "NavigationControl.ZoomOut": d.tZoomOut },
  });
  if (!still) {
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  }
  box.map = map;
  let counts = {};
  const cell = (code) => (d.cells ? { source: "cells", sourceLayer: "cells", id: code } : { source: "cells", id: code });
  function shade(next) {
    for (const code of Object.keys(counts)) {
      if (!(code in next)) map.removeFeatureState(cell(code), "n");
    }
    for (const [code, k] of Object.entries(next)) map.setFeatureState(cell(code), { n: k });
    counts = next;
  }

  // What the tiles of the view hold, once the map is idle: how many cells, of which level (a
  // note says when it is the level above the view's), and when the first were drawn.
  function drawn() {
    if (!d.cells || !map.getSource("cells") || !map.isSourceLoaded("cells")) return;
    const found = map.querySourceFeatures("cells", { sourceLayer: "labels" });
    const codes = new Set(found.map((f) => f.properties.code));
    const level = found.length ? Math.min(...found.map((f) => f.properties.level)) : Number(d.level || 1);
    box.dataset.cellsShown = String(codes.size);
    box.dataset.cellsLevel = String(level);
    note(box, "cells", level < Number(d.level || 1) ? d.tCellsCoarser : "");
    // The first frame with the grid drawn (bench/map.py reads it, as performance.now() ms).
    if (codes.size && !box.dataset.paintMs) box.dataset.paintMs = performance.now().toFixed(0);
  }

  // The pins are asked for at once, beside the style and the tiles, and drawn once the map loads.
  let early = d.pins ? fetch(d.pins, { credentials: "same-origin" }) : null;
  async function loadPins() {
    if (d.pin) {
      const one = { type: "Feature", properties: { number: d.number || "" }, geometry: { type: "Point", coordinates: JSON.parse(d.pin) } };
      map.getSource("pins").setData({ type: "FeatureCollection", features: [one] });
      box.dataset.pinsShown = "1";
      return;
    }
    if (!d.pins) return;
    const r = await (early || fetch(d.pins, { credentials: "same-origin" }));
    early = null;
    if (!r.ok) return signedOut(r);
    const data = await r.json();
    shade(data.shades || data.counts || {});
    map.getSource("pins").setData(data);
    map.getSource("heat").setData(data);
    box.dataset.pinsShown = String(data.shown);
    box.dataset.pinsTotal = String(data.total);
    note(box, "pins", data.shown < data.total ? fill(d.tPinsCapped, { n: data.shown, total: data.total }) : "");
    box.dataset.pinsLoaded = String(Number(box.dataset.pinsLoaded || 0) + 1);
  }

  let shadeAsked = 0;
  async function loadShade() {
    if (!d.shade) return;
    const mine = ++shadeAsked;
    const r = await fetch(d.shade, { credentials: "same-origin" });
    if (!r.ok || mine !== shadeAsked) return signedOut(r);
    const data = await r.json();
    // The cells' source: GeoJSON, or vector tiles whose features are in the layer "cells".
    const where = map.getSource("cells").type === "vector" ? { source: "cells", sourceLayer: "cells" } : { source: "cells" };
    map.removeFeatureState(where);
    for (const [code, v] of Object.entries(data.values)) {
      if (v !== null) map.setFeatureState({ ...where, id: code }, { v, k: data.n[code] });
    }
    map.setPaintProperty("cells", "fill-color", ramp(data.lo, data.hi));
    // Once, on the first figures: frame the cells that have any (not the whole district).
    if (data.fit && !box.dataset.fitted) {
      box.dataset.fitted = "1";
      map.fitBounds(data.fit, { padding: 24, duration: 0, maxZoom: 16 });
    }
    const legend = document.querySelector(`.shade-legend[data-for="${box.id}"]`);
    if (legend) {
      legend.hidden = false;
      legend.querySelector("#legend-low").textContent = data.low;
      legend.querySelector("#legend-high").textContent = data.high;
      // One value everywhere: say so once, not "lowest 0.0% … highest 0.0%" around a ramp.
      const same = data.cells > 0 && data.lo === data.hi;
      legend.querySelector(".range").hidden = same;
      legend.querySelector(".same").hidden = !same;
      legend.querySelector("#legend-same").textContent = data.low;
      legend.querySelector("#legend-note").textContent = data.note;
    }
    box.shade = data;
    box.dataset.shadeIndicator = data.indicator;
    box.dataset.shadeLoaded = String(Number(box.dataset.shadeLoaded || 0) + 1);
  }

  // The indicator picker: the map, the legend, the address and the desk's links follow it.
  const picker = d.shade && document.querySelector(`select[data-shade-picker="${box.id}"]`);
  if (picker) {
    const pick = (u) => {
      const x = new URL(u, window.location.href);
      x.searchParams.set("ind", picker.value);
      return x.pathname + x.search;
    };
    picker.addEventListener("change", () => {
      d.shade = pick(d.shade);
      if (d.link) d.link = pick(d.link).replace(/%5F%5FCELL%5F%5F/gi, "__CELL__");
      window.history.replaceState(null, "", pick(window.location.href));
      document.querySelectorAll('a[href^="?"]').forEach((a) => { a.setAttribute("href", "?" + pick(a.href).split("?")[1]); });
      document.querySelectorAll('input[type="hidden"][name="ind"]').forEach((i) => { i.value = picker.value; });
      loadShade();
    });
  }

  async function loadTracks() {
    if (!d.tracks) return;
    const r = await fetch(d.tracks, { credentials: "same-origin" });
    if (!r.ok) return signedOut(r);
    const data = await r.json();
    map.getSource("tracks").setData(data);
    box.dataset.tracksShown = String(data.features.length);
  }

  map.on("load", () => {
    // The box may have been measured before the map's style sheet applied: fit again.
    map.resize();
    map.fitBounds(JSON.parse(d.bounds), { padding: 16, duration: 0 });
    loadPins();
    loadShade();
    loadTracks();
    box.dataset.ready = "1";
  });
  map.on("idle", () => {
    drawn();
    box.dataset.idle = String(Number(box.dataset.idle || 0) + 1);
  });

  const go = (url) => { if (!still) window.location.assign(url); };
  map.on("click", "pins", (e) => {
    const n = e.features[0].properties.number;
    if (n) go("/console/tickets/" + encodeURIComponent(n));
  });
  map.on("click", "clusters", async (e) => {
    const f = e.features[0];
    const zoom = await map.getSource("pins").getClusterExpansionZoom(f.properties.cluster_id);
    map.easeTo({ center: f.geometry.coordinates, zoom });
  });
  map.on("click", "cells", (e) => {
    if (!d.link) return;
    if (map.queryRenderedFeatures(e.point, { layers: ["pins", "clusters"] }).length) return;
    const code = e.features[0].properties.code;
    go(d.link.replace("__L1__", encodeURIComponent(code.slice(0, 9))).replace("__CELL__", encodeURIComponent(code)));
  });
  for (const layer of ["pins", "clusters", "cells"]) {
    map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
  }

  // The desk's list is swapped in place by console.js when the queue changes (SSE or polling):
  // the pins follow it, under the same filter.
  const live = document.getElementById("live");
  if (live && d.pins) {
    let timer = 0;
    new MutationObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(loadPins, 300);
    }).observe(live, { childList: true });
  }
}

// A browser that draws the web map says so (map_views.GL_COOKIE): the desk then leaves out its
// SVG fallback. Where it no longer can (WebGL gone, this script not loaded), console.js asks
// for the page again with ?map=svg, which always has the SVG and clears the cookie.
const GL = "gridops_gl";
if (webgl() && !document.cookie.split("; ").includes(GL + "=1")) {
  document.cookie = `${GL}=1; path=/console; max-age=31536000; samesite=strict`;
}

if (webgl()) {
  // The field app draws its task's map when it shows the task (app_static/app.js).
  window.gridopsMap = (box) => { start(box); return box.map; };
  document.querySelectorAll(".glmap[data-bounds]").forEach((box) => {
    const fallback = document.getElementById(box.dataset.fallback || "");
    box.hidden = false;
    if (fallback) fallback.hidden = true;
    start(box);
  });
}
