/* Edit, merge and split an incident, and enter one by hand: the place typed (resolved through the gazetteer)
   or picked on a map; each server error shown next to the field that caused it; a stale edit (409) shown. */
(function () {
  "use strict";
  const V = window.Vedette;
  const NUMBERS = ["severity", "killed", "injured", "hostages_or_kidnapped", "lat", "lon"];

  document.addEventListener("click", function (ev) {
    const open = ev.target.closest("[data-open]");
    const close = ev.target.closest("[data-close]");
    if (open) { const d = document.getElementById(open.dataset.open); d.showModal(); setTimeout(function () { initMap(d); }, 50); }
    if (close) document.getElementById(close.dataset.close).close();
  });

  function setPlace(form, m) {
    form.place.value = m.name;
    form.place_id.value = m.id || "";
    form.lat.value = m.lat; form.lon.value = m.lon;
    form.country.value = m.country || ""; form.admin1.value = m.admin1 || "";
    form.querySelector(".place-resolved").textContent = [m.name, m.admin1, m.country, (+m.lat).toFixed(4) + ", " + (+m.lon).toFixed(4)].filter(Boolean).join(" · ");
    if (form._marker) form._marker.setLatLng([m.lat, m.lon]);
    if (form._map) form._map.setView([m.lat, m.lon], Math.max(form._map.getZoom(), 7));
  }

  function initMap(dialog) {
    const form = dialog.querySelector("form");
    const box = form && form.querySelector(".pick-map");
    if (!box || form._map || !window.L) { if (form && form._map) form._map.invalidateSize(); return; }
    const map = L.map(box, { minZoom: 2, maxZoom: 12, attributionControl: false }).setView([+box.dataset.lat, +box.dataset.lon], 5);
    fetch("/api/geo/countries.geojson", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
      L.geoJSON(fc, { style: { color: "#8795a5", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 } }).addTo(map);
    });
    form._marker = L.marker([+box.dataset.lat, +box.dataset.lon], { keyboard: false }).addTo(map);
    map.on("click", async function (e) {
      try {
        const m = await V.api("GET", "/api/places/reverse?lat=" + e.latlng.lat.toFixed(5) + "&lon=" + e.latlng.lng.toFixed(5));
        setPlace(form, { name: m.name, id: null, lat: e.latlng.lat.toFixed(5), lon: e.latlng.lng.toFixed(5), country: m.country, admin1: m.admin1 });
      } catch (err) {
        setPlace(form, { name: form.place.value || "", id: null, lat: e.latlng.lat.toFixed(5), lon: e.latlng.lng.toFixed(5) });
      }
    });
    form._map = map;
  }

  document.querySelectorAll("#edit-form, #new-form").forEach(function (form) {
    let found = [];
    let pending = null;
    form.place.addEventListener("input", function () {
      clearTimeout(pending);
      const q = form.place.value.trim();
      if (q.length < 2) return;
      pending = setTimeout(async function () {
        try {
          found = await V.api("GET", "/api/places?limit=8&q=" + encodeURIComponent(q));
          const list = form.querySelector("datalist");
          list.innerHTML = "";
          found.forEach(function (m) { const o = document.createElement("option"); o.value = m.name + (m.country ? ", " + m.country : ""); list.appendChild(o); });
        } catch (err) { found = []; }
      }, 200);
    });
    form.place.addEventListener("change", function () {
      const pick = found.find(function (m) { return m.name + (m.country ? ", " + m.country : "") === form.place.value; }) || found[0];
      if (pick) setPlace(form, pick);
    });

    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      form.querySelectorAll(".field-error, .form-error").forEach(function (e) { e.textContent = ""; });
      const fields = {};
      ["date", "time", "category", "severity", "place", "place_id", "lat", "lon", "country", "admin1", "killed", "injured",
       "hostages_or_kidnapped", "summary"].forEach(function (name) {
        const v = form[name] ? form[name].value.trim() : "";
        if (v === "") return;
        fields[name] = NUMBERS.indexOf(name) >= 0 ? Number(v) : v;
      });
      fields.ongoing = form.ongoing.checked;
      const mode = form.dataset.mode;
      try {
        if (mode === "new") {
          const out = await V.api("POST", "/api/review/incidents", { fields: fields, source_note: form.source_note.value.trim() });
          window.location.href = "/incidents/" + out.id;
        } else {
          const holder = document.querySelector(".incident[data-version]");
          await V.api("PATCH", "/api/review/incidents/" + form.dataset.id, { version: parseInt(holder.dataset.version, 10), set: fields });
          window.location.reload();
        }
      } catch (err) {
        const where = (err.item || "").toString().replace(/^(set|fields|body)\./, "").split(".").pop();
        const slot = form.querySelector('.field-error[data-for="' + where + '"]');
        const msg = err.status === 409 ? err.message + " (someone else changed it: reload to see their change)" : err.message;
        if (slot) slot.textContent = msg; else form.querySelector(".form-error").textContent = msg;
      }
    });
  });

  const merge = document.getElementById("merge-form");
  if (merge) {
    merge.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      document.getElementById("merge-error").textContent = "";
      const holder = document.querySelector(".incident[data-version]");
      try {
        await V.api("POST", "/api/review/incidents/" + holder.dataset.id + "/merge",
          { version: parseInt(holder.dataset.version, 10), other_id: parseInt(merge.other_id.value, 10) });
        window.location.reload();
      } catch (err) { document.getElementById("merge-error").textContent = err.message; }
    });
  }
  document.addEventListener("click", async function (ev) {
    const split = ev.target.closest("[data-split]");
    if (!split) return;
    const holder = document.querySelector(".incident[data-version]");
    try {
      const out = await V.api("POST", "/api/review/incidents/" + holder.dataset.id + "/split",
        { version: parseInt(holder.dataset.version, 10), report_ids: [parseInt(split.dataset.split, 10)] });
      const newId = (out.new && out.new.id) || (out.created && out.created.id) || out.id;
      V.toast("Split out" + (newId ? " as #" + newId : ""), "ok");
      setTimeout(function () { window.location.reload(); }, 500);
    } catch (err) { V.toast(err.message, "error"); }
  });
})();
