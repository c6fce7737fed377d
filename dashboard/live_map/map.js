// The live situation map, drawn on a 2D canvas in the app's own page (a Streamlit components-v2 element).
// See dashboard/live_map/__init__.py (why a 2D canvas and no WebGL library) and dashboard/map_model.py.
//
// - The map data of a data version (outlines, names, every record's place, style and hover text) is fetched
//   once; each rerun sends a few kilobytes: a bit mask of the shown records, selection, changes, route.
// - Outlines become Path2D objects in Web Mercator world units once per data version; a frame is drawn
//   with one transform, so a pan, a zoom or a filter change costs one canvas draw, no re-projection.
// - Picking is done here from the records' own positions and the outlines: a symbol under the pointer wins
//   over the country it stands in; several records at one place or in one country are offered in a list
//   ("4 records here"), by mouse and by keyboard.
// - Country names and "N here" badges are an HTML layer, decluttered on every move: no glyph or font server.
// - Every text from the data is set with textContent, never as HTML.
// - This module is loaded once per page: the map and its data survive reruns and page changes (the element
//   is moved into the new page's container).

const CSS = `
:host, .bb-root { display: block; }
.bb-root { width: 100%; font-family: "Source Sans Pro", "DejaVu Sans", sans-serif; color: var(--text); }
.bb-box { position: relative; width: 100%; overflow: hidden; border-radius: 4px 4px 0 0; }
.bb-map { position: absolute; inset: 0; outline: none; cursor: grab; touch-action: none; }
.bb-map.dragging { cursor: grabbing; } .bb-map.over { cursor: pointer; }
.bb-map:focus-visible { box-shadow: inset 0 0 0 3px #0072B2; }
.bb-map canvas { position: absolute; left: 0; top: 0; }
.overlay { position: absolute; inset: 0; pointer-events: none; overflow: hidden; }
.lbl { position: absolute; transform: translate(-50%, -50%); white-space: nowrap; font-size: 12px; font-weight: 600;
       letter-spacing: .02em; color: var(--label); text-shadow: 0 0 3px var(--halo), 0 0 3px var(--halo), 0 0 2px var(--halo); }
.lbl.minor { font-weight: 400; font-size: 11px; opacity: .85; }
.badge { position: absolute; transform: translate(2px, -120%); font-size: 11px; font-weight: 700; line-height: 14px;
         min-width: 14px; padding: 0 3px; border-radius: 7px; background: #222; color: #fff; text-align: center; }
.zoom { position: absolute; top: 8px; right: 8px; display: flex; flex-direction: column; border-radius: 4px; overflow: hidden;
        box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.zoom button { width: 29px; height: 29px; border: 0; background: var(--panel); color: var(--text); font: 700 18px/1 sans-serif; cursor: pointer; }
.zoom button + button { border-top: 1px solid rgba(128,128,128,.35); }
#legend { display: flex; flex-wrap: wrap; align-items: center; column-gap: 14px; row-gap: 2px; padding: 4px 8px 5px;
          background: var(--panel); color: var(--text); border-radius: 0 0 4px 4px; font-size: 12px; line-height: 1.25;
          border-top: 1px solid rgba(128,128,128,.35); }
#legend h2 { font-size: 12px; margin: 0; font-weight: 700; display: flex; gap: 6px; align-items: center; }
#legend.collapsed > :not(h2) { display: none; }
#legend h2 button { width: auto; font-weight: 400; font-size: 11px; text-decoration: underline; padding: 0; }
#legend .group { display: flex; flex-wrap: wrap; align-items: center; column-gap: 10px; }
#legend h3 { font-size: 11px; margin: 0; font-weight: 600; opacity: .75; }
#legend button { display: flex; align-items: center; gap: 5px; border: 0; background: none; color: inherit;
                 font: inherit; padding: 1px 2px; cursor: pointer; text-align: left; white-space: nowrap; }
#legend button[aria-pressed="false"] { opacity: .4; text-decoration: line-through; }
#legend button[disabled] { cursor: default; }
#legend canvas { flex: none; }
.present .lbl { font-size: 15px; } .present #legend, .present #legend h2 { font-size: 14px; } .present #legend h3 { font-size: 13px; }
#tip, #chooser { position: absolute; z-index: 5; background: var(--panel); color: var(--text); border-radius: 6px;
                 box-shadow: 0 2px 8px rgba(0,0,0,.3); font-size: 13px; max-width: 360px; }
#tip { pointer-events: none; padding: 6px 8px; white-space: pre-line; display: none; }
#tip b, #chooser b { display: block; }
#chooser { display: none; padding: 6px; pointer-events: auto; max-height: 60%; overflow: auto; }
#chooser button { display: flex; gap: 6px; align-items: center; width: 100%; text-align: left; border: 0; background: none;
                  color: inherit; font: inherit; padding: 4px; border-radius: 4px; cursor: pointer; }
#chooser button:hover, #chooser button:focus { background: rgba(0,114,178,.18); outline: none; }
#chooser .inst { opacity: .7; font-size: 11px; margin-left: auto; padding-left: 8px; }
#notice { display: none; position: absolute; inset: 0; padding: 1rem; color: #8a1c1c; background: #fff; }
.timebar { display: flex; align-items: center; gap: 10px; padding: 5px 8px; background: var(--panel); border-top: 1px solid rgba(128,128,128,.35); }
.timebar button { flex: none; min-width: 92px; padding: 4px 10px; border-radius: 6px; border: 1px solid rgba(128,128,128,.5);
                  background: var(--panel); color: var(--text); font: 600 14px "Source Sans Pro", "DejaVu Sans", sans-serif; cursor: pointer; }
.timebar button:focus-visible, .timebar input:focus-visible { outline: 2px solid #0072B2; outline-offset: 1px; }
.timebar input { flex: 1; accent-color: #0072B2; }
.timebar output { flex: none; min-width: 86px; text-align: right; font: 600 13px "DejaVu Sans Mono", monospace; }
.timebar[hidden] { display: none; }
.present .timebar button, .present .timebar output { font-size: 16px; }
.basemap-note { position: absolute; right: 8px; bottom: 4px; font-size: 10px; color: #333; background: rgba(255,255,255,.7); padding: 0 4px; }
`;

const WORLD = 512;  // Web Mercator world width in CSS pixels at zoom 0 (as MapLibre, deck.gl and the exports)
const MIN_ZOOM = 0.5, MAX_ZOOM = 12, FIT_MAX_ZOOM = 6.5, MAX_LAT = 85.05112878;
const PICK_RADIUS = 10;  // px around the pointer in which a symbol counts as hit
const REPORT_AFTER_MS = 350;  // a user's move is reported once the camera has been still this long

// --- Web Mercator in world units (0..512 at zoom 0) ---------------------------------------------------------
function wx(lon) { return (lon + 180) / 360 * WORLD; }
function wy(lat) {
  const phi = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI / 180;
  return (1 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / Math.PI) / 2 * WORLD;
}
function lonOf(x) { return x / WORLD * 360 - 180; }
function latOf(y) { return Math.atan(Math.sinh(Math.PI * (1 - 2 * y / WORLD))) * 180 / Math.PI; }

// --- the data of a version (once per version and page) ------------------------------------------------------
const dataPromises = new Map();  // url -> promise of the prepared data (the newest few); the table shares it
export function loadData(url) {
  if (!dataPromises.has(url)) {
    const p = fetch(new URL(url, document.baseURI).href, { cache: "force-cache" }).then(function (r) {
      if (!r.ok) { throw new Error("map data " + url + ": HTTP " + r.status); }
      return r.json();
    }).then(function (d) {
      const prepared = prepare(d);
      performance.mark("bb-data-ready");
      return prepared;
    });
    p.catch(function () { dataPromises.delete(url); });  // a failed fetch is tried again on the next render
    dataPromises.set(url, p);
    while (dataPromises.size > 3) { dataPromises.delete(dataPromises.keys().next().value); }
  }
  return dataPromises.get(url);
}

