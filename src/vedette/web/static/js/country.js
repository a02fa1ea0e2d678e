/* Country page: recent incidents on a small map (Vedette's own shapes) and the weekly trend chart (uPlot). */
(function () {
  "use strict";
  const V = window.Vedette;
  const COLOURS = {
    armed_conflict: "#b2182b", terrorism: "#7b1fa2", civil_unrest: "#e08214", crime: "#4d4d4d",
    kidnapping: "#c51b7d", violence_against_civilians: "#d6604d", transport_disruption: "#2166ac",
    coup: "#3f3f9f", political: "#1b7837", natural_disaster: "#8c510a", health: "#01665e", other: "#6a6a6a",
  };

  const box = document.getElementById("trend");
  if (box && window.uPlot) {
    const t = JSON.parse(box.dataset.trend);
    const xs = t.weeks.map(function (w) { return Date.parse(w + "T00:00:00Z") / 1000; });
    const cats = Object.keys(t.series);
    const data = [xs].concat(cats.map(function (c) { return t.series[c]; }));
    const series = [{}].concat(cats.map(function (c) {
      return { label: c.replace(/_/g, " "), stroke: COLOURS[c] || "#555", width: 2, points: { show: true, size: 5 } };
    }));
    const chart = new uPlot({
      width: Math.max(320, box.clientWidth - 10), height: 240, series: series,
      axes: [{}, { label: "/ week", values: function (u, v) { return v.map(function (x) { return Number.isInteger(x) ? x : ""; }); } }],
      scales: { x: { time: true } },
    }, data, box);
    box.dataset.drawn = String(cats.length);
    window.addEventListener("resize", function () { chart.setSize({ width: Math.max(320, box.clientWidth - 10), height: 240 }); });
  }

  const el = document.getElementById("country-map");
  if (el && window.L) {
    const map = L.map(el, { minZoom: 2, maxZoom: 12, attributionControl: false }).setView([+el.dataset.lat, +el.dataset.lon], 5);
    fetch("/api/geo/countries.geojson", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
      const layer = L.geoJSON(fc, {
        style: function (f) {
          const own = f.properties.cc === el.dataset.cc;
          return { color: own ? "#333" : "#9aa5b1", weight: own ? 1.5 : 0.5, fillColor: own ? "#fffdf5" : "#eceae4", fillOpacity: 1 };
        },
      }).addTo(map);
      layer.bringToBack();
      const own = layer.getLayers().find(function (l) { return l.feature.properties.cc === el.dataset.cc; });
      if (own) map.fitBounds(own.getBounds());
    });
    const since = new Date(Date.parse(el.dataset.until) - 90 * 86400000).toISOString().slice(0, 10);
    V.api("GET", "/api/map/incidents?country=" + el.dataset.cc + "&as_of=" + el.dataset.until + "&since=" + since).then(function (fc) {
      fc.features.forEach(function (f) {
        const c = f.geometry.coordinates;
        L.circleMarker([c[1], c[0]], { radius: 6, color: "#fff", weight: 1, fillColor: COLOURS[f.properties.category] || "#555", fillOpacity: 0.9 })
          .bindTooltip((f.properties.date || "") + " " + (f.properties.place || "") + " · " + f.properties.category.replace(/_/g, " "))
          .on("click", function () { window.location.href = "/incidents/" + f.id; })
          .addTo(map);
      });
      el.dataset.drawn = String(fc.features.length);
    }).catch(function (err) { V.toast(err.message, "error"); });
  }
})();
