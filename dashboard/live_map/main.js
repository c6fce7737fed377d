// The live situation map (a Streamlit component, protocol v1, without the npm helper library), drawn with
// MapLibre GL JS directly. See dashboard/live_map/__init__.py and dashboard/map_model.py for the design.
//
// - The map data of a data version (outlines, names, every record's place, style and hover text) is fetched
//   once; each rerun sends a few kilobytes: a bit mask of the shown records, selection, changes, route.
// - Picking uses MapLibre's hit-test of everything under the pointer: a symbol wins over the country it
//   stands in; several records at one place or in one country are offered in a list ("4 records here").
// - Country names and "N here" badges are an HTML layer, decluttered on every move: no glyph server.
// - Every text from the data is set with textContent, never as HTML.
(function () {
  "use strict";
  var wrap = document.getElementById("wrap");
  var mapEl = document.getElementById("map");
  var labelsEl = document.getElementById("labels");
  var legendEl = document.getElementById("legend");
  var tipEl = document.getElementById("tip");
  var chooserEl = document.getElementById("chooser");
  var notice = document.getElementById("notice");

  var D = null;            // the version's map data (see map_model.version_payload)
  var dataUrl = null, dataPromise = null;
  var map = null, mapReady = null;
  var args = null;         // the last render arguments
  var shown = null;        // Uint8Array over records: 1 when shown (and its layer not hidden in the legend)
  var hidden = {};         // legend keys the user switched off (map only)
  var lastStateKey = null, lastFrameSeq = null, drawSeq = 0;
  var theme = "light";
  var tieOf = null;        // per country: index into TIE order, or -1
  var moveTimer = null, userMoving = false;

  // --- messages to Streamlit -------------------------------------------------------------------------
  function post(type, extra) {
    var msg = { isStreamlitMessage: true, type: type };
    for (var k in extra) { msg[k] = extra[k]; }
    window.parent.postMessage(msg, "*");
  }
  function setValue(value) { post("streamlit:setComponentValue", { value: value, dataType: "json" }); }
  function token() { return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8); }

  // --- data ------------------------------------------------------------------------------------------
  function loadData(url) {
    if (url === dataUrl && dataPromise) { return dataPromise; }
    dataUrl = url;
    dataPromise = fetch(url, { cache: "force-cache" }).then(function (r) {
      if (!r.ok) { throw new Error("map data " + url + ": HTTP " + r.status); }
      return r.json();
    }).then(function (d) {
      prepare(d);
      performance.mark("bb-data-ready");
      return d;
    }).catch(function (err) {
      dataUrl = null;  // a failed fetch is tried again on the next render
      throw err;
    });
    return dataPromise;
  }

  function prepare(d) {
    var R = d.records, n = R.id.length;
    d.n = n;
    d.byCountry = {};  // country index -> records drawn through that country (not located)
    d.points = { type: "FeatureCollection", features: [] };
    d.pointIdx = [];
    for (var i = 0; i < n; i++) {
      if (R.lon[i] !== null && R.lat[i] !== null) {
        d.pointIdx.push(i);
        d.points.features.push({ type: "Feature", id: i, properties: { icon: iconKey(d, i) },
                                 geometry: { type: "Point", coordinates: [R.lon[i], R.lat[i]] } });
      } else {
        var ps = R.partners[i];
        for (var j = 0; j < ps.length; j++) { (d.byCountry[ps[j]] = d.byCountry[ps[j]] || []).push(i); }
      }
    }
    d.countryName = d.countries.features.map(function (f) { return f.properties.name; });
    d.countryIso = d.countries.features.map(function (f) { return f.properties.iso; });
    d.legendKey = function (i) { return R.cell[i] ? "cell" : d.instruments[R.inst[i]].key; };
    D = d;
  }

  function iconKey(d, i) { return d.records.cell[i] ? "bb-cell" : "bb-" + d.instruments[d.records.inst[i]].key; }

  // --- symbols: drawn on a canvas, used by the map (addImage) and by the legend alike ----------------
  function drawShape(ctx, shape, size, colour, ring, cx, cy) {
    var r = size / 2;
    ctx.beginPath();
    if (shape === "diamond") {
      ctx.moveTo(cx, cy - r * 1.2); ctx.lineTo(cx + r * 1.2, cy); ctx.lineTo(cx, cy + r * 1.2); ctx.lineTo(cx - r * 1.2, cy); ctx.closePath();
    } else if (shape === "square") {
      ctx.rect(cx - r * 0.9, cy - r * 0.9, r * 1.8, r * 1.8);
    } else if (shape === "triangle") {
      ctx.moveTo(cx, cy - r * 1.1); ctx.lineTo(cx + r * 1.1, cy + r * 0.85); ctx.lineTo(cx - r * 1.1, cy + r * 0.85); ctx.closePath();
    } else if (shape === "hexagon") {
      for (var k = 0; k < 6; k++) { var a = Math.PI / 3 * k; ctx[k ? "lineTo" : "moveTo"](cx + r * Math.cos(a), cy + r * Math.sin(a)); }
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

  function iconCanvas(shape, size, colour, ring, ratio) {
    var px = Math.ceil((size * 1.4 + 6) * ratio);
    var c = document.createElement("canvas");
    c.width = c.height = px;
    var ctx = c.getContext("2d");
    ctx.scale(ratio, ratio);
    drawShape(ctx, shape, size, colour, ring, px / ratio / 2, px / ratio / 2);
    return c;
  }

  function addIcons() {
    var ratio = 2;
    D.instruments.forEach(function (inst) {
      if (inst.form !== "point") { return; }
      var c = iconCanvas(inst.shape, inst.size, inst.colour, inst.ring, ratio);
      map.addImage("bb-" + inst.key, c.getContext("2d").getImageData(0, 0, c.width, c.height), { pixelRatio: ratio });
    });
    var cell = D.cell, cc = iconCanvas(cell.shape, cell.size, cell.colour, true, ratio);
    map.addImage("bb-cell", cc.getContext("2d").getImageData(0, 0, cc.width, cc.height), { pixelRatio: ratio });
  }

  // --- the map ---------------------------------------------------------------------------------------
  function palette() { return D.themes[theme] || D.themes.light; }

  function dashFor(d) { return d === "dash" ? [3, 2] : d === "dot" ? [1, 1.6] : [1, 0]; }

  function ourLayers(online) {
    var p = palette(), layers = [];
    var tieColour = ["match", ["feature-state", "tie"]];
    D.tie_fills.forEach(function (c, k) { tieColour.push(k, c); });
    tieColour.push(online ? "rgba(0,0,0,0)" : p.land);
    layers.push({ id: "bb-countries-fill", type: "fill", source: "countries",
                  paint: { "fill-color": tieColour, "fill-opacity": online ? ["case", ["==", ["coalesce", ["feature-state", "tie"], -1], -1], 0, 0.75] : 1 } });
    layers.push({ id: "bb-countries-line", type: "line", source: "countries", paint: { "line-color": p.borders, "line-width": 0.7 } });
    D.instruments.forEach(function (inst) {
      if (inst.form !== "outline") { return; }
      layers.push({ id: "bb-area-" + inst.key, type: "line", source: "areas", filter: ["==", ["get", "inst"], inst.key],
                    paint: { "line-color": inst.colour, "line-width": 2.4, "line-dasharray": dashFor(inst.dash),
                             "line-opacity": ["case", ["boolean", ["feature-state", "shown"], false], 1, 0] } });
    });
    layers.push({ id: "bb-route", type: "line", source: "countries",
                  paint: { "line-color": D.route_colour || "#6A3D9A", "line-width": 3.5, "line-dasharray": [4, 2],
                           "line-opacity": ["case", ["boolean", ["feature-state", "route"], false], 1, 0] } });
    layers.push({ id: "bb-route-lines", type: "line", source: "routes", filter: ["all", ["==", ["geometry-type"], "LineString"], ["in", ["get", "route"], ["literal", []]]],
                  layout: { "line-cap": "round" },
                  paint: { "line-color": D.route_colour || "#6A3D9A", "line-width": 2.5, "line-opacity": 0.85 } });
    layers.push({ id: "bb-route-entry", type: "circle", source: "routes", filter: ["all", ["==", ["geometry-type"], "Point"], ["in", ["get", "route"], ["literal", []]]],
                  paint: { "circle-radius": 6, "circle-color": D.route_colour || "#6A3D9A", "circle-stroke-width": 2, "circle-stroke-color": "#FFFFFF" } });
    layers.push({ id: "bb-country-selected", type: "line", source: "countries",
                  paint: { "line-color": p.highlight, "line-width": 3,
                           "line-opacity": ["case", ["boolean", ["feature-state", "sel"], false], 1, 0] } });
    layers.push({ id: "bb-area-changed", type: "line", source: "areas",
                  paint: { "line-color": "#EE3377", "line-width": 4, "line-dasharray": [2, 1],
                           "line-opacity": ["case", ["boolean", ["feature-state", "changed"], false], 1, 0] } });
    layers.push({ id: "bb-area-selected", type: "line", source: "areas",
                  paint: { "line-color": p.highlight, "line-width": 4,
                           "line-opacity": ["case", ["boolean", ["feature-state", "sel"], false], 1, 0] } });
    layers.push({ id: "bb-points-changed", type: "circle", source: "points", filter: ["in", ["id"], ["literal", []]],
                  paint: { "circle-radius": 15, "circle-color": "#EE3377", "circle-opacity": 0.45 } });
    layers.push({ id: "bb-points-selected", type: "circle", source: "points", filter: ["in", ["id"], ["literal", []]],
                  paint: { "circle-radius": 16, "circle-color": "rgba(0,0,0,0)", "circle-stroke-width": 3, "circle-stroke-color": p.highlight } });
    layers.push({ id: "bb-points", type: "symbol", source: "points", filter: ["in", ["id"], ["literal", []]],
                  layout: { "icon-image": ["get", "icon"], "icon-allow-overlap": true, "icon-ignore-placement": true } });
    return layers;
  }

  function sources() {
    return { countries: { type: "geojson", data: D.countries },
             areas: { type: "geojson", data: D.areas },
             points: { type: "geojson", data: D.points },
             routes: { type: "geojson", data: routeFeatures() } };
  }

  function routeFeatures() {  // a line from each route country to the route's EU entry point, and the point
    var features = [];
    Object.keys(D.routes).forEach(function (id) {
      var r = D.routes[id];
      r.from.forEach(function (f) {
        features.push({ type: "Feature", properties: { route: id }, geometry: { type: "LineString", coordinates: [[f[1], f[2]], r.entry] } });
      });
      features.push({ type: "Feature", properties: { route: id }, geometry: { type: "Point", coordinates: r.entry } });
    });
    return { type: "FeatureCollection", features: features };
  }

  function createMap(a) {
    var online = a.state.basemap;
    var p = palette();
    var style = online || { version: 8, sources: {}, layers: [{ id: "bb-water", type: "background", paint: { "background-color": p.water } }] };
    var f = a.frame;
    map = new maplibregl.Map({
      container: mapEl, style: style, center: [f.center[1], f.center[0]], zoom: f.zoom,
      attributionControl: false, dragRotate: false, pitchWithRotate: false, touchPitch: false,
      renderWorldCopies: false, fadeDuration: 0, maxZoom: 12, minZoom: 0.5
    });
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    mapReady = new Promise(function (resolve) {
      map.on("load", function () {
        var src = sources();
        for (var k in src) { map.addSource(k, src[k]); }
        addIcons();
        ourLayers(!!online).forEach(function (l) { map.addLayer(l); });
        bindEvents();
        resolve();
      });
    });
    window.bbMap = map;
    return mapReady;
  }

  function applyTheme() {
    var p = palette();
    document.documentElement.style.setProperty("--label", p.label);
    document.documentElement.style.setProperty("--halo", p.halo);
    document.documentElement.style.setProperty("--panel", p.panel);
    document.documentElement.style.setProperty("--text", p.text);
    document.body.dataset.theme = theme;
    if (!map || !map.getLayer("bb-countries-line")) { return; }
    if (map.getLayer("bb-water")) { map.setPaintProperty("bb-water", "background-color", p.water); }
    map.setPaintProperty("bb-countries-line", "line-color", p.borders);
    if (!args.state.basemap) {
      var tieColour = ["match", ["feature-state", "tie"]];
      D.tie_fills.forEach(function (c, k) { tieColour.push(k, c); });
      tieColour.push(p.land);
      map.setPaintProperty("bb-countries-fill", "fill-color", tieColour);
    }
    map.setPaintProperty("bb-country-selected", "line-color", p.highlight);
    map.setPaintProperty("bb-area-selected", "line-color", p.highlight);
    map.setPaintProperty("bb-points-selected", "circle-stroke-color", p.highlight);
  }

  // --- applying a rerun state ----------------------------------------------------------------------
  function decodeMask(b64, n) {
    var bin = atob(b64), out = new Uint8Array(n);
    for (var i = 0; i < n; i++) { out[i] = (bin.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1; }
    return out;
  }

  var featureState = { countries: {}, areas: {} };  // what was set last, so only changes are sent to MapLibre
  function setState(source, id, key, value) {
    var cur = featureState[source][id] || (featureState[source][id] = {});
    if (cur[key] === value) { return; }
    cur[key] = value;
    var s = {}; s[key] = value;
    map.setFeatureState({ source: source, id: id }, s);
  }

  function apply(a) {
    var st = a.state, R = D.records, n = D.n;
    if (st.n !== n) { throw new Error("map data and state disagree (" + st.n + " records expected, " + n + " loaded)"); }
    var mask = decodeMask(st.shown, n);
    for (var i = 0; i < n; i++) { if (mask[i] && hidden[D.legendKey(i)]) { mask[i] = 0; } }
    shown = mask;
    // countries: the strongest tie among the shown records drawn through them (the classes present are
    // computed by the app, map_model.tie_classes; here only the legend's hidden tie layers are skipped)
    var nc = D.countries.features.length, ties = new Int16Array(nc).fill(-1), hiddenTie = 0;
    D.instruments.forEach(function (inst) { if (inst.tie >= 0 && hidden[inst.key]) { hiddenTie |= 1 << inst.tie; } });
    for (var c0 = 0; c0 < nc; c0++) {
      var bits = parseInt(st.ties.charAt(c0), 16) & ~hiddenTie;
      ties[c0] = bits ? Math.log2(bits & -bits) : -1;
    }
    tieOf = ties;
    var route = {}; (st.route || []).forEach(function (iso) { route[iso] = true; });
    var sel = st.selected, selCountries = {};
    if (sel >= 0 && R.lon[sel] === null && R.area[sel] < 0) { R.partners[sel].forEach(function (c) { selCountries[c] = true; }); }
    for (var c = 0; c < nc; c++) {
      setState("countries", c, "tie", ties[c]);
      setState("countries", c, "route", !!route[D.countryIso[c]]);
      setState("countries", c, "sel", !!selCountries[c]);
    }
    var changed = {}; (st.changed || []).forEach(function (k) { changed[k] = true; });
    D.areas.features.forEach(function (f) {
      var r = f.properties.r;
      setState("areas", f.id, "shown", !!shown[r]);
      setState("areas", f.id, "changed", !!(shown[r] && changed[r]));
      setState("areas", f.id, "sel", r === sel);
    });
    var pts = [], chg = [];
    D.pointIdx.forEach(function (k) { if (shown[k]) { pts.push(k); if (changed[k]) { chg.push(k); } } });
    map.setFilter("bb-points", ["in", ["id"], ["literal", pts]]);
    var chosen = hidden.route ? [] : (st.routes || []);
    map.setFilter("bb-route-lines", ["all", ["==", ["geometry-type"], "LineString"], ["in", ["get", "route"], ["literal", chosen]]]);
    map.setFilter("bb-route-entry", ["all", ["==", ["geometry-type"], "Point"], ["in", ["get", "route"], ["literal", chosen]]]);
    map.setFilter("bb-points-changed", ["in", ["id"], ["literal", chg]]);
    map.setFilter("bb-points-selected", ["in", ["id"], ["literal", sel >= 0 && R.lon[sel] !== null && shown[sel] ? [sel] : []]]);
    renderLegend(st);
    groupPoints(pts);
  }

  function frameTo(f) {
    if (f.bounds) {
      var pad = Math.min(60, Math.round(Math.min(wrap.clientWidth, wrap.clientHeight) / 10));
      var legendW = legendEl.offsetWidth || 0;
      map.fitBounds([[f.bounds[0], f.bounds[1]], [f.bounds[2], f.bounds[3]]],
                    { padding: { top: pad, bottom: pad, right: pad + 30, left: pad + Math.min(legendW, wrap.clientWidth / 3) },
                      maxZoom: 6.5, animate: false });
    } else {
      map.jumpTo({ center: [f.center[1], f.center[0]], zoom: f.zoom });
    }
  }

  // --- the legend: each layer as it looks on the map, and a toggle ---------------------------------
  function swatch(entry) {
    var c = document.createElement("canvas"), w = 26, h = 16, ratio = 2;
    c.width = w * ratio; c.height = h * ratio; c.style.width = w + "px"; c.style.height = h + "px";
    var ctx = c.getContext("2d");
    ctx.scale(ratio, ratio);
    var p = palette();
    if (entry.form === "fill" || entry.form === "land") {
      ctx.fillStyle = entry.form === "land" ? p.land : entry.colour; ctx.fillRect(3, 2, 20, 12);
      ctx.strokeStyle = p.borders; ctx.lineWidth = 1; ctx.strokeRect(3.5, 2.5, 19, 11);
    } else if (entry.form === "outline" || entry.form === "line") {
      ctx.strokeStyle = entry.colour; ctx.lineWidth = entry.width || 2.4;
      var d = entry.dash === "dash" ? [3, 2] : entry.dash === "dot" ? [1, 1.6] : entry.dash === "route" ? [4, 2] : entry.dash === "changed" ? [2, 1] : [];
      ctx.setLineDash(d.map(function (x) { return x * ctx.lineWidth; }));
      ctx.strokeRect(4, 3, 18, 10);
    } else if (entry.form === "arrow") {
      ctx.strokeStyle = entry.colour; ctx.lineWidth = 2.5; ctx.lineCap = "round";
      ctx.beginPath(); ctx.moveTo(3, 12); ctx.lineTo(19, 5); ctx.stroke();
      ctx.beginPath(); ctx.arc(20, 5, 3.5, 0, 2 * Math.PI); ctx.fillStyle = entry.colour; ctx.fill();
      ctx.lineWidth = 1.2; ctx.strokeStyle = "#FFFFFF"; ctx.stroke();
    } else if (entry.form === "halo") {
      ctx.beginPath(); ctx.arc(13, 8, 7, 0, 2 * Math.PI);
      if (entry.fill) { ctx.globalAlpha = 0.45; ctx.fillStyle = entry.colour; ctx.fill(); ctx.globalAlpha = 1; }
      else { ctx.lineWidth = 2.5; ctx.strokeStyle = entry.colour; ctx.stroke(); }
    } else {
      var inst = entry.key === "cell" ? D.cell : D.instruments.filter(function (x) { return x.key === entry.key; })[0];
      drawShape(ctx, entry.shape, Math.min(inst.size, 12), entry.colour, inst.ring, 13, 8);
    }
    return c;
  }

  function legendButton(entry, count, toggle) {
    var b = document.createElement("button");
    b.type = "button";
    b.dataset.key = entry.key;
    b.dataset.form = entry.form;
    b.appendChild(swatch(entry));
    var t = document.createElement("span");
    t.textContent = entry.label + (count !== null ? " (" + count + ")" : "");
    b.appendChild(t);
    if (toggle) {
      b.setAttribute("aria-pressed", hidden[entry.key] ? "false" : "true");
      b.title = (hidden[entry.key] ? "Show " : "Hide ") + entry.label + " on the map";
      b.addEventListener("click", function () {
        if (hidden[entry.key]) { delete hidden[entry.key]; } else { hidden[entry.key] = true; }
        redraw();
      });
    } else {
      b.disabled = true;
    }
    return b;
  }

  function renderLegend(st) {
    var R = D.records, counts = {}, all = decodeMask(st.shown, D.n);
    for (var i = 0; i < D.n; i++) {  // what each entry draws: a site entry counts only records with a site
      if (!all[i]) { continue; }
      var k = D.legendKey(i), form = D.instruments[R.inst[i]].form;
      if (form === "point" && R.lon[i] === null) { continue; }
      counts[k] = (counts[k] || 0) + 1;
    }
    legendEl.textContent = "";
    var h = document.createElement("h2"), ht = document.createElement("span"), hb = document.createElement("button");
    ht.textContent = "Legend"; hb.type = "button"; hb.className = "collapse";
    hb.textContent = legendEl.classList.contains("collapsed") ? "show" : "hide";
    hb.setAttribute("aria-expanded", legendEl.classList.contains("collapsed") ? "false" : "true");
    hb.addEventListener("click", function () { legendEl.classList.toggle("collapsed"); renderLegend(st); scheduleLabels(); });
    h.appendChild(ht); h.appendChild(hb); legendEl.appendChild(h);
    var groups = [["Countries: strongest tie shown", "fill"], ["Regional frameworks (outlines)", "outline"], ["Sites", "point"]];
    groups.forEach(function (g) {
      var entries = D.legend.filter(function (e) { return e.form === g[1] && counts[e.key]; });
      if (!entries.length && g[1] !== "fill") { return; }
      var h3 = document.createElement("h3"); h3.textContent = g[0]; legendEl.appendChild(h3);
      entries.forEach(function (e) { legendEl.appendChild(legendButton(e, counts[e.key], true)); });
      if (g[1] === "fill") { legendEl.appendChild(legendButton({ key: "land", label: "No tie shown", form: "land" }, null, false)); }
    });
    var extra = [];
    var routed = (st.routes || []).filter(function (r) { return D.routes[r]; });
    if (routed.length) {
      var h5 = document.createElement("h3"); h5.textContent = "Migratory routes"; legendEl.appendChild(h5);
      legendEl.appendChild(legendButton({ key: "route", label: "Route towards its EU entry point (" +
        routed.map(function (r) { return D.routes[r].place; }).join(", ") + ", approximate)", form: "arrow", colour: D.route_colour || "#6A3D9A" }, null, true));
    }
    if ((st.route || []).length) { extra.push({ key: "route-countries", label: "Countries on the chosen route", form: "line", colour: D.route_colour || "#6A3D9A", dash: "route", width: 2.5 }); }
    if ((st.changed || []).length) { extra.push({ key: "changed", label: "Added or changed recently", form: "halo", colour: "#EE3377", fill: true }); }
    if (st.selected >= 0) { extra.push({ key: "selected", label: "Selected", form: "halo", colour: palette().highlight }); }
    if (extra.length) {
      var h4 = document.createElement("h3"); h4.textContent = "Highlights"; legendEl.appendChild(h4);
      extra.forEach(function (e) { legendEl.appendChild(legendButton(e, null, false)); });
    }
  }

  // --- labels and "N here" badges (HTML, decluttered) ------------------------------------------------
  var groups = [];  // co-located shown points: {lon, lat, n}
  function groupPoints(pts) {
    var R = D.records, by = {};
    pts.forEach(function (k) {
      var key = R.lon[k].toFixed(2) + "," + R.lat[k].toFixed(2);
      (by[key] = by[key] || { lon: R.lon[k], lat: R.lat[k], n: 0 }).n++;
    });
    groups = Object.keys(by).map(function (k) { return by[k]; }).filter(function (g) { return g.n > 1; });
  }

  var measure = document.createElement("canvas").getContext("2d");
  var widthCache = {};
  function textWidth(s, px) {
    var key = px + "|" + s;
    if (!(key in widthCache)) { measure.font = "600 " + px + "px 'DejaVu Sans', sans-serif"; widthCache[key] = measure.measureText(s).width; }
    return widthCache[key];
  }

  var labelFrame = null;
  function scheduleLabels() { if (labelFrame === null) { labelFrame = requestAnimationFrame(drawLabels); } }
  function drawLabels() {
    labelFrame = null;
    if (!map || !D || !tieOf) { return; }
    var W = wrap.clientWidth, H = wrap.clientHeight, z = map.getZoom();
    var px = document.body.classList.contains("present") ? 15 : 12;
    var involved = {};
    for (var i = 0; i < D.n; i++) {
      if (!shown[i]) { continue; }
      var ps = D.records.partners[i];
      if (ps.length <= 12 || D.records.lon[i] !== null) { ps.forEach(function (c) { involved[c] = true; }); }
    }
    var cands = D.labels.map(function (l) { return { c: l[0], lon: l[1], lat: l[2], area: l[3], inv: involved[l[0]] || tieOf[l[0]] >= 0 }; })
      .filter(function (l) { return l.inv || (l.area >= 1 && (z >= 3.5 || l.area > 300)) || z >= 6; })
      .sort(function (a, b) { return (b.inv - a.inv) || (b.area - a.area); });
    var boxes = [], frag = document.createDocumentFragment();
    var legendBox = legendEl.getBoundingClientRect(), wrapBox = wrap.getBoundingClientRect();
    var lb = { x0: legendBox.left - wrapBox.left, y0: legendBox.top - wrapBox.top, x1: legendBox.right - wrapBox.left, y1: legendBox.bottom - wrapBox.top };
    function free(b) {
      if (b.x0 < 0 || b.y0 < 0 || b.x1 > W || b.y1 > H) { return false; }
      if (b.x0 < lb.x1 && b.x1 > lb.x0 && b.y0 < lb.y1 && b.y1 > lb.y0) { return false; }
      for (var k = 0; k < boxes.length; k++) { var o = boxes[k]; if (b.x0 < o.x1 && b.x1 > o.x0 && b.y0 < o.y1 && b.y1 > o.y0) { return false; } }
      return true;
    }
    groups.forEach(function (g) {
      var p = map.project([g.lon, g.lat]);
      if (p.x < 0 || p.y < 0 || p.x > W || p.y > H) { return; }
      var b = document.createElement("div");
      b.className = "badge";
      b.textContent = String(g.n);
      b.title = g.n + " records here";
      b.style.left = p.x + "px"; b.style.top = p.y + "px";
      boxes.push({ x0: p.x - 10, y0: p.y - 12, x1: p.x + 22, y1: p.y + 10 });
      frag.appendChild(b);
    });
    var placed = 0;
    cands.forEach(function (l) {
      if (placed >= 90) { return; }
      var p = map.project([l.lon, l.lat]);
      var name = D.countryName[l.c], size = l.inv ? px : px - 1, w = textWidth(name, size) + 6, h = size + 4;
      var b = { x0: p.x - w / 2, y0: p.y - h / 2, x1: p.x + w / 2, y1: p.y + h / 2 };
      if (!free(b)) { return; }
      boxes.push(b);
      var el = document.createElement("div");
      el.className = l.inv ? "lbl" : "lbl minor";
      el.textContent = name;
      el.dataset.iso = D.countryIso[l.c];
      el.style.left = p.x + "px"; el.style.top = p.y + "px";
      frag.appendChild(el);
      placed++;
    });
    labelsEl.textContent = "";
    labelsEl.appendChild(frag);
  }

  // --- picking -------------------------------------------------------------------------------------
  function candidatesAt(point) {
    var R = D.records, r = 9;
    var hits = map.queryRenderedFeatures([[point.x - r, point.y - r], [point.x + r, point.y + r]], { layers: ["bb-points"] });
    var seen = {}, pts = [];
    hits.forEach(function (f) {
      var k = f.id;
      if (seen[k] || !shown[k]) { return; }
      seen[k] = true;
      var p = map.project([R.lon[k], R.lat[k]]);
      pts.push({ k: k, d: Math.hypot(p.x - point.x, p.y - point.y) });
    });
    if (pts.length) {
      pts.sort(function (a, b) { return a.d - b.d; });
      return { kind: "place", list: pts.map(function (p) { return p.k; }) };
    }
    var cf = map.queryRenderedFeatures([point.x, point.y], { layers: ["bb-countries-fill"] });
    if (!cf.length) { return null; }
    var c = cf[0].id, list = (D.byCountry[c] || []).filter(function (k) { return shown[k]; });
    list.sort(function (a, b) {
      var ta = D.instruments[R.inst[a]].tie, tb = D.instruments[R.inst[b]].tie;
      ta = ta < 0 ? 99 : ta; tb = tb < 0 ? 99 : tb;
      return (ta - tb) || (R.partners[a].length - R.partners[b].length);
    });
    return { kind: "country", country: c, list: list };
  }

  function select(k) {
    closeChooser();
    setValue({ kind: "click", id: D.records.id[k], token: token() });
  }

  function instLabel(k) { return D.records.cell[k] ? "AFIC risk analysis cell" : D.instruments[D.records.inst[k]].label; }

  function openChooser(c, point) {
    var R = D.records;
    chooserEl.textContent = "";
    var head = document.createElement("b");
    head.textContent = c.kind === "country" ? D.countryName[c.country] + ": " + c.list.length + " records" : c.list.length + " records here";
    chooserEl.appendChild(head);
    c.list.forEach(function (k) {
      var b = document.createElement("button");
      b.type = "button";
      b.dataset.id = R.id[k];
      var key = D.legendKey(k), entry = D.legend.filter(function (e) { return e.key === key; })[0];
      if (entry) { b.appendChild(swatch(entry)); }
      var name = document.createElement("span"); name.textContent = R.name[k]; b.appendChild(name);
      var inst = document.createElement("span"); inst.className = "inst"; inst.textContent = instLabel(k); b.appendChild(inst);
      b.addEventListener("click", function () { select(k); });
      chooserEl.appendChild(b);
    });
    chooserEl.style.display = "block";
    var W = wrap.clientWidth, H = wrap.clientHeight;
    var x = Math.min(point.x + 12, W - chooserEl.offsetWidth - 8), y = Math.min(point.y + 12, H - chooserEl.offsetHeight - 8);
    chooserEl.style.left = Math.max(4, x) + "px"; chooserEl.style.top = Math.max(4, y) + "px";
    document.body.dataset.chooser = String(c.list.length);
    var first = chooserEl.querySelector("button");
    if (first) { first.focus(); }
  }

  function closeChooser() {
    if (chooserEl.style.display !== "none") { chooserEl.style.display = "none"; delete document.body.dataset.chooser; }
  }

  function pickAt(point) {
    var c = candidatesAt(point);
    hideTip();
    if (!c || !c.list.length) { closeChooser(); return; }
    if (c.list.length === 1) { select(c.list[0]); } else { openChooser(c, point); }
  }

  function hideTip() { tipEl.style.display = "none"; }
  function showTip(point) {
    var c = candidatesAt(point);
    mapEl.style.cursor = c && c.list.length ? "pointer" : "";
    if (!c || !c.list.length || chooserEl.style.display === "block") { hideTip(); return; }
    var R = D.records;
    tipEl.textContent = "";
    var b = document.createElement("b");
    var body = document.createElement("span");
    if (c.kind === "place") {
      b.textContent = R.name[c.list[0]];
      body.textContent = R.hover[c.list[0]] + (c.list.length > 1 ? "\n+" + (c.list.length - 1) + " more here: click to choose" : "");
    } else {
      b.textContent = D.countryName[c.country] + (c.list.length > 1 ? ": " + c.list.length + " records" : "");
      var lines = c.list.slice(0, 6).map(function (k) { return "• " + R.name[k] + " (" + instLabel(k) + ")"; });
      if (c.list.length > 6) { lines.push("… " + (c.list.length - 6) + " more: click to list them all"); }
      body.textContent = lines.join("\n");
    }
    tipEl.appendChild(b); tipEl.appendChild(body);
    tipEl.style.display = "block";
    var W = wrap.clientWidth, H = wrap.clientHeight;
    tipEl.style.left = Math.max(4, Math.min(point.x + 14, W - tipEl.offsetWidth - 6)) + "px";
    tipEl.style.top = Math.max(4, Math.min(point.y + 14, H - tipEl.offsetHeight - 6)) + "px";
  }

  var hoverFrame = null, hoverPoint = null;
  function bindEvents() {
    map.on("click", function (e) { pickAt(e.point); });
    map.on("mousemove", function (e) {
      hoverPoint = e.point;
      if (hoverFrame === null) { hoverFrame = requestAnimationFrame(function () { hoverFrame = null; showTip(hoverPoint); }); }
    });
    map.on("mouseout", hideTip);
    map.on("move", scheduleLabels);
    map.on("movestart", function (e) { userMoving = !!(e && e.originalEvent); closeChooser(); });
    map.on("moveend", function (e) {
      scheduleLabels();
      if (!(e && e.originalEvent) && !userMoving) { return; }
      userMoving = false;
      clearTimeout(moveTimer);
      moveTimer = setTimeout(reportCamera, 300);
    });
    mapEl.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        pickAt({ x: wrap.clientWidth / 2, y: wrap.clientHeight / 2 });
      }
    });
    chooserEl.addEventListener("keydown", function (e) {
      var items = Array.prototype.slice.call(chooserEl.querySelectorAll("button")), at = items.indexOf(document.activeElement);
      if (e.key === "Escape") { closeChooser(); mapEl.focus(); }
      else if (e.key === "ArrowDown" && items.length) { e.preventDefault(); items[(at + 1) % items.length].focus(); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); items[(at - 1 + items.length) % items.length].focus(); }
    });
  }

  function camera() { var c = map.getCenter(); return { lat: c.lat, lon: c.lng, zoom: map.getZoom() }; }
  function reportCamera(kind) {
    var c = camera();
    setValue({ kind: kind || "view", center: [c.lat, c.lon], zoom: c.zoom, token: token() });
  }

  // --- size ----------------------------------------------------------------------------------------
  function heightFor(a) {
    if (!a.fill_viewport) { return a.height; }
    try {  // the page is served by the app, so the parent's size and the frame's place can be read
      var top = window.frameElement.getBoundingClientRect().top + window.parent.scrollY;
      return Math.max(360, Math.floor(window.parent.innerHeight - top - 12));
    } catch (err) {
      return a.height;
    }
  }
  var currentHeight = null;
  function resize(a) {
    var h = heightFor(a);
    if (h === currentHeight) { return; }
    currentHeight = h;
    wrap.style.height = h + "px";
    post("streamlit:setFrameHeight", { height: h });
    if (map) { map.resize(); }
  }

  // --- one render ----------------------------------------------------------------------------------
  function settle() {
    return new Promise(function (resolve) {
      if (map.loaded() && !map.isMoving()) { map.once("idle", resolve); map.triggerRepaint(); } else { map.once("idle", resolve); }
    });
  }

  function redraw() {
    if (!args || !D || !map) { return Promise.resolve(); }
    apply(args);
    scheduleLabels();
    return settle();
  }

  function draw(a) {
    var started = performance.now();
    document.body.classList.toggle("present", !!a.fill_viewport);
    resize(a);
    var first = !map;
    var ready = first ? createMap(a) : mapReady;
    return ready.then(function () {
      args = a;
      var themeChanged = a.state.theme !== theme;
      theme = a.state.theme || "light";
      if (themeChanged || first) { applyTheme(); }
      var frameChanged = a.frame.seq !== lastFrameSeq;
      if (a.state_key === lastStateKey && !frameChanged && !themeChanged) { return null; }
      apply(a);
      if (frameChanged) {
        frameTo(a.frame);
        lastFrameSeq = a.frame.seq;
        if (a.frame.bounds && !first) { setTimeout(function () { reportCamera("framed"); }, 0); }
      }
      scheduleLabels();
      return settle().then(function () {
        lastStateKey = a.state_key;
        drawSeq++;
        // For tests and the benchmark: what is drawn, and how long it took.
        document.body.dataset.stateKey = a.state_key;
        document.body.dataset.frameSeq = String(a.frame.seq);
        document.body.dataset.drawSeq = String(drawSeq);
        document.body.dataset.drawMs = String(Math.round(performance.now() - started));
        if (!performance.getEntriesByName("bb-first-draw").length) { performance.mark("bb-first-draw"); }
      });
    });
  }

  // For tests and keyboard users' tools: where records are drawn, and what is shown (ids, not pixels).
  window.bbDebug = {
    // the records drawn: shown, and with a site or at least one partner country to draw them through
    shownIds: function () { var R = D.records, out = []; for (var i = 0; i < D.n; i++) { if (shown[i] && (R.lon[i] !== null || R.partners[i].length)) { out.push(R.id[i]); } } return out.sort(); },
    pointOf: function (id) { var k = D.records.id.indexOf(id); if (k < 0 || D.records.lon[k] === null) { return null; } var p = map.project([D.records.lon[k], D.records.lat[k]]); return [p.x, p.y]; },
    countryPoint: function (iso) { var c = D.countryIso.indexOf(iso); var l = D.labels.filter(function (x) { return x[0] === c; })[0]; if (!l) { return null; } var p = map.project([l[1], l[2]]); return [p.x, p.y]; },
    tie: function (iso) { return tieOf ? tieOf[D.countryIso.indexOf(iso)] : null; },
    camera: function () { return camera(); },
    labels: function () { return Array.prototype.map.call(labelsEl.querySelectorAll(".lbl"), function (e) { return e.textContent; }); }
  };

  var queue = Promise.resolve();
  window.addEventListener("message", function (event) {
    var msg = event.data;
    if (!msg || msg.type !== "streamlit:render") { return; }
    var a = msg.args;
    var data = loadData(a.data_url);
    queue = queue.then(function () { return data; })
      .then(function () { return draw(a); })
      .then(function () { notice.style.display = "none"; })
      .catch(function (err) {
        notice.textContent = "The map could not be drawn: " + err.message + ". Reload the page; the table below still works.";
        notice.style.display = "block";
        post("streamlit:setFrameHeight", { height: 80 });
      });
  });
  try { window.parent.addEventListener("resize", function () { if (args) { resize(args); scheduleLabels(); } }); } catch (err) { /* no access */ }
  post("streamlit:componentReady", { apiVersion: 1 });
})();
