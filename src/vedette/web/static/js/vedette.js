/* Vedette: what every page shares. No inline script anywhere (the Content-Security-Policy allows none). */
(function () {
  "use strict";
  const body = document.body;
  const V = (window.Vedette = window.Vedette || {});

  V.csrf = function () {
    if (body.dataset.csrf) return body.dataset.csrf;
    const m = document.cookie.match(/(?:^|; )vedette_csrf=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  };

  /* fetch JSON with the session cookie and the CSRF token; errors carry the server's message */
  /* an operator's requests name the organisation it acts for (?org=), as the page does */
  V.withOrg = function (url) {
    const org = body.dataset.org;
    if (!org || !url.startsWith("/api/") || /[?&]org=/.test(url)) return url;
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "org=" + encodeURIComponent(org);
  };

  V.api = async function (method, url, data) {
    url = V.withOrg(url);
    const opts = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (data !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(data);
    }
    if (method !== "GET") opts.headers["X-CSRF-Token"] = V.csrf();
    const r = await fetch(url, opts);
    let payload = null;
    try { payload = await r.json(); } catch (e) { payload = null; }
    if (!r.ok) {
      const err = new Error((payload && (payload.detail && (payload.detail.message || payload.detail))) || r.statusText);
      if (typeof err.message !== "string") err.message = JSON.stringify(payload.detail);
      err.status = r.status;
      err.item = payload && payload.item;
      throw err;
    }
    return payload;
  };

  V.toast = function (text, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = "toast " + (kind || "info");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  };

  /* dates in the viewer's time zone, with UTC on hover */
  V.localise = function (root) {
    (root || document).querySelectorAll("time[datetime]").forEach(function (t) {
      const raw = t.getAttribute("datetime");
      if (!raw || raw.length < 16) return;
      const d = new Date(raw.endsWith("Z") || /[+-]\d\d:\d\d$/.test(raw) ? raw : raw + "Z");
      if (isNaN(d)) return;
      t.title = d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
      const opts = { dateStyle: "medium", timeStyle: "short" };
      if (body.dataset.tz) opts.timeZone = body.dataset.tz;  /* the user's own zone, else the browser's */
      try { t.textContent = d.toLocaleString(document.documentElement.lang || undefined, opts); }
      catch (e) { delete opts.timeZone; t.textContent = d.toLocaleString(undefined, opts); }
    });
  };

  /* live updates: server-sent events, with the connection state shown in the top bar */
  V.live = { handlers: {} };
  V.on = function (kind, fn) { (V.live.handlers[kind] = V.live.handlers[kind] || []).push(fn); };
  function setState(state) {
    const el = document.getElementById("live-state");
    if (!el) return;
    el.dataset.state = state;
    const label = el.querySelector(".label");
    if (label) label.textContent = label.dataset[state] || state;
  }
  function connect() {
    if (!document.getElementById("live-state") || !window.EventSource) return;
    const es = new EventSource("/api/live");
    V.live.source = es;
    es.addEventListener("hello", function () { setState("live"); });
    es.addEventListener("ping", function () { setState("live"); });
    ["incident.new", "incident.changed", "checkin"].forEach(function (kind) {
      es.addEventListener(kind, function (ev) {
        setState("live");
        let data = {};
        try { data = JSON.parse(ev.data); } catch (e) { return; }
        (V.live.handlers[kind] || []).forEach(function (fn) { fn(data); });
        (V.live.handlers["*"] || []).forEach(function (fn) { fn(kind, data); });
      });
    });
    es.onerror = function () { setState(es.readyState === EventSource.CLOSED ? "offline" : "connecting"); };
  }

  document.addEventListener("DOMContentLoaded", function () {
    V.localise();
    connect();
    const sw = document.querySelector("[data-org-switch]");
    if (sw) {
      sw.addEventListener("change", function () {
        document.cookie = "vedette_org=" + encodeURIComponent(sw.value) + "; path=/; samesite=lax";
        const u = new URL(window.location.href);
        u.searchParams.set("org", sw.value);
        window.location.href = u.toString();
      });
    }
    const out = document.getElementById("sign-out");
    if (out) {
      out.addEventListener("click", async function () {
        try { await V.api("POST", "/api/auth/logout"); } catch (e) { /* already signed out */ }
        window.location.href = "/login";
      });
    }
  });
})();
