/* Ad-hoc alert: people by tag, country, region, an area drawn on the map or by name; a draft is made
   (POST /api/alerts), previewed (GET .../preview), then sent (POST .../send) or discarded. */
(function () {
  "use strict";
  const V = window.Vedette;
  const form = document.getElementById("adhoc-form");
  if (!form || !V) return;
  const labels = document.getElementById("ah-labels").dataset;
  const errorBox = document.getElementById("ah-error");
  const box = document.getElementById("ah-preview-box");
  let points = [];
  let shape = null;
  let draft = null;

  function list(value, upper) {
    return value.split(",").map(function (s) { return upper ? s.trim().toUpperCase() : s.trim(); }).filter(Boolean);
  }

  const mapEl = document.getElementById("ah-map");
  let map = null;
  if (window.L && mapEl) {
    map = L.map(mapEl, { minZoom: 2, maxZoom: 12, attributionControl: false, worldCopyJump: true }).setView([15, 0], 2);
    fetch("/api/geo/countries.geojson", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
      L.geoJSON(fc, { style: { color: "#8795a5", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 } }).addTo(map);
    }).catch(function () { /* the map still takes clicks */ });
    map.on("click", function (e) {
      points.push([e.latlng.lng, e.latlng.lat]);
      draw();
    });
  }
  function draw() {
    if (shape) { shape.remove(); shape = null; }
    if (map && points.length) {
      shape = L.polygon(points.map(function (p) { return [p[1], p[0]]; }), { color: "#a3141d", weight: 2 }).addTo(map);
    }
    document.getElementById("ah-area").textContent = points.length ? points.length + " " + labels.points : "";
  }
  document.getElementById("ah-clear").addEventListener("click", function () { points = []; draw(); });

  function body() {
    const fd = new FormData(form);
    const b = {
      headline: (fd.get("headline") || "").trim(),
      headline_fr: (fd.get("headline_fr") || "").trim() || null,
      note: (fd.get("note") || "").trim() || null,
      tags: list(fd.get("tags") || ""),
      countries: list(fd.get("countries") || "", true),
      regions: list(fd.get("regions") || "", true),
      person_ids: Array.from(form.querySelector("#ah-people").selectedOptions).map(function (o) { return +o.value; }),
      channels: fd.getAll("channels"),
      language: fd.get("language") || null,
      severity: fd.get("severity") ? +fd.get("severity") : null,
    };
    if (points.length >= 3) {
      const ring = points.concat([points[0]]);
      b.polygon = { type: "Polygon", coordinates: [ring] };
    }
    return b;
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    errorBox.textContent = "";
    if (draft) { try { await V.api("POST", "/api/alerts/" + draft.id + "/discard"); } catch (e) { /* gone */ } draft = null; }
    try {
      draft = await V.api("POST", "/api/alerts", body());
      const p = await V.api("GET", "/api/alerts/" + draft.id + "/preview");
      document.getElementById("ah-count").textContent = labels.recipients + ": " + p.recipients + " · " + p.channels.join(", ");
      const samples = document.getElementById("ah-samples");
      samples.replaceChildren();
      (p.samples.length ? p.samples : Object.keys(p.content).map(function (k) { return Object.assign({ language: k }, p.content[k]); })).forEach(function (s) {
        const fig = document.createElement("figure");
        fig.className = "evidence";
        const cap = document.createElement("figcaption");
        cap.textContent = (s.language || "") + " · " + labels.subject + ": " + (s.subject || "");
        const pre = document.createElement("blockquote");
        pre.textContent = s.text || "";
        const sms = document.createElement("p");
        sms.className = "muted";
        sms.textContent = labels.sms + ": " + (s.sms || "");
        fig.append(cap, pre, sms);
        samples.appendChild(fig);
      });
      document.getElementById("ah-approval").hidden = !p.needs_approval;
      box.hidden = false;
      box.scrollIntoView({ block: "start" });
    } catch (err) {
      errorBox.textContent = err.message;
      draft = null;
    }
  });

  document.getElementById("ah-send").addEventListener("click", async function () {
    if (!draft) return;
    try {
      const sent = await V.api("POST", "/api/alerts/" + draft.id + "/send");
      if (sent.status === "sent") { window.location.href = "/alerts/board/" + sent.id; return; }
      V.toast(labels.pending, "ok");
      window.location.href = "/alerts";
    } catch (err) { errorBox.textContent = err.message; }
  });
  document.getElementById("ah-discard").addEventListener("click", async function () {
    if (!draft) return;
    try { await V.api("POST", "/api/alerts/" + draft.id + "/discard"); V.toast(labels.discarded, "ok"); } catch (e) { /* gone */ }
    draft = null;
    box.hidden = true;
  });
})();
