/* People page: import with a dry run first; the report lists every bad row by line and field. */
(function () {
  "use strict";
  const V = window.Vedette;
  const form = document.getElementById("import-form");
  if (!form) return;
  const out = document.getElementById("import-report");
  function esc(s) { const d = document.createElement("span"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    document.getElementById("import-error").textContent = "";
    const file = form.file.files[0];
    if (!file) { document.getElementById("import-error").textContent = "Choose a file."; return; }
    const body = new FormData();
    body.append("file", file, file.name);
    body.append("dry_run", form.dry_run.checked ? "true" : "false");
    if (form.person_external_id.value.trim()) body.append("person_external_id", form.person_external_id.value.trim());
    const r = await fetch("/api/people/import", {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRF-Token": V.csrf(), Accept: "application/json" },
    });
    let rep = null;
    try { rep = await r.json(); } catch (e) { rep = null; }
    if (!r.ok) {
      document.getElementById("import-error").textContent = (rep && (typeof rep.detail === "string" ? rep.detail : JSON.stringify(rep.detail))) || r.statusText;
      return;
    }
    let html = "<p><strong>" + (rep.dry_run ? "Dry run" : "Imported") + "</strong>: " + esc(rep.rows) + " rows, " +
      esc(rep.created) + " new, " + esc(rep.updated) + " updated, " + esc(rep.unchanged) + " unchanged, " +
      esc(rep.errors.length) + " bad.</p>";
    if (rep.errors.length) {
      html += '<table class="grid"><thead><tr><th scope="col">Line</th><th scope="col">Field</th><th scope="col">Reason</th></tr></thead><tbody>' +
        rep.errors.map(function (e) { return "<tr><td>" + esc(e.line) + "</td><td>" + esc(e.field) + "</td><td>" + esc(e.reason) + "</td></tr>"; }).join("") +
        "</tbody></table>";
    }
    out.innerHTML = html;
  });
})();
