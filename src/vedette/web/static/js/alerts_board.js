/* The accountability board: refreshed from /api/accountability/{id} when a check-in or an alarm arrives on
   the live stream (event "checkin"); managers account for a person reached by phone. No inline script. */
(function () {
  "use strict";
  const V = window.Vedette;
  const root = document.getElementById("board");
  if (!root || !V) return;
  const alertId = root.dataset.alert;
  const canWrite = root.dataset.canWrite === "1";
  const labels = document.getElementById("t-labels").dataset;
  const tbody = document.getElementById("board-rows");
  let pending = null;

  function label(key) { return (key && labels[key]) || key || ""; }
  function td(text) { const c = document.createElement("td"); if (text) c.textContent = text; return c; }
  function time(iso) {
    const t = document.createElement("time");
    t.setAttribute("datetime", iso); t.textContent = iso; return t;
  }

  function row(r) {
    const tr = document.createElement("tr");
    tr.className = "state-" + r.state;
    tr.dataset.person = r.person_id;
    tr.dataset.state = r.state;
    const name = td();
    const strong = document.createElement("strong"); strong.textContent = r.name; name.appendChild(strong);
    if (r.code) { name.appendChild(document.createElement("br")); const s = document.createElement("span"); s.className = "muted"; s.textContent = r.code; name.appendChild(s); }
    tr.appendChild(name);
    const st = td(); const b = document.createElement("span"); b.className = "badge badge-state-" + r.state; b.textContent = label(r.state); st.appendChild(b); tr.appendChild(st);
    const ans = td();
    if (r.answered_at) { ans.appendChild(time(r.answered_at)); ans.appendChild(document.createTextNode(" · " + label(r.via))); }
    tr.appendChild(ans);
    const words = [r.text, r.location, r.lat !== null && r.lat !== undefined ? r.lat + ", " + r.lon : null].filter(Boolean);
    tr.appendChild(td(words.join(" · ")));
    const del = td((r.delivery || []).join("; ")); del.className = "small"; tr.appendChild(del);
    const next = td();
    if (r.next_step) { next.appendChild(document.createTextNode(label(r.next_step.action) + " ")); if (r.next_step.due_at) next.appendChild(time(r.next_step.due_at)); }
    tr.appendChild(next);
    if (canWrite) {
      const cell = td();
      if (r.request_id) cell.appendChild(accountForm(r.request_id));
      tr.appendChild(cell);
    }
    return tr;
  }

  function accountForm(requestId) {
    const f = document.createElement("form");
    f.className = "acct-form inline-form"; f.dataset.request = requestId;
    const l = document.createElement("label"); l.className = "sr-only"; l.htmlFor = "acct-" + requestId; l.textContent = labels.note;
    const i = document.createElement("input"); i.id = "acct-" + requestId; i.name = "note"; i.maxLength = 2000; i.required = true; i.placeholder = labels.note;
    const b = document.createElement("button"); b.type = "submit"; b.textContent = labels.save;
    f.append(l, i, b);
    return f;
  }

  async function refresh() {
    pending = null;
    try {
      const data = await V.api("GET", "/api/accountability/" + alertId);
      tbody.replaceChildren.apply(tbody, data.rows.map(row));
      Object.keys(data.counts).forEach(function (k) {
        const el = document.querySelector('#headcount [data-count="' + k + '"]');
        if (el) el.textContent = data.counts[k];
      });
      V.localise(tbody);
      root.dataset.refreshed = String(Date.now());
    } catch (err) {
      V.toast(err.message, "error");
    }
  }
  function soon() { if (!pending) pending = setTimeout(refresh, 300); }

  V.on("checkin", function () { soon(); });  /* an answer or an alarm: the board may have changed */

  tbody.addEventListener("submit", async function (ev) {
    const f = ev.target.closest("form.acct-form");
    if (!f) return;
    ev.preventDefault();
    const note = f.note.value.trim();
    if (!note) { f.note.focus(); return; }
    try {
      await V.api("POST", "/api/accountability/requests/" + f.dataset.request + "/accounted", { note: note });
      V.toast(labels.saved, "ok");
      refresh();
    } catch (err) { V.toast(err.message, "error"); }
  });
})();
