/* The map page: countries from Vedette (no tiles), incidents by category faded by age and clustered,
   an "as of" moment that can play the crisis forward. Marks performance "vedette:incidents-drawn" and
   body[data-incidents-drawn] when the incident layer is drawn (the dashboard bench reads it). */
(function () {
  "use strict";
  const V = window.Vedette;
  const el = document.getElementById("map");
  if (!el || !window.L) return;
  const COLOURS = {
    armed_conflict: "#b2182b", terrorism: "#7b1fa2", civil_unrest: "#e08214", crime: "#4d4d4d",
    kidnapping: "#c51b7d", violence_against_civilians: "#d6604d", transport_disruption: "#2166ac",
    coup: "#3f3f9f", political: "#1b7837", natural_disaster: "#8c510a", health: "#01665e", other: "#6a6a6a",
  };
  const LEVEL_COLOURS = { 1: "#e5f0e0", 2: "#fbe7a1", 3: "#f6b26b", 4: "#e06666" };
  const form = document.getElementById("map-filters");
  const asOf = document.getElementById("as-of");
  const count = document.getElementById("map-count");
  const map = L.map(el, { zoomControl: true, worldCopyJump: true, preferCanvas: true, minZoom: 2, maxZoom: 13 });
  map.attributionControl.setPrefix("");
  map.attributionControl.addAttribution("Natural Earth · GeoNames");
  map.setView([15, 0], 3);
  const countries = L.geoJSON(null, {
    style: function () { return { color: "#8795a5", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 }; },
  }).addTo(map);
  /* ?baseline=1: every incident, one marker each, no clustering or viewport filter (what bench/dashboard.py
     measures the page against) */
  const BASELINE = new URLSearchParams(window.location.search).get("baseline") === "1";
  const clusters = BASELINE ? L.layerGroup() : L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 45, showCoverageOnHover: false });
  map.addLayer(clusters);
  let firstDraw = true;
  let pending = null;

  function selected(name) {
    return Array.from(form.querySelectorAll('input[name="' + name + '"]:checked')).map(function (i) { return i.value; });
  }
  function asOfDate() {
    const v = asOf.value;
    return v ? new Date(v + (v.length === 16 ? ":00Z" : "T23:59:00Z")) : new Date();
  }
  function isoDay(d) { return d.toISOString().slice(0, 10); }

  function query() {
    const p = new URLSearchParams();
    const at = asOfDate();
    const days = parseInt(form.window.value, 10);
    p.set("as_of", isoDay(at));
    p.set("since", isoDay(new Date(at.getTime() - days * 86400000)));
    selected("category").forEach(function (c) { p.append("category", c); });
    selected("status").forEach(function (s) { p.append("status", s); });
    const cc = form.country.value.trim();
    if (/^[A-Za-z]{2}$/.test(cc)) p.set("country", cc.toUpperCase());
    if (BASELINE) return p;
    const b = map.getBounds().pad(0.25);
    const w = Math.max(-180, b.getWest()), e = Math.min(180, b.getEast());
    p.set("bbox", [w, Math.max(-90, b.getSouth()), e, Math.min(90, b.getNorth())].map(function (x) { return x.toFixed(3); }).join(","));
    return p;
  }

  function marker(f, at, days) {
    const c = f.geometry.coordinates;
    const props = f.properties;
    const d = props.date ? new Date(props.date.length === 10 ? props.date + "T12:00:00Z" : props.date + "-15T12:00:00Z") : at;
    const age = Math.max(0, (at - d) / 86400000);
    const fade = Math.max(0.25, 1 - age / Math.max(days, 1));
    const m = L.circleMarker([c[1], c[0]], {
      radius: 5 + Math.min(props.severity || 1, 5) * 1.4,
      color: props.status === "confirmed" ? "#111" : "#fff",
      weight: props.status === "confirmed" ? 2 : 1,
      fillColor: COLOURS[props.category] || COLOURS.other,
      fillOpacity: fade,
      opacity: Math.min(1, fade + 0.2),
    });
    const parts = [props.date || "", props.place || "", props.category.replace(/_/g, " ")];
    if (props.killed) parts.push(props.killed + " " + el.dataset.i18nKilled);
    if (props.injured) parts.push(props.injured + " " + el.dataset.i18nInjured);
    m.bindPopup(function () {  /* built when opened, not for each of thousands of markers up front */
      const link = document.createElement("div");
      link.innerHTML = "<strong></strong><br><span></span><br><a></a>";
      link.querySelector("strong").textContent = (props.place || "") + (props.country ? " (" + props.country + ")" : "");
      link.querySelector("span").textContent = parts.join(" · ");
      const a = link.querySelector("a");
      a.href = "/incidents/" + f.id;
      a.textContent = el.dataset.i18nOpen;
      return link;
    });
    m.bindTooltip(parts.slice(0, 2).join(" "));
    return m;
  }

  async function loadIncidents() {
    const p = query();
    const at = asOfDate();
    const days = parseInt(form.window.value, 10);
    try {
      const fc = await V.api("GET", "/api/map/incidents?" + p.toString());
      const markers = fc.features.map(function (f) { return marker(f, at, days); });
      clusters.clearLayers();
      if (BASELINE) markers.forEach(function (m) { clusters.addLayer(m); });
      else clusters.addLayers(markers);
      drawn = fc.features;
      loadPeople();
      count.textContent = fc.features.length + (fc.truncated ? "+" : "");
      if (firstDraw) {
        firstDraw = false;
        performance.mark("vedette:incidents-drawn");
        document.body.dataset.incidentsDrawn = String(fc.features.length);
      }
    } catch (err) {
      V.toast(err.message, "error");
    }
  }
  function reload() {
    clearTimeout(pending);
    pending = setTimeout(loadIncidents, 150);
  }

  async function loadCountries() {
    try {
      const r = await fetch("/api/geo/countries.geojson", { credentials: "same-origin" });
      countries.addData(await r.json());
      countries.bringToBack();
    } catch (err) { V.toast(err.message, "error"); }
    loadLevels();
  }
  const levelsByCc = {};
  async function loadLevels() {
    /* effective advisory levels as a choropleth of countries, labelled by source */
    try {
      const rows = await V.api("GET", "/api/risk/world?as_of=" + isoDay(asOfDate()));
      rows.forEach(function (r) { if (r.effective_level) levelsByCc[r.country] = r; });
      countries.eachLayer(function (layer) {
        const cc = layer.feature.properties.cc;
        const r = levelsByCc[cc];
        if (!r) return;
        const lv = r.effective_level;
        layer.setStyle({ fillColor: LEVEL_COLOURS[lv.level] || "#f4f1ea" });
        layer.bindTooltip(layer.feature.properties.name + ": " + el.dataset.i18nLevel + " " + lv.level +
          " (" + lv.source + ")" + (r.score != null ? " · " + el.dataset.i18nScore + " " + r.score : ""));
      });
      loadRegions();
    } catch (err) { /* no risk picture yet: the base map stays neutral */ }
  }

  /* admin-1 regions (and airports by status) of the countries in view, once zoomed in */
  const regions = L.layerGroup().addTo(map);
  const airports = L.layerGroup().addTo(map);
  const regionsLoaded = {};
  async function loadRegions() {
    if (map.getZoom() < 5) return;
    const view = map.getBounds();
    for (const cc of Object.keys(levelsByCc)) {
      if (regionsLoaded[cc]) continue;
      const shape = countries.getLayers().find(function (l) { return l.feature.properties.cc === cc; });
      if (!shape || !view.intersects(shape.getBounds())) continue;
      regionsLoaded[cc] = true;
      try {
        const [shapes, picture] = await Promise.all([
          V.api("GET", "/api/geo/admin1/" + cc + ".geojson"),
          V.api("GET", "/api/risk/countries/" + cc + "/geojson?as_of=" + isoDay(asOfDate())),
        ]);
        const byArea = {};
        picture.features.forEach(function (f) {
          const p = f.properties;
          if (p.kind === "admin1") byArea[p.area] = p;
          if (p.kind === "airport") {
            const c = f.geometry.coordinates;
            L.marker([c[1], c[0]], {
              icon: L.divIcon({ className: "airport-icon ap-" + (p.status || "unknown"), html: "<span>✈</span>", iconSize: [18, 18] }),
              title: (p.label || p.key) + ": " + (p.status || "unknown"),
              keyboard: false,
            }).addTo(airports);
          }
        });
        L.geoJSON(shapes, {
          style: function (f) {
            const p = byArea[f.properties.code];
            const own = p && !p.inherited;
            return { color: "#6b7785", weight: own ? 1.2 : 0.4, dashArray: own ? null : "2 3",
                     fillColor: p && p.level ? LEVEL_COLOURS[p.level] : "#f4f1ea", fillOpacity: own ? 0.85 : 0.35 };
          },
          onEachFeature: function (f, layer) {
            const p = byArea[f.properties.code];
            layer.bindTooltip(f.properties.name + (p && p.level ? ": " + el.dataset.i18nLevel + " " + p.level +
              " (" + p.level_source + (p.inherited ? ", " + el.dataset.i18nInherited : "") + ")" : ""));
          },
          interactive: true,
        }).addTo(regions);
        regions.eachLayer(function (l) { l.bringToBack(); });
        countries.bringToBack();
      } catch (err) { regionsLoaded[cc] = false; }
    }
  }

  /* the organisation's people around the moment: blue, red when within 25 km of an incident drawn */
  const people = L.layerGroup().addTo(map);
  let drawn = [];
  function near(lat, lon) {
    return drawn.some(function (f) {
      const c = f.geometry.coordinates;
      return map.distance([lat, lon], [c[1], c[0]]) <= 25000;
    });
  }
  async function loadPeople() {
    const b = map.getBounds().pad(0.1);
    const bbox = [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
      .map(function (x) { return x.toFixed(3); }).join(",");
    try {
      const fc = await V.api("GET", "/api/map/people?bbox=" + bbox + "&at=" + asOfDate().toISOString());
      people.clearLayers();
      fc.features.forEach(function (f) {
        const c = f.geometry.coordinates;
        const exposed = near(c[1], c[0]);
        L.circleMarker([c[1], c[0]], {
          radius: 5, color: "#fff", weight: 1.5, fillOpacity: 1,
          fillColor: exposed ? "#a3141d" : "#1f5fbf", className: exposed ? "person exposed" : "person",
        }).bindTooltip(f.properties.name + (exposed ? " · " + el.dataset.i18nExposed : "") + "<br>" +
          f.properties.why.replace(/[<>&]/g, "")).addTo(people);
      });
      document.getElementById("people-count").textContent = fc.features.length;
    } catch (err) { /* a role or organisation without people: no layer */ }
  }

  let timer = null;
  document.getElementById("play").addEventListener("click", function () {
    const btn = this;
    if (timer) {
      clearInterval(timer); timer = null; btn.setAttribute("aria-pressed", "false"); return;
    }
    btn.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      const step = parseInt(document.getElementById("step").value, 10) * 3600000;
      const next = new Date(asOfDate().getTime() + step);
      asOf.value = next.toISOString().slice(0, 16);
      loadIncidents();
    }, 1200);
  });
  form.addEventListener("change", reload);
  form.addEventListener("submit", function (ev) { ev.preventDefault(); reload(); });
  map.on("moveend", reload);
  map.on("zoomend moveend", function () { loadRegions(); });
  V.on("incident.new", reload);
  V.on("incident.changed", reload);

  if (el.dataset.asOf === "" && !asOf.value) asOf.value = new Date().toISOString().slice(0, 16);
  if ((el.dataset.asOf || "").startsWith("2012")) map.setView([14.5, -4], 5);
  loadCountries();
  loadIncidents();
})();
