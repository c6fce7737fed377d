// The live situation map (a Streamlit component, protocol v1, without the npm helper library).
//
// - The outlines are fetched once from the app (geometry-<content hash>.json) and kept;
//   each rerun sends only a small spec whose outlines are references ({"$ref": "countries", "keys": [...]}).
// - The map stays mounted: a new spec is applied with Plotly.react, so MapLibre is not restarted and the
//   user's pan and zoom survive a filter change.
// - The camera changes only when the server asks for a new frame (frame.seq: a preset, a selection, a link).
// - Clicks and camera moves by the user go back to the app as the component value {kind, id|center/zoom, token}.
(function () {
  "use strict";
  var gd = document.getElementById("map");
  var notice = document.getElementById("notice");
  var geometry = null;       // {countries: {key: geometry}, areas: {...}, full: {countries: FC, areas: FC}}
  var geometryUrl = null;
  var geometryPromise = null;
  var lastKey = null;        // spec key last drawn
  var lastFrameSeq = null;   // frame request last applied
  var plotted = false;
  var moveTimer = null;

  function post(type, extra) {
    var msg = { isStreamlitMessage: true, type: type };
    for (var k in extra) { msg[k] = extra[k]; }
    window.parent.postMessage(msg, "*");
  }
  function setValue(value) { post("streamlit:setComponentValue", { value: value, dataType: "json" }); }
  function setHeight(h) { post("streamlit:setFrameHeight", { height: h }); }
  function token() { return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8); }

  function collection(shapes, keys) {
    var features = [];
    for (var i = 0; i < keys.length; i++) {
      var g = shapes[keys[i]];
      if (g) { features.push({ type: "Feature", id: keys[i], properties: {}, geometry: g }); }
    }
    return { type: "FeatureCollection", features: features };
  }

  function loadGeometry(url) {
    if (url === geometryUrl && geometryPromise) { return geometryPromise; }
    geometryUrl = url;
    geometryPromise = fetch(url, { cache: "force-cache" }).then(function (r) {
      if (!r.ok) { throw new Error("outlines " + url + ": HTTP " + r.status); }
      return r.json();
    }).catch(function (err) {
      geometryUrl = null;  // a failed fetch is tried again on the next render, not remembered
      throw err;
    }).then(function (g) {
      performance.mark("bb-outlines-ready");
      geometry = {
        countries: g.countries, areas: g.areas,
        full: { countries: collection(g.countries, Object.keys(g.countries)), areas: collection(g.areas, Object.keys(g.areas)) }
      };
    });
    return geometryPromise;
  }

  function isRef(x) { return x && typeof x === "object" && x["$ref"] !== undefined; }

  function resolve(spec) {
    var data = spec.data.map(function (t) {
      if (!isRef(t.geojson)) { return t; }
      var copy = Object.assign({}, t);
      copy.geojson = geometry.full[t.geojson["$ref"]];  // one shared object: choropleths draw only their locations
      return copy;
    });
    var layout = Object.assign({}, spec.layout);
    layout.map = Object.assign({}, spec.layout.map);
    layout.map.layers = (spec.layout.map.layers || []).map(function (l) {
      if (!isRef(l.source)) { return l; }
      var copy = Object.assign({}, l);
      var ref = l.source;
      copy.source = ref.keys ? collection(geometry[ref["$ref"]], ref.keys) : geometry.full[ref["$ref"]];
      return copy;
    });
    return { data: data, layout: layout };
  }

  function camera() {
    var m = gd._fullLayout && gd._fullLayout.map;
    return m ? { center: { lat: m.center.lat, lon: m.center.lon }, zoom: m.zoom } : null;
  }

  function onClick(ev) {
    var p = ev && ev.points && ev.points[0];
    if (!p) { return; }
    var cd = p.customdata;
    if (Array.isArray(cd)) { cd = cd[0]; }
    if (typeof cd !== "string" || !cd) { return; }
    setValue({ kind: "click", id: cd.split("|")[0], token: token() });
  }

  function onRelayout(ev) {
    if (!ev || (ev["map.center"] === undefined && ev["map.zoom"] === undefined)) { return; }
    clearTimeout(moveTimer);
    moveTimer = setTimeout(function () {
      var c = camera();
      if (c) {
        setValue({ kind: "view", center: [c.center.lat, c.center.lon], zoom: c.zoom, token: token() });
      }
    }, 400);
  }

  function mapOf() {
    var m = gd._fullLayout && gd._fullLayout.map;
    return m && m._subplot ? m._subplot.map : null;
  }

  // Plotly hands every trace's GeoJSON to MapLibre on every update, changed or not, and MapLibre re-tiles
  // each one in its worker: with ~30 sources that was ~450 ms per filter change here, whatever changed.
  // Skip a setData whose data is the same as the source already holds (compared as JSON text, ~1 ms).
  function skipUnchanged(map) {
    if (!map) { return; }
    var ids = Object.keys(map.style.tileManagers || map.style.sourceCaches || {});  // MapLibre 5 || 4
    var sample = null;
    for (var i = 0; i < ids.length && !sample; i++) {
      var src = map.getSource(ids[i]);
      if (src && src.type === "geojson") { sample = src; }
    }
    if (!sample) { return; }
    var proto = Object.getPrototypeOf(sample);
    for (var j = 0; j < ids.length; j++) {  // what each source holds since it was created (not via setData)
      var s = map.getSource(ids[j]);
      if (s && s.type === "geojson" && s._data !== undefined && typeof s.serialize === "function") {
        var d = s.serialize().data;
        if (d !== undefined) { s.bbLastData = typeof d === "string" ? d : JSON.stringify(d); }
      }
    }
    if (proto.bbSkipUnchanged) { return; }
    var original = proto.setData;
    proto.setData = function (data) {
      var key = typeof data === "string" ? data : JSON.stringify(data);
      if (key === this.bbLastData) { return this; }
      this.bbLastData = key;
      return original.apply(this, arguments);
    };
    proto.bbSkipUnchanged = true;
  }

  // Each frame costs ~100-150 ms where WebGL runs in software (no GPU, as on the reference machine). After a
  // zoom change MapLibre cross-fades new tiles and symbols for 300 ms (3-4 more frames, map.loaded() false
  // meanwhile); with fadeDuration 0 a change settles as soon as its tiles are in. plotly does not expose the
  // option, so it is set on the map object as soon as Plotly has created it.
  // Tried and not kept (measured by a helper, and end to end with benchmarks/map_browser.py): holding the
  // painter until every source has its tiles (-15 % in isolation, nothing measurable end to end, and it
  // patches MapLibre's painter), zero paint transitions, a GeoJSON tolerance of 2 (slivers across the Sahel).
  function tune(map) {
    if (!map || map.bbTuned) { return; }
    map.bbTuned = true;
    if ("_fadeDuration" in map) { map._fadeDuration = 0; }
  }

  function draw(args) {
    var frameChanged = args.frame.seq !== lastFrameSeq;
    var key = args.spec_key + "|" + args.geometry_url;  // new outlines (a basemap edit) redraw an unchanged spec too
    if (key === lastKey && !frameChanged) { return Promise.resolve(); }
    var fig = resolve(args.spec);
    var cam = frameChanged || !plotted ? { center: { lat: args.frame.center[0], lon: args.frame.center[1] }, zoom: args.frame.zoom } : camera();
    fig.layout.map.center = cam.center;
    fig.layout.map.zoom = cam.zoom;
    fig.layout.uirevision = "frame-" + args.frame.seq;
    var started = performance.now();
    args.config.logging = 0;  // each trace names a "below" layer that does not exist on purpose (see map_spec): no warnings
    var call = plotted ? Plotly.react : Plotly.newPlot;
    var done = call(gd, fig.data, fig.layout, args.config);
    tune(mapOf());  // the map object exists as soon as newPlot returns, before its first frame
    if (plotted) {
      // Plotly resolves on the first render after the update; when skipUnchanged left the sources alone,
      // ask for that render so the promise does not wait for the next user interaction.
      setTimeout(function () { var m = mapOf(); if (m) { m.triggerRepaint(); } }, 0);
    }
    return done.then(function () {
      if (!plotted) {
        gd.on("plotly_click", onClick);
        gd.on("plotly_relayout", onRelayout);
        skipUnchanged(mapOf());
        plotted = true;
      }
      lastKey = key;
      lastFrameSeq = args.frame.seq;
      // For tests and the benchmark: what is drawn, and how long Plotly took.
      document.body.dataset.specKey = args.spec_key;
      document.body.dataset.frameSeq = String(args.frame.seq);
      document.body.dataset.drawMs = String(Math.round(performance.now() - started));
      if (!performance.getEntriesByName("bb-first-draw").length) { performance.mark("bb-first-draw"); }
    });
  }

  var plotlyReady = new Promise(function (resolve) {
    var loaded = function () {
      performance.mark("bb-plotly-ready");
      // Plotly's warnings read the global config, not the plot's: the "below" warnings (see draw) stay quiet.
      if (window.Plotly && typeof Plotly.setPlotConfig === "function") { Plotly.setPlotConfig({ logging: 0 }); }
      resolve();
    };
    if (window.Plotly) { loaded(); } else { window.bbPlotlyLoaded = loaded; }
  });
  var queue = plotlyReady;
  window.addEventListener("message", function (event) {
    var msg = event.data;
    if (!msg || msg.type !== "streamlit:render") { return; }
    var args = msg.args;
    setHeight(args.height);
    gd.style.height = args.height + "px";
    var outlines = loadGeometry(args.geometry_url);  // starts at once, in parallel with plotly.js
    queue = queue.then(function () { return outlines; })
      .then(function () { return draw(args); })
      .then(function () { notice.style.display = "none"; })
      .catch(function (err) {
        notice.textContent = "The map could not be drawn: " + err.message + ". Reload the page; the table below still works.";
        notice.style.display = "block";
      });
  });
  post("streamlit:componentReady", { apiVersion: 1 });
})();
