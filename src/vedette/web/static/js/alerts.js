/* Alerts pages: alarms (claim, resolve), approval, rules, the outbox's "send now", enrolment links, the
   escalation ladder and the duty roster. Every action goes through the API, which checks the role again. */
(function () {
  "use strict";
  const V = window.Vedette;
  if (!V) return;
  function list(value, upper) {
    return (value || "").split(",").map(function (s) { return upper ? s.trim().toUpperCase() : s.trim(); }).filter(Boolean);
  }
  async function act(fn, errorEl) {
    if (errorEl) errorEl.textContent = "";
    try { await fn(); window.location.reload(); } catch (err) {
      if (errorEl) errorEl.textContent = err.message; else V.toast(err.message, "error");
    }
  }
  function on(selector, kind, fn) {
    document.addEventListener(kind, function (ev) {
      const el = ev.target.closest(selector);
      if (el) fn(ev, el);
    });
  }

  /* alarms and approvals */
  on("button.claim", "click", function (_e, b) { act(function () { return V.api("POST", "/api/alarms/" + b.dataset.alarm + "/claim"); }); });
  on("form.resolve-form", "submit", function (e, f) {
    e.preventDefault();
    act(function () { return V.api("POST", "/api/alarms/" + f.dataset.alarm + "/resolve", { note: f.note.value.trim() }); });
  });
  on("button.approve", "click", function (_e, b) { act(function () { return V.api("POST", "/api/alerts/" + b.dataset.alert + "/approve"); }); });
  if (document.getElementById("alarms")) V.on("checkin", function (d) { if (d && d.type === "alarm") window.location.reload(); });

  /* rules */
  on("button.rule-toggle", "click", function (_e, b) {
    act(function () { return V.api("PATCH", "/api/alerts/rules/" + b.dataset.rule, { enabled: b.dataset.enabled !== "1" }); });
  });
  on("button.rule-delete", "click", function (_e, b) { act(function () { return V.api("DELETE", "/api/alerts/rules/" + b.dataset.rule); }); });
  on("#rule-form", "submit", function (e, f) {
    e.preventDefault();
    const fd = new FormData(f);
    const body = {
      name: (fd.get("name") || "").trim(),
      event_kinds: fd.getAll("event_kinds"),
      categories: list(fd.get("categories")),
      min_severity: fd.get("min_severity") ? +fd.get("min_severity") : null,
      countries: list(fd.get("countries"), true),
      radius_km: fd.get("radius_km") ? +fd.get("radius_km") : null,
      tags: list(fd.get("tags")),
      statuses: fd.getAll("statuses"),
    };
    act(function () { return V.api("POST", "/api/alerts/rules", body); }, document.getElementById("ru-error"));
  });

  /* outbox */
  on("#dispatch-now", "click", function () { act(function () { return V.api("POST", "/api/alerts/outbox/dispatch"); }); });

  /* enrolment links */
  on("#link-form", "submit", function (e, f) {
    e.preventDefault();
    const body = { label: f.label.value.trim(), tags: list(f.tags.value), language: f.language.value };
    act(function () { return V.api("POST", "/api/enrolment-links", body); }, document.getElementById("lk-error"));
  });
  on("button.link-revoke", "click", function (_e, b) { act(function () { return V.api("POST", "/api/enrolment-links/" + b.dataset.link + "/revoke"); }); });

  /* ladder */
  on("#ld-add", "click", function () {
    const rows = document.querySelectorAll("#ladder tbody tr.ladder-step");
    const last = rows[rows.length - 1];
    const copy = last.cloneNode(true);
    const n = rows.length + 1;
    copy.querySelectorAll("input, select, label").forEach(function (el) {
      ["id", "for"].forEach(function (a) { const v = el.getAttribute(a); if (v) el.setAttribute(a, v.replace(/-\d+$/, "-" + n)); });
      el.removeAttribute("readonly"); el.removeAttribute("disabled");
    });
    last.parentNode.appendChild(copy);
  });
  on("#ladder-form", "submit", function (e, f) {
    e.preventDefault();
    const steps = Array.from(f.querySelectorAll("tr.ladder-step")).map(function (tr) {
      return {
        after_min: +tr.querySelector("[name=after_min]").value,
        action: tr.querySelector("[name=action]").value,
        channels: list(tr.querySelector("[name=channels]").value),
      };
    });
    act(function () { return V.api("PUT", "/api/ladder", { checkin_hours: +f.checkin_hours.value, steps: steps }); },
      document.getElementById("ld-error"));
  });

  /* roster */
  on("#shift-form", "submit", function (e, f) {
    e.preventDefault();
    const iso = function (v) { return v ? new Date(v).toISOString() : null; };
    const body = { person_id: +f.person_id.value, starts_at: iso(f.starts_at.value), ends_at: iso(f.ends_at.value) };
    act(function () { return V.api("POST", "/api/roster", body); }, document.getElementById("sh-error"));
  });
  on("button.shift-delete", "click", function (_e, b) { act(function () { return V.api("DELETE", "/api/roster/" + b.dataset.shift); }); });
})();