// Opened from the app's page head (dashboard.asgi), this module runs while Streamlit is still starting and
// gets the newest data ready; the component finds it prepared when it mounts.
const early = typeof document !== "undefined" && document.querySelector("script[data-bb-data]");
if (early) { loadData(early.getAttribute("data-bb-data")).catch(function () { /* the component fetches again */ }); }

function polygonsOf(g) {
  if (!g) { return []; }
  if (g.type === "Polygon") { return [g.coordinates]; }
  if (g.type === "MultiPolygon") { return g.coordinates; }
  return [];
}

function pathOf(polys) {  // a Path2D of polygons in world units; holes cut by the even-odd rule
  const p = new Path2D();
  polys.forEach(function (poly) {
    poly.forEach(function (ring) {
      for (let i = 0; i < ring.length; i++) {
        const x = wx(ring[i][0]), y = wy(ring[i][1]);
        if (i) { p.lineTo(x, y); } else { p.moveTo(x, y); }
      }
      p.closePath();
    });
  });
  return p;
}

function boxOf(polys) {
  let w = 180, s = 90, e = -180, n = -90;
  polys.forEach(function (poly) {
    poly[0].forEach(function (p) { if (p[0] < w) { w = p[0]; } if (p[0] > e) { e = p[0]; } if (p[1] < s) { s = p[1]; } if (p[1] > n) { n = p[1]; } });
  });
  return [w, s, e, n];
}

function prepare(d) {
  const R = d.records, n = R.id.length;
  d.n = n;
  d.byCountry = {};  // country index -> records drawn through that country (not located)
  d.pointIdx = [];
  d.px = new Float64Array(n); d.py = new Float64Array(n);  // world position of located records
  for (let i = 0; i < n; i++) {
    if (R.lon[i] !== null && R.lat[i] !== null) {
      d.pointIdx.push(i);
      d.px[i] = wx(R.lon[i]); d.py[i] = wy(R.lat[i]);
    } else {
      const ps = R.partners[i];
      for (let j = 0; j < ps.length; j++) { (d.byCountry[ps[j]] = d.byCountry[ps[j]] || []).push(i); }
    }
  }
  d.countryName = d.countries.features.map(function (f) { return f.properties.name; });
  d.countryIso = d.countries.features.map(function (f) { return f.properties.iso; });
  d.countryIndex = {};
  d.countryIso.forEach(function (iso, c) { d.countryIndex[iso] = c; });
  d.polygons = d.countries.features.map(function (f) { return polygonsOf(f.geometry); });
  d.boxes = d.polygons.map(boxOf);
  d.countryPaths = d.polygons.map(pathOf);
  // regional outlines, each once: records over the same countries share one (R.area: its index, or -1)
  d.areaPath = d.areas.features.map(function (f) { return pathOf(polygonsOf(f.geometry)); });
  d.areaRecords = [];
  R.area.forEach(function (a, k) { if (a >= 0) { d.areaRecords.push(k); } });
  d.instByKey = {};
  d.instruments.forEach(function (inst, k) { d.instByKey[inst.key] = k; });
  d.legendKey = function (i) { return R.cell[i] ? "cell" : d.instruments[R.inst[i]].key; };
  return d;
}

function inRing(x, y, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
    if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
  }
  return inside;
}

function inPolygons(x, y, polys) {
  for (let k = 0; k < polys.length; k++) {
    const poly = polys[k];
    if (!inRing(x, y, poly[0])) { continue; }
    let hole = false;
    for (let h = 1; h < poly.length; h++) { if (inRing(x, y, poly[h])) { hole = true; break; } }
    if (!hole) { return true; }
  }
  return false;
}

// --- symbols ------------------------------------------------------------------------------------------------
function drawShape(ctx, shape, size, colour, ring, cx, cy) {
  const r = size / 2;
  ctx.beginPath();
  if (shape === "diamond") {
    ctx.moveTo(cx, cy - r * 1.2); ctx.lineTo(cx + r * 1.2, cy); ctx.lineTo(cx, cy + r * 1.2); ctx.lineTo(cx - r * 1.2, cy); ctx.closePath();
  } else if (shape === "square") {
    ctx.rect(cx - r * 0.9, cy - r * 0.9, r * 1.8, r * 1.8);
  } else if (shape === "triangle") {
    ctx.moveTo(cx, cy - r * 1.1); ctx.lineTo(cx + r * 1.1, cy + r * 0.85); ctx.lineTo(cx - r * 1.1, cy + r * 0.85); ctx.closePath();
  } else if (shape === "hexagon") {
    for (let k = 0; k < 6; k++) { const a = Math.PI / 3 * k; ctx[k ? "lineTo" : "moveTo"](cx + r * Math.cos(a), cy + r * Math.sin(a)); }
    ctx.closePath();
  } else {
    ctx.arc(cx, cy, r, 0, 2 * Math.PI);
  }
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.lineWidth = ring ? 2.5 : 1.5;
  ctx.strokeStyle = ring ? "#222222" : "#FFFFFF";
  ctx.stroke();
}

function icons(D, ratio) {  // every point symbol drawn once on its own small canvas, at the screen's pixel ratio
  const out = {};
  const make = function (key, shape, size, colour, ring) {
    const css = Math.ceil(size * 1.4 + 6), c = document.createElement("canvas");
    c.width = c.height = Math.ceil(css * ratio);
    const ctx = c.getContext("2d");
    ctx.scale(ratio, ratio);
    drawShape(ctx, shape, size, colour, ring, css / 2, css / 2);
    out[key] = { canvas: c, css: css };
  };
  D.instruments.forEach(function (inst) { if (inst.form === "point") { make(inst.key, inst.shape, inst.size, inst.colour, inst.ring); } });
  make("cell", D.cell.shape, D.cell.size, D.cell.colour, true);
  return out;
}

function dashFor(d) { return d === "dash" ? [3, 2] : d === "dot" ? [1, 1.6] : []; }

// --- one live map ---------------------------------------------------------------------------------------
class LiveMap {
  constructor() {
    this.root = document.createElement("div");
    this.root.className = "bb-root";
    this.style = document.createElement("style");
    this.style.textContent = CSS;
    this.box = this.el("div", "bb-box");
    this.mapEl = this.el("div", "bb-map");
    this.mapEl.tabIndex = 0;
    this.mapEl.setAttribute("role", "application");
    this.mapEl.setAttribute("aria-label", "Situation map. Drag to pan, wheel or plus and minus to zoom, arrow keys pan, Enter lists the records at the centre.");
    this.canvas = document.createElement("canvas");
    this.mapEl.appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d");
    this.labelsEl = this.el("div", "overlay");
    this.labelsEl.setAttribute("aria-hidden", "true");
    this.zoomEl = this.el("div", "zoom");
    this.timeEl = document.createElement("div");
    this.timeEl.className = "timebar";
    this.timeEl.hidden = true;
    this.root.appendChild(this.timeEl);
    this.playEl = document.createElement("button");
    this.playEl.type = "button";
    this.rangeEl = document.createElement("input");
    this.rangeEl.type = "range"; this.rangeEl.min = "0"; this.rangeEl.step = "1";
    this.rangeEl.setAttribute("aria-label", "As of: drag to a day, or press Play");
    this.dayEl = document.createElement("output");
    [this.playEl, this.rangeEl, this.dayEl].forEach((e) => this.timeEl.appendChild(e));
    this.legendEl = this.el("div", "", "legend");
    this.legendEl.setAttribute("role", "group");
    this.legendEl.setAttribute("aria-label", "Legend: press an entry to hide or show that layer");
    this.tipEl = this.el("div", "", "tip");
    this.tipEl.setAttribute("role", "tooltip");
    this.chooserEl = this.el("div", "", "chooser");
    this.chooserEl.setAttribute("role", "dialog");
    this.chooserEl.setAttribute("aria-label", "Records here");
    this.noticeEl = this.el("div", "", "notice");
    this.noticeEl.setAttribute("role", "alert");
    this.basemapEl = this.el("div", "basemap-note");
    this.basemapEl.style.display = "none";
    [["+", "Zoom in", 1], ["−", "Zoom out", -1]].forEach((z) => {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = z[0]; b.title = z[1]; b.setAttribute("aria-label", z[1]);
      b.addEventListener("click", () => this.zoomAround(z[2], this.size[0] / 2, this.size[1] / 2, true));
      this.zoomEl.appendChild(b);
    });
    this.D = null; this.args = null; this.trigger = null; this.icons = null; this.ratio = 0;
    this.shown = null; this.all = null; this.hidden = {}; this.tieOf = null; this.groups = []; this.pts = []; this.changed = {};
    this.lastStateKey = null; this.lastFrameSeq = null; this.drawSeq = 0; this.theme = "light";
    this.view = null; this.size = [0, 0]; this.moving = false; this.moveTimer = null;
    this.queue = Promise.resolve(); this.painted = []; this.frame = null; this.tiles = {};
    this.labelFrame = null; this.hoverFrame = null; this.hoverPoint = null;
    this.measure = document.createElement("canvas").getContext("2d"); this.widthCache = {};
    this.bindEvents();
    this.bindTime();
    window.addEventListener("resize", () => { if (this.args) { this.resize(this.args); } });
    // On a wall screen the map fills what is left under the elements above it, which may arrive after the map
    // (a rerun's figures, a notice): follow the page's size, not only the window's.
    if (window.ResizeObserver) {  // the page's block (what is above the map grew) and the map's own (its legend grew)
      const page = document.querySelector("[data-testid=stMainBlockContainer]") || document.body;  // it scrolls, not the body
      const follow = new ResizeObserver(() => { if (this.args && this.args.fill_viewport) { this.resize(this.args); } });
      follow.observe(page);
      follow.observe(this.root);
    }
  }

  el(tag, cls, id) {  // the legend follows the map box; everything else lies on the map
    const e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (id) { e.id = id; }
    (this.box && id !== "legend" ? this.box : this.root).appendChild(e);
    return e;
  }

  attach(parent) {
    if (this.style.parentNode !== parent) { parent.appendChild(this.style); }
    if (this.root.parentNode !== parent) { parent.appendChild(this.root); }
  }

  post(value) {
    if (this.trigger) { this.trigger("event", Object.assign({ token: Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8) }, value)); }
  }

  // --- the time bar (kepler.gl-style playback over the as-of day; the app steps it while it plays) ---------
  bindTime() {
    this.timeDragging = false;
    this.rangeEl.addEventListener("pointerdown", () => { this.timeDragging = true; });
    this.rangeEl.addEventListener("pointerup", () => { this.timeDragging = false; });
    this.rangeEl.addEventListener("input", () => { this.dayEl.textContent = this.timeDays[+this.rangeEl.value] || ""; });
    this.rangeEl.addEventListener("change", () => {
      this.timeDragging = false;
      const day = this.timeDays[+this.rangeEl.value];
      if (day) { this.post({ kind: "asof", day: day }); }
    });
    this.playEl.addEventListener("click", () => this.post({ kind: this.timePlaying ? "pause" : "play" }));
  }

  renderTime(t) {
    this.timeEl.hidden = !t || !t.days || !t.days.length;
    if (this.timeEl.hidden) { return; }
    this.timeDays = t.days;
    this.timePlaying = !!t.playing;
    this.playEl.textContent = t.playing ? "⏸ Pause" : "▶ Play";
    this.playEl.title = t.playing ? "Stop stepping through time" :
      "Step the as-of day through the history, one step every " + t.every + " s: the map, the figures and the table follow";
    this.rangeEl.max = String(t.days.length - 1);
    if (!this.timeDragging) {
      this.rangeEl.value = String(t.step);
      this.dayEl.textContent = t.days[t.step];
    }
    this.root.dataset.timeStep = String(t.step);
  }

  // The page's layout sheet (the wall screen's, constant), in place before the first draw; the page's own copy
  // comes when Streamlit has fetched the code of its HTML element, and then changes nothing.
  pageStyle(css) {
    let el = document.getElementById("bb-page-style");
    if (!css) { if (el) { el.remove(); } return; }
    if (!el) { el = document.createElement("style"); el.id = "bb-page-style"; document.head.appendChild(el); }
    if (el.textContent !== css) { el.textContent = css; }
  }

  update(a) {
    this.pageStyle(a.page_style || "");
    this.root.classList.toggle("present", !!a.fill_viewport);
    this.renderTime(a.time);
    this.resize(a);
    const dataReady = loadData(a.data_url);
    this.queue = this.queue.then(() => dataReady)
      .then((D) => this.draw(a, D))
      .then(() => { this.noticeEl.style.display = "none"; })
      .catch((err) => {
        this.noticeEl.textContent = "The map could not be drawn: " + err.message + ". Reload the page; the table below still works.";
        this.noticeEl.style.display = "block";
      });
    return this.queue;
  }

  // --- size -------------------------------------------------------------------------------------------
  heightFor(a) {  // the map's own height; the legend strip comes under it
    if (!a.fill_viewport) { return a.height; }
    const top = this.box.getBoundingClientRect().top + window.scrollY;
    // what comes under it on a wall screen (the time slider) stays above the fold too
    return Math.max(320, Math.floor(window.innerHeight - top - this.legendEl.offsetHeight - this.timeEl.offsetHeight - 8));
  }

  resize(a) {
    const h = this.heightFor(a);
    if (this.box.style.height !== h + "px") { this.box.style.height = h + "px"; }
    const w = this.box.clientWidth, ratio = window.devicePixelRatio || 1;
    if (w !== this.size[0] || h !== this.size[1] || ratio !== this.ratio) {
      this.size = [w, h];
      this.ratio = ratio;
      this.canvas.width = Math.round(w * ratio); this.canvas.height = Math.round(h * ratio);
      this.canvas.style.width = w + "px"; this.canvas.style.height = h + "px";
      if (this.D) { this.icons = icons(this.D, ratio); }
      this.requestPaint();
      this.scheduleLabels();
    }
  }

  // --- the camera: centre in world units and zoom -------------------------------------------------------
  scale() { return Math.pow(2, this.view.zoom); }

  project(lon, lat) { return this.toScreen(wx(lon), wy(lat)); }

  toScreen(x, y) {
    const s = this.scale();
    return [(x - this.view.x) * s + this.size[0] / 2, (y - this.view.y) * s + this.size[1] / 2];
  }

  toWorld(px, py) {
    const s = this.scale();
    return [(px - this.size[0] / 2) / s + this.view.x, (py - this.size[1] / 2) / s + this.view.y];
  }

  setView(v, byUser) {
    const zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, v.zoom));
    const top = wy(MAX_LAT), bottom = wy(-MAX_LAT);
    this.view = { x: Math.max(0, Math.min(WORLD, v.x)), y: Math.max(top, Math.min(bottom, v.y)), zoom: zoom };
    this.closeChooser();
    this.requestPaint();
    this.scheduleLabels();
    if (byUser) {
      this.moving = true;
      clearTimeout(this.moveTimer);
      this.moveTimer = setTimeout(() => { this.moving = false; this.reportCamera(); }, REPORT_AFTER_MS);
    }
  }

  frameView(f) {
    if (!f.bounds) { return { x: wx(f.center[1]), y: wy(f.center[0]), zoom: f.zoom }; }
    const W = this.size[0], H = this.size[1], b = f.bounds;
    const pad = Math.min(50, Math.round(Math.min(W, H) / 12));
    let left = pad, right = pad + 30, top = pad, bottom = pad;  // the zoom buttons on the right
    if (W - left - right < 80) { left = right = 0; }
    if (H - top - bottom < 80) { top = bottom = 0; }
    const x0 = wx(b[0]), x1 = wx(b[2]), y0 = wy(b[3]), y1 = wy(b[1]);
    const zoom = Math.min(FIT_MAX_ZOOM, Math.log2(Math.min((W - left - right) / Math.max(x1 - x0, 1e-9), (H - top - bottom) / Math.max(y1 - y0, 1e-9))));
    const s = Math.pow(2, zoom);
    return { x: (x0 + x1) / 2 - (left - right) / 2 / s, y: (y0 + y1) / 2 - (top - bottom) / 2 / s, zoom: zoom };
  }

  zoomAround(dz, px, py, byUser) {
    if (!this.view) { return; }
    const before = this.toWorld(px, py), zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, this.view.zoom + dz)), s = Math.pow(2, zoom);
    this.setView({ x: before[0] - (px - this.size[0] / 2) / s, y: before[1] - (py - this.size[1] / 2) / s, zoom: zoom }, byUser);
  }

  panBy(dx, dy) { if (this.view) { const s = this.scale(); this.setView({ x: this.view.x + dx / s, y: this.view.y + dy / s, zoom: this.view.zoom }, true); } }

  camera() { return this.view ? { lat: latOf(this.view.y), lon: lonOf(this.view.x), zoom: this.view.zoom } : null; }

  reportCamera() {
    const c = this.camera();
    if (c) { this.post({ kind: "view", center: [c.lat, c.lon], zoom: c.zoom }); }
  }

  // --- painting ---------------------------------------------------------------------------------------
  requestPaint() { if (this.frame === null) { this.frame = requestAnimationFrame(() => this.paint()); } }

  painting() {  // resolved once the next paint is on the screen (the animation frame after it)
    return new Promise((resolve) => { this.painted.push(resolve); this.requestPaint(); });
  }

  palette() { return this.D.themes[this.theme] || this.D.themes.light; }

  paint() {
    this.frame = null;
    const D = this.D, ctx = this.ctx;
    if (!D || !this.view || !this.shown) { return; }
    const started = performance.now();
    const p = this.palette(), st = this.args.state, online = !!st.basemap, R = D.records;
    const r = this.ratio, W = this.size[0], H = this.size[1], s = this.scale();
    const ox = W / 2 - this.view.x * s, oy = H / 2 - this.view.y * s;
    const world = function () { ctx.setTransform(r * s, 0, 0, r * s, r * ox, r * oy); };
    const screen = function () { ctx.setTransform(r, 0, 0, r, 0, 0); };
    screen();
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = online ? "#DDDDDD" : p.water;
    ctx.fillRect(0, 0, W, H);
    if (online) { this.paintTiles(st.basemap, s, ox, oy); }
    // visible part of the world, for culling outlines
    const vw = this.toWorld(0, 0), ve = this.toWorld(W, H);
    const west = lonOf(vw[0]), east = lonOf(ve[0]), north = latOf(vw[1]), south = latOf(ve[1]);
    const visible = function (b) { return b[2] >= west && b[0] <= east && b[3] >= south && b[1] <= north; };
    world();
    const fills = D.tie_fills, tieOf = this.tieOf;
    ctx.lineJoin = "round";
    for (let c = 0; c < D.countryPaths.length; c++) {
      if (!visible(D.boxes[c])) { continue; }
      const t = tieOf[c];
      if (t >= 0 && this.hatched[c]) {  // "date unknown": the land colour, hatched in the tie's colour
        ctx.globalAlpha = online ? 0.75 : 1;
        if (!online) { ctx.fillStyle = p.land; ctx.fill(D.countryPaths[c], "evenodd"); }
        ctx.fillStyle = this.hatch(fills[t], s);
      } else if (t >= 0) { ctx.globalAlpha = online ? 0.75 : 1; ctx.fillStyle = fills[t]; } else if (online) { continue; } else { ctx.globalAlpha = 1; ctx.fillStyle = p.land; }
      ctx.fill(D.countryPaths[c], "evenodd");
    }
    ctx.globalAlpha = 1;
    ctx.strokeStyle = p.borders; ctx.lineWidth = 0.8 / s;
    for (let c = 0; c < D.countryPaths.length; c++) { if (visible(D.boxes[c])) { ctx.stroke(D.countryPaths[c]); } }
    const shown = this.shown, sel = st.selected, changed = this.changed;
    const outline = function (path, colour, width, dash) {
      ctx.strokeStyle = colour; ctx.lineWidth = width / s;
      ctx.setLineDash(dash.map(function (x) { return x * width / s; }));
      ctx.stroke(path);
    };
    // regional frameworks: outlines with their dash pattern (an outline drawn once per instrument, however
    // many of its records share it)
    const stroked = new Set();
    D.areaRecords.forEach(function (k) {
      const once = R.area[k] * D.instruments.length + R.inst[k];
      if (!shown[k] || stroked.has(once)) { return; }
      stroked.add(once);
      const inst = D.instruments[R.inst[k]];
      outline(D.areaPath[R.area[k]], inst.colour, 2.4, dashFor(inst.dash));
    });
    const routeColour = D.route_colour || "#6A3D9A";
    (st.route || []).forEach(function (iso) { const c = D.countryIndex[iso]; if (c !== undefined) { outline(D.countryPaths[c], routeColour, 3.5, [4, 2]); } });
    if (sel >= 0 && R.lon[sel] === null && R.area[sel] < 0) {
      R.partners[sel].forEach(function (c) { outline(D.countryPaths[c], p.highlight, 3, []); });
    }
    D.areaRecords.forEach(function (k) {
      if (shown[k] && changed[k]) { outline(D.areaPath[R.area[k]], "#EE3377", 4, [2, 1]); }
    });
    if (sel >= 0 && R.area[sel] >= 0) { outline(D.areaPath[R.area[sel]], p.highlight, 4, []); }
    ctx.setLineDash([]);
    screen();
    // the chosen routes: a line from each route country to the EU entry point
    const chosen = this.hidden.route ? [] : (st.routes || []).filter(function (id) { return D.routes[id]; });
    chosen.forEach((id) => {
      const route = D.routes[id], e = this.project(route.entry[0], route.entry[1]);
      ctx.strokeStyle = routeColour; ctx.globalAlpha = 0.85; ctx.lineWidth = 2.5; ctx.lineCap = "round";
      route.from.forEach((f) => { const a = this.project(f[1], f[2]); ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(e[0], e[1]); ctx.stroke(); });
      ctx.globalAlpha = 1;
      ctx.beginPath(); ctx.arc(e[0], e[1], 6, 0, 2 * Math.PI); ctx.fillStyle = routeColour; ctx.fill();
      ctx.lineWidth = 2; ctx.strokeStyle = "#FFFFFF"; ctx.stroke();
    });
    // sites: halos of recent changes, the selection ring, then the symbols
    const pts = this.pts, icon = this.icons, margin = 20;
    const xs = new Float64Array(pts.length), ys = new Float64Array(pts.length);
    for (let j = 0; j < pts.length; j++) { xs[j] = (D.px[pts[j]] * s) + ox; ys[j] = (D.py[pts[j]] * s) + oy; }
    const inside = function (j) { return xs[j] > -margin && ys[j] > -margin && xs[j] < W + margin && ys[j] < H + margin; };
    ctx.fillStyle = "rgba(238,51,119,0.45)";
    for (let j = 0; j < pts.length; j++) { if (changed[pts[j]] && inside(j)) { ctx.beginPath(); ctx.arc(xs[j], ys[j], 15, 0, 2 * Math.PI); ctx.fill(); } }
    for (let j = 0; j < pts.length; j++) {
      if (!inside(j)) { continue; }
      const ic = icon[D.legendKey(pts[j])];
      ctx.drawImage(ic.canvas, xs[j] - ic.css / 2, ys[j] - ic.css / 2, ic.css, ic.css);
    }
    // "date unknown" on the asked day: a small question mark on the symbol
    ctx.font = "700 10px 'DejaVu Sans', sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    for (let j = 0; j < pts.length; j++) {
      if (!this.unknown[pts[j]] || !inside(j)) { continue; }
      const bx = xs[j] - 9, by = ys[j] - 9;
      ctx.beginPath(); ctx.arc(bx, by, 6.5, 0, 2 * Math.PI); ctx.fillStyle = "#FFFFFF"; ctx.fill();
      ctx.lineWidth = 1.5; ctx.strokeStyle = "#333333"; ctx.stroke();
      ctx.fillStyle = "#333333"; ctx.fillText("?", bx, by + 0.5);
    }
    if (sel >= 0 && R.lon[sel] !== null && shown[sel]) {
      const q = this.project(R.lon[sel], R.lat[sel]);
      ctx.beginPath(); ctx.arc(q[0], q[1], 16, 0, 2 * Math.PI); ctx.lineWidth = 3; ctx.strokeStyle = p.highlight; ctx.stroke();
    }
    this.paintMs = performance.now() - started;
    const waiting = this.painted;
    this.painted = [];
    if (waiting.length) {  // on the screen with the next animation frame
      requestAnimationFrame(() => { this.paintedAt = performance.now(); waiting.forEach(function (f) { f(); }); });
    }
  }

  hatch(colour, s) {  // diagonal stripes of a colour, 7 CSS px apart whatever the zoom
    this.hatches = this.hatches || {};
    let h = this.hatches[colour];
    if (!h) {
      const r = this.ratio, c = document.createElement("canvas");
      c.width = c.height = Math.round(7 * r);
      const x = c.getContext("2d");
      x.strokeStyle = colour; x.lineWidth = 2.2 * r; x.lineCap = "square";
      x.beginPath(); x.moveTo(0, c.height); x.lineTo(c.width, 0); x.stroke();
      h = this.hatches[colour] = this.ctx.createPattern(c, "repeat");
    }
    h.setTransform(new DOMMatrix().scale(1 / (this.ratio * s)));
    return h;
  }

  // Opt-in online basemap (BB_ONLINE_BASEMAP): raster tiles of the current view, under the countries.
  paintTiles(template, s, ox, oy) {
    const ctx = this.ctx, z = Math.max(0, Math.min(18, Math.round(this.view.zoom))), n = Math.pow(2, z), size = WORLD / n * s;
    const x0 = Math.max(0, Math.floor(-ox / size)), x1 = Math.min(n - 1, Math.floor((this.size[0] - ox) / size));
    const y0 = Math.max(0, Math.floor(-oy / size)), y1 = Math.min(n - 1, Math.floor((this.size[1] - oy) / size));
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const url = template.replace("{z}", z).replace("{x}", x).replace("{y}", y);
        let img = this.tiles[url];
        if (!img) {
          img = this.tiles[url] = new Image();
          img.onload = () => this.requestPaint();
          img.src = url;
        }
        if (img.complete && img.naturalWidth) { ctx.drawImage(img, ox + x * size, oy + y * size, size + 0.5, size + 0.5); }
      }
    }
  }

  // --- applying a rerun state -------------------------------------------------------------------------
  apply(a) {
    const D = this.D, st = a.state, n = D.n;
    if (st.n !== n) { throw new Error("map data and state disagree (" + st.n + " records expected, " + n + " loaded)"); }
    const all = decodeMask(st.shown, n), mask = all.slice();
    for (let i = 0; i < n; i++) { if (mask[i] && this.hidden[D.legendKey(i)]) { mask[i] = 0; } }
    this.all = all;
    this.shown = mask;
    // countries: the strongest tie among the shown records drawn through them (the classes present are
    // computed by the app, map_model.tie_classes; here only the legend's hidden tie layers are skipped)
    const nc = D.countries.features.length, ties = new Int16Array(nc).fill(-1);
    let hiddenTie = 0;
    D.instruments.forEach((inst) => { if (inst.tie >= 0 && this.hidden[inst.key]) { hiddenTie |= 1 << inst.tie; } });
    const hatched = new Uint8Array(nc), known = st.ties_known || st.ties;
    for (let c = 0; c < nc; c++) {
      const bits = parseInt(st.ties.charAt(c), 16) & ~hiddenTie;
      ties[c] = bits ? Math.log2(bits & -bits) : -1;
      // the country's strongest tie rests only on records whose dates leave the day open: hatched, not filled
      hatched[c] = ties[c] >= 0 && !(parseInt(known.charAt(c), 16) & (1 << ties[c])) ? 1 : 0;
    }
    this.tieOf = ties;
    this.hatched = hatched;
    this.unknown = {};
    (st.unknown || []).forEach((k) => { this.unknown[k] = true; });
    this.changed = {};
    (st.changed || []).forEach((k) => { this.changed[k] = true; });
    this.pts = D.pointIdx.filter(function (k) { return mask[k]; });
    this.basemapEl.style.display = st.basemap ? "block" : "none";
    this.basemapEl.textContent = st.basemap ? "Online basemap: " + new URL(st.basemap.replace(/[{}]/g, "")).host : "";
    this.renderLegend(st);
    this.groupPoints(this.pts);
  }

  redraw() {
    if (!this.args || !this.D || !this.view) { return Promise.resolve(); }
    this.apply(this.args);
    this.scheduleLabels();
    return this.painting();
  }

  draw(a, D) {
    const started = performance.now();
    const newData = this.D !== D;
    this.D = D;
    if (newData || !this.icons) { this.icons = icons(D, this.ratio || 1); }
    const first = !this.view;
    this.args = a;
    const themeChanged = a.state.theme !== this.theme;
    this.theme = a.state.theme || "light";
    if (themeChanged || first) { this.applyTheme(); }
    const frameChanged = a.frame.seq !== this.lastFrameSeq;
    if (a.state_key === this.lastStateKey && !frameChanged && !themeChanged && !newData) { return Promise.resolve(); }
    this.apply(a);  // first: the legend strip's height counts when the map fills the screen
    this.resize(a);
    if (frameChanged) {
      this.lastFrameSeq = a.frame.seq;
      this.setView(this.frameView(a.frame), false);
    }
    this.scheduleLabels();
    return this.painting().then(() => {
      this.lastStateKey = a.state_key;
      this.drawSeq++;
      this.root.dataset.stateKey = a.state_key;
      this.root.dataset.frameSeq = String(a.frame.seq);
      this.root.dataset.drawSeq = String(this.drawSeq);
      this.root.dataset.drawMs = String(Math.round(performance.now() - started));
      if (!performance.getEntriesByName("bb-first-draw").length) { performance.mark("bb-first-draw"); }
    });
  }

  applyTheme() {
    const p = this.palette(), s = this.root.style;
    s.setProperty("--label", p.label); s.setProperty("--halo", p.halo);
    s.setProperty("--panel", p.panel); s.setProperty("--text", p.text);
    s.background = p.water;
    this.root.dataset.theme = this.theme;
  }

  // --- the legend: each layer as it looks on the map, and a toggle ------------------------------------
  swatch(entry) {
    const c = document.createElement("canvas"), w = 26, h = 16, ratio = 2;
    c.width = w * ratio; c.height = h * ratio; c.style.width = w + "px"; c.style.height = h + "px";
    const ctx = c.getContext("2d");
    ctx.scale(ratio, ratio);
    const p = this.palette(), D = this.D;
    if (entry.form === "fill" || entry.form === "land") {
      ctx.fillStyle = entry.form === "land" ? p.land : entry.colour; ctx.fillRect(3, 2, 20, 12);
      ctx.strokeStyle = p.borders; ctx.lineWidth = 1; ctx.strokeRect(3.5, 2.5, 19, 11);
    } else if (entry.form === "outline" || entry.form === "line") {
      ctx.strokeStyle = entry.colour; ctx.lineWidth = entry.width || 2.4;
      const d = entry.dash === "dash" ? [3, 2] : entry.dash === "dot" ? [1, 1.6] : entry.dash === "route" ? [4, 2] : entry.dash === "changed" ? [2, 1] : [];
      ctx.setLineDash(d.map(function (x) { return x * ctx.lineWidth; }));
      ctx.strokeRect(4, 3, 18, 10);
    } else if (entry.form === "arrow") {
      ctx.strokeStyle = entry.colour; ctx.lineWidth = 2.5; ctx.lineCap = "round";
      ctx.beginPath(); ctx.moveTo(3, 12); ctx.lineTo(19, 5); ctx.stroke();
      ctx.beginPath(); ctx.arc(20, 5, 3.5, 0, 2 * Math.PI); ctx.fillStyle = entry.colour; ctx.fill();
      ctx.lineWidth = 1.2; ctx.strokeStyle = "#FFFFFF"; ctx.stroke();
    } else if (entry.form === "unknown") {
      ctx.fillStyle = p.land; ctx.fillRect(3, 2, 20, 12);
      ctx.save(); ctx.beginPath(); ctx.rect(3, 2, 20, 12); ctx.clip();
      ctx.strokeStyle = entry.colour; ctx.lineWidth = 2.2;
      for (let x = -12; x < 26; x += 7) { ctx.beginPath(); ctx.moveTo(x, 14); ctx.lineTo(x + 12, 2); ctx.stroke(); }
      ctx.restore();
      ctx.beginPath(); ctx.arc(19, 9, 5.5, 0, 2 * Math.PI); ctx.fillStyle = "#FFFFFF"; ctx.fill();
      ctx.lineWidth = 1.2; ctx.strokeStyle = "#333333"; ctx.stroke();
      ctx.fillStyle = "#333333"; ctx.font = "700 8px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.fillText("?", 19, 9.5);
    } else if (entry.form === "halo") {
      ctx.beginPath(); ctx.arc(13, 8, 7, 0, 2 * Math.PI);
      if (entry.fill) { ctx.globalAlpha = 0.45; ctx.fillStyle = entry.colour; ctx.fill(); ctx.globalAlpha = 1; } else { ctx.lineWidth = 2.5; ctx.strokeStyle = entry.colour; ctx.stroke(); }
    } else {
      const inst = entry.key === "cell" ? D.cell : D.instruments[D.instByKey[entry.key]];
      drawShape(ctx, entry.shape, Math.min(inst.size, 12), entry.colour, inst.ring, 13, 8);
    }
    return c;
  }

  legendButton(entry, count, toggle) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.key = entry.key;
    b.dataset.form = entry.form;
    b.appendChild(this.swatch(entry));
    const t = document.createElement("span");
    t.textContent = entry.label + (count !== null ? " (" + count + ")" : "");
    b.appendChild(t);
    if (toggle) {
      b.setAttribute("aria-pressed", this.hidden[entry.key] ? "false" : "true");
      b.title = (this.hidden[entry.key] ? "Show " : "Hide ") + entry.label + " on the map";
      b.addEventListener("click", () => {
        if (this.hidden[entry.key]) { delete this.hidden[entry.key]; } else { this.hidden[entry.key] = true; }
        this.redraw();
      });
    } else {
      b.disabled = true;
    }
    return b;
  }

  renderLegend(st) {
    const D = this.D, R = D.records, counts = {}, all = this.all;
    for (let i = 0; i < D.n; i++) {  // what each entry draws: a site entry counts only records with a site
      if (!all[i]) { continue; }
      const k = D.legendKey(i), form = D.instruments[R.inst[i]].form;
      if (form === "point" && R.lon[i] === null) { continue; }
      counts[k] = (counts[k] || 0) + 1;
    }
    const L = this.legendEl;
    L.textContent = "";
    const h = document.createElement("h2"), ht = document.createElement("span"), hb = document.createElement("button");
    ht.textContent = "Legend"; hb.type = "button"; hb.className = "collapse";
    hb.textContent = L.classList.contains("collapsed") ? "show" : "hide";
    hb.setAttribute("aria-expanded", L.classList.contains("collapsed") ? "false" : "true");
    hb.addEventListener("click", () => { L.classList.toggle("collapsed"); this.renderLegend(st); if (this.args) { this.resize(this.args); } });
    h.appendChild(ht); h.appendChild(hb); L.appendChild(h);
    const group = function (title) {
      const g = document.createElement("div"), h3 = document.createElement("h3");
      g.className = "group"; h3.textContent = title; g.appendChild(h3); L.appendChild(g);
      return g;
    };
    const groups = [["Countries, by strongest tie:", "fill"], ["Outlines:", "outline"], ["Sites:", "point"]];
    groups.forEach((g) => {
      const entries = D.legend.filter(function (e) { return e.form === g[1] && counts[e.key]; });
      if (!entries.length && g[1] !== "fill") { return; }
      const box = group(g[0]);
      entries.forEach((e) => { box.appendChild(this.legendButton(e, counts[e.key], true)); });
      if (g[1] === "fill") { box.appendChild(this.legendButton({ key: "land", label: "No tie shown", form: "land" }, null, false)); }
    });
    const routed = (st.routes || []).filter(function (r) { return D.routes[r]; });
    if (routed.length) {
      group("Migratory routes:").appendChild(this.legendButton({ key: "route", label: "Route towards its EU entry point (" +
        routed.map(function (r) { return D.routes[r].place; }).join(", ") + ", approximate)", form: "arrow", colour: D.route_colour || "#6A3D9A" }, null, true));
    }
    const extra = [];
    if ((st.route || []).length) { extra.push({ key: "route-countries", label: "Countries on the chosen route", form: "line", colour: D.route_colour || "#6A3D9A", dash: "route", width: 2.5 }); }
    if ((st.unknown || []).length) {
      extra.push({ key: "unknown", label: "Date unknown on the day (" + st.unknown.length + "): hatched, or ?", form: "unknown", colour: "#888888" });
    }
    if ((st.changed || []).length) { extra.push({ key: "changed", label: "Added or changed recently", form: "halo", colour: "#EE3377", fill: true }); }
    if (st.selected >= 0) { extra.push({ key: "selected", label: "Selected", form: "halo", colour: this.palette().highlight }); }
    if (extra.length) {
      const box = group("Highlights:");
      extra.forEach((e) => { box.appendChild(this.legendButton(e, null, false)); });
    }
  }

  // --- labels and "N here" badges (HTML, decluttered) -------------------------------------------------
  groupPoints(pts) {
    const R = this.D.records, by = {};
    pts.forEach(function (k) {
      const key = R.lon[k].toFixed(2) + "," + R.lat[k].toFixed(2);
      (by[key] = by[key] || { lon: R.lon[k], lat: R.lat[k], n: 0 }).n++;
    });
    this.groups = Object.keys(by).map(function (k) { return by[k]; }).filter(function (g) { return g.n > 1; });
  }

  textWidth(s, px) {
    const key = px + "|" + s;
    if (!(key in this.widthCache)) { this.measure.font = "600 " + px + "px 'DejaVu Sans', sans-serif"; this.widthCache[key] = this.measure.measureText(s).width; }
    return this.widthCache[key];
  }

  scheduleLabels() { if (this.labelFrame === null) { this.labelFrame = requestAnimationFrame(() => this.drawLabels()); } }

  drawLabels() {
    this.labelFrame = null;
    const D = this.D;
    if (!D || !this.tieOf || !this.view) { return; }
    const W = this.size[0], H = this.size[1], z = this.view.zoom, me = this;
    const px = this.root.classList.contains("present") ? 15 : 12;
    const involved = {}, shown = this.shown, R = D.records, tieOf = this.tieOf;
    for (let i = 0; i < D.n; i++) {
      if (!shown[i]) { continue; }
      const ps = R.partners[i];
      if (ps.length <= 12 || R.lon[i] !== null) { ps.forEach(function (c) { involved[c] = true; }); }
    }
    const cands = D.labels.map(function (l) { return { c: l[0], lon: l[1], lat: l[2], area: l[3], inv: !!(involved[l[0]] || tieOf[l[0]] >= 0) }; })
      .filter(function (l) { return l.inv || (l.area >= 1 && (z >= 3.5 || l.area > 300)) || z >= 6; })
      .sort(function (a, b) { return (b.inv - a.inv) || (b.area - a.area); });
    const boxes = [], frag = document.createDocumentFragment();
    const free = function (b) {
      if (b.x0 < 0 || b.y0 < 0 || b.x1 > W - 40 * (b.y0 < 70) || b.y1 > H) { return false; }  // clear of the zoom buttons
      for (let k = 0; k < boxes.length; k++) { const o = boxes[k]; if (b.x0 < o.x1 && b.x1 > o.x0 && b.y0 < o.y1 && b.y1 > o.y0) { return false; } }
      return true;
    };
    this.groups.forEach(function (g) {
      const p = me.project(g.lon, g.lat);
      if (p[0] < 0 || p[1] < 0 || p[0] > W || p[1] > H) { return; }
      const b = document.createElement("div");
      b.className = "badge";
      b.textContent = String(g.n);
      b.title = g.n + " records here";
      b.style.left = p[0] + "px"; b.style.top = p[1] + "px";
      boxes.push({ x0: p[0] - 10, y0: p[1] - 12, x1: p[0] + 22, y1: p[1] + 10 });
      frag.appendChild(b);
    });
    let placed = 0;
    cands.forEach((l) => {
      if (placed >= 90) { return; }
      const p = this.project(l.lon, l.lat);
      const name = D.countryName[l.c], size = l.inv ? px : px - 1, w = this.textWidth(name, size) + 6, h = size + 4;
      const b = { x0: p[0] - w / 2, y0: p[1] - h / 2, x1: p[0] + w / 2, y1: p[1] + h / 2 };
      if (!free(b)) { return; }
      boxes.push(b);
      const el = document.createElement("div");
      el.className = l.inv ? "lbl" : "lbl minor";
      el.textContent = name;
      el.dataset.iso = D.countryIso[l.c];
      el.style.left = p[0] + "px"; el.style.top = p[1] + "px";
      frag.appendChild(el);
      placed++;
    });
    this.labelsEl.textContent = "";
    this.labelsEl.appendChild(frag);
  }

  // --- picking ----------------------------------------------------------------------------------------
  candidatesAt(point) {
    const D = this.D, R = D.records;
    if (!D || !this.shown || !this.view) { return null; }
    const pts = [];
    for (let j = 0; j < this.pts.length; j++) {
      const k = this.pts[j], p = this.toScreen(D.px[k], D.py[k]);
      const d = Math.hypot(p[0] - point.x, p[1] - point.y);
      if (d <= PICK_RADIUS) { pts.push({ k: k, d: d }); }
    }
    if (pts.length) {
      pts.sort(function (a, b) { return a.d - b.d; });
      return { kind: "place", list: pts.map(function (p) { return p.k; }) };
    }
    const w = this.toWorld(point.x, point.y), x = lonOf(w[0]), y = latOf(w[1]);
    let c = -1;
    for (let i = 0; i < D.boxes.length; i++) {
      const b = D.boxes[i];
      if (x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3] && inPolygons(x, y, D.polygons[i])) { c = i; break; }
    }
    if (c < 0) { return null; }
    const shown = this.shown;
    const list = (D.byCountry[c] || []).filter(function (k) { return shown[k]; });
    list.sort(function (a, b) {
      let ta = D.instruments[R.inst[a]].tie, tb = D.instruments[R.inst[b]].tie;
      ta = ta < 0 ? 99 : ta; tb = tb < 0 ? 99 : tb;
      return (ta - tb) || (R.partners[a].length - R.partners[b].length);
    });
    return { kind: "country", country: c, list: list };
  }

  select(k) {
    this.closeChooser();
    this.post({ kind: "click", id: this.D.records.id[k] });
  }

  instLabel(k) { const R = this.D.records; return R.cell[k] ? "AFIC risk analysis cell" : this.D.instruments[R.inst[k]].label; }

  openChooser(c, point) {
    const D = this.D, R = D.records, C = this.chooserEl;
    C.textContent = "";
    const head = document.createElement("b");
    head.textContent = c.kind === "country" ? D.countryName[c.country] + ": " + c.list.length + " records" : c.list.length + " records here";
    C.appendChild(head);
    c.list.forEach((k) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.id = R.id[k];
      const key = D.legendKey(k), entry = D.legend.filter(function (e) { return e.key === key; })[0];
      if (entry) { b.appendChild(this.swatch(entry)); }
      const name = document.createElement("span"); name.textContent = R.name[k]; b.appendChild(name);
      const inst = document.createElement("span"); inst.className = "inst";
      inst.textContent = this.instLabel(k) + (this.unknown[k] ? " · date unknown" : ""); b.appendChild(inst);
      b.addEventListener("click", () => this.select(k));
      C.appendChild(b);
    });
    C.style.display = "block";
    const W = this.size[0], H = this.size[1];
    const x = Math.min(point.x + 12, W - C.offsetWidth - 8), y = Math.min(point.y + 12, H - C.offsetHeight - 8);
    C.style.left = Math.max(4, x) + "px"; C.style.top = Math.max(4, y) + "px";
    this.root.dataset.chooser = String(c.list.length);
    const first = C.querySelector("button");
    if (first) { first.focus(); }
  }

  closeChooser() {
    if (this.chooserEl.style.display === "block") { this.chooserEl.style.display = "none"; }
    delete this.root.dataset.chooser;
  }

  pickAt(point) {
    const c = this.candidatesAt(point);
    this.hideTip();
    if (!c || !c.list.length) { this.closeChooser(); return; }
    if (c.list.length === 1) { this.select(c.list[0]); } else { this.openChooser(c, point); }
  }

  hideTip() { this.tipEl.style.display = "none"; }

  showTip(point) {
    const c = this.candidatesAt(point);
    this.cursor = c && c.list.length ? "pointer" : null;
    if (!c || !c.list.length || this.chooserEl.style.display === "block") { this.hideTip(); return; }
    const D = this.D, R = D.records, T = this.tipEl;
    T.textContent = "";
    const b = document.createElement("b"), body = document.createElement("span");
    if (c.kind === "place") {
      b.textContent = R.name[c.list[0]];
      body.textContent = R.hover[c.list[0]] + (this.unknown[c.list[0]] ? "\nDate unknown on the day asked: shown, marked ?" : "") +
        (c.list.length > 1 ? "\n+" + (c.list.length - 1) + " more here: click to choose" : "");
    } else {
      b.textContent = D.countryName[c.country] + (c.list.length > 1 ? ": " + c.list.length + " records" : "");
      const lines = c.list.slice(0, 6).map((k) => "• " + R.name[k] + " (" + this.instLabel(k) + (this.unknown[k] ? ", date unknown" : "") + ")");
      if (c.list.length > 6) { lines.push("… " + (c.list.length - 6) + " more: click to list them all"); }
      body.textContent = lines.join("\n");
    }
    T.appendChild(b); T.appendChild(body);
    T.style.display = "block";
    const W = this.size[0], H = this.size[1];
    T.style.left = Math.max(4, Math.min(point.x + 14, W - T.offsetWidth - 6)) + "px";
    T.style.top = Math.max(4, Math.min(point.y + 14, H - T.offsetHeight - 6)) + "px";
  }

  local(e) { const r = this.mapEl.getBoundingClientRect(); return { x: e.clientX - r.left, y: e.clientY - r.top }; }

  bindEvents() {
    const M = this.mapEl, pointers = new Map();
    let drag = null, pinch = null;
    M.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 && e.pointerType === "mouse") { return; }
      M.setPointerCapture(e.pointerId);
      pointers.set(e.pointerId, this.local(e));
      if (pointers.size === 1) { drag = { start: this.local(e), last: this.local(e), moved: false }; }
      if (pointers.size === 2) {
        const ps = Array.from(pointers.values());
        pinch = { d: Math.hypot(ps[0].x - ps[1].x, ps[0].y - ps[1].y), zoom: this.view ? this.view.zoom : 0 };
        drag = null;
      }
    });
    M.addEventListener("pointermove", (e) => {
      const here = this.local(e);
      if (pointers.has(e.pointerId)) { pointers.set(e.pointerId, here); }
      if (pinch && pointers.size === 2 && this.view) {
        const ps = Array.from(pointers.values()), d = Math.hypot(ps[0].x - ps[1].x, ps[0].y - ps[1].y);
        this.zoomAround(pinch.zoom + Math.log2(d / Math.max(pinch.d, 1)) - this.view.zoom, (ps[0].x + ps[1].x) / 2, (ps[0].y + ps[1].y) / 2, true);
        return;
      }
      if (drag && this.view) {
        if (!drag.moved && Math.hypot(here.x - drag.start.x, here.y - drag.start.y) > 4) { drag.moved = true; M.classList.add("dragging"); this.hideTip(); }
        if (drag.moved) { this.panBy(drag.last.x - here.x, drag.last.y - here.y); }
        drag.last = here;
        return;
      }
      this.hoverPoint = here;
      if (this.hoverFrame === null) { this.hoverFrame = requestAnimationFrame(() => { this.hoverFrame = null; this.showTip(this.hoverPoint); }); }
    });
    const end = (e) => {
      pointers.delete(e.pointerId);
      if (pointers.size < 2) { pinch = null; }
      if (drag && e.type === "pointerup" && !drag.moved) {  // a click, not the end of a drag
        M.focus({ preventScroll: true });
        this.pickAt(this.local(e));
      }
      if (pointers.size === 0) { drag = null; M.classList.remove("dragging"); }
    };
    M.addEventListener("pointerup", end);
    M.addEventListener("pointercancel", end);
    M.addEventListener("mouseleave", () => this.hideTip());
    M.addEventListener("wheel", (e) => {
      e.preventDefault();
      const unit = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 800 : 1;
      const dz = Math.max(-1, Math.min(1, -e.deltaY * unit / 500));
      const q = this.local(e);
      this.zoomAround(dz, q.x, q.y, true);
    }, { passive: false });
    M.addEventListener("dblclick", (e) => { const q = this.local(e); this.zoomAround(e.shiftKey ? -1 : 1, q.x, q.y, true); });
    M.addEventListener("keydown", (e) => {
      const step = 80;
      if (e.key === "Enter") { e.preventDefault(); this.pickAt({ x: this.size[0] / 2, y: this.size[1] / 2 }); }
      else if (e.key === "ArrowLeft") { e.preventDefault(); this.panBy(-step, 0); }
      else if (e.key === "ArrowRight") { e.preventDefault(); this.panBy(step, 0); }
      else if (e.key === "ArrowUp") { e.preventDefault(); this.panBy(0, -step); }
      else if (e.key === "ArrowDown") { e.preventDefault(); this.panBy(0, step); }
      else if (e.key === "+" || e.key === "=") { e.preventDefault(); this.zoomAround(0.5, this.size[0] / 2, this.size[1] / 2, true); }
      else if (e.key === "-" || e.key === "_") { e.preventDefault(); this.zoomAround(-0.5, this.size[0] / 2, this.size[1] / 2, true); }
    });
    this.chooserEl.addEventListener("keydown", (e) => {
      const items = Array.prototype.slice.call(this.chooserEl.querySelectorAll("button"));
      const at = items.indexOf(this.chooserEl.getRootNode().activeElement);
      if (e.key === "Escape") { this.closeChooser(); this.mapEl.focus(); }
      else if (e.key === "ArrowDown" && items.length) { e.preventDefault(); items[(at + 1) % items.length].focus(); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); items[(at - 1 + items.length) % items.length].focus(); }
    });
  }
}

export function decodeMask(b64, n) {
  const bin = atob(b64), out = new Uint8Array(n);
  for (let i = 0; i < n; i++) { out[i] = (bin.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1; }
  return out;
}

// --- the component's entry point --------------------------------------------------------------------------
let live = null;  // one live map per page

export function render(component) {
  if (!performance.getEntriesByName("bb-mount").length) { performance.mark("bb-mount"); }
  if (!live) { live = new LiveMap(); installDebug(); }
  live.attach(component.parentElement);
  live.trigger = component.setTriggerValue;
  live.update(component.data);
  return function () { /* the map stays: the next render (or the page's return) moves it into its container */ };
}

// For tests, the benchmark and keyboard users' tools: what is drawn and where (ids and positions, not pixels).
// Positions are in the page's (client) coordinates.
function installDebug() {
  const m = () => live;
  const toPage = function (xy) { const r = m().mapEl.getBoundingClientRect(); return xy ? [r.left + xy[0], r.top + xy[1]] : null; };
  window.bbDebug = {
    state: function () {
      const d = m().root.dataset;
      return { drawSeq: +(d.drawSeq || 0), stateKey: d.stateKey || null, frameSeq: d.frameSeq, drawMs: +(d.drawMs || 0), theme: d.theme,
               chooser: +(d.chooser || 0), paintedAt: m().paintedAt || 0, paintMs: m().paintMs || 0 };
    },
    ready: function () { return m().drawSeq > 0; },
    moving: function () { return m().moving; },
    // the records drawn: shown, and with a site or at least one partner country to draw them through
    shownIds: function () { const D = m().D, R = D.records, s = m().shown, out = []; for (let i = 0; i < D.n; i++) { if (s[i] && (R.lon[i] !== null || R.partners[i].length)) { out.push(R.id[i]); } } return out.sort(); },
    pointOf: function (id) { const D = m().D, k = D.records.id.indexOf(id); if (k < 0 || D.records.lon[k] === null) { return null; } return toPage(m().project(D.records.lon[k], D.records.lat[k])); },
    countryPoint: function (iso) { const D = m().D, c = D.countryIndex[iso]; const l = D.labels.filter(function (x) { return x[0] === c; })[0]; return l ? toPage(m().project(l[1], l[2])) : null; },
    tie: function (iso) { return m().tieOf ? m().tieOf[m().D.countryIndex[iso]] : null; },
    ties: function () { const t = m().tieOf, out = {}; m().D.countryIso.forEach(function (iso, c) { if (t[c] >= 0) { out[iso] = t[c]; } }); return out; },
    unknownIds: function () { const D = m().D; return Object.keys(m().unknown || {}).map(function (k) { return D.records.id[+k]; }).sort(); },
    hatched: function (iso) { return !!(m().hatched && m().hatched[m().D.countryIndex[iso]]); },
    changedIds: function () { const D = m().D, s = m().shown; return Object.keys(m().changed).map(Number).filter(function (k) { return s[k]; }).map(function (k) { return D.records.id[k]; }).sort(); },
    selected: function () { const k = m().args.state.selected; return k >= 0 ? m().D.records.id[k] : null; },
    // how many pixels of the map's canvas have this colour (#RRGGBB): what is really painted, for tests
    pixels: function (hex) { const c = m().canvas, d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data, r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16); let n = 0; for (let i = 0; i < d.length; i += 4) { if (Math.abs(d[i] - r) < 3 && Math.abs(d[i + 1] - g) < 3 && Math.abs(d[i + 2] - b) < 3) { n++; } } return n; },
    routeCountries: function () { return (m().args.state.route || []).slice(); },
    routes: function () { return m().hidden.route ? [] : (m().args.state.routes || []).filter(function (r) { return m().D.routes[r]; }); },
    water: function () { return m().palette().water; },
    camera: function () { return m().camera(); },
    jumpTo: function (v) { const c = m().camera(); m().setView({ x: wx(v.lon !== undefined ? v.lon : c.lon), y: wy(v.lat !== undefined ? v.lat : c.lat), zoom: v.zoom !== undefined ? v.zoom : c.zoom }, false); },
    box: function () { const r = m().root.getBoundingClientRect(); return { x: r.left, y: r.top, width: r.width, height: r.height }; },
    labels: function () { return Array.prototype.map.call(m().labelsEl.querySelectorAll(".lbl"), function (e) { return e.textContent; }); }
  };
}
