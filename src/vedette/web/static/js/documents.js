/* Documents page: upload a file or add a URL / feed; errors shown next to the field that caused them. */
(function () {
  "use strict";
  const V = window.Vedette;
  function show(id, text) { const el = document.getElementById(id); if (el) el.textContent = text || ""; }

  const upload = document.getElementById("upload-form");
  if (upload) {
    upload.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      show("file-error", "");
      const file = upload.file.files[0];
      if (!file) { show("file-error", upload.file.validationMessage || "Choose a file."); return; }
      const body = new FormData();
      body.append("file", file, file.name);
      const r = await fetch("/api/documents", {
        method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRF-Token": V.csrf(), Accept: "application/json" },
      });
      let out = null;
      try { out = await r.json(); } catch (e) { out = null; }
      if (!r.ok) {
        show("file-error", (out && (typeof out.detail === "string" ? out.detail : JSON.stringify(out.detail))) || r.statusText);
        return;
      }
      V.toast((out.created ? "Stored: " : "Already in the store: ") + (out.title || out.name), "ok");
      setTimeout(function () { window.location.reload(); }, 600);
    });
  }

  const urlForm = document.getElementById("url-form");
  if (urlForm) {
    urlForm.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      show("url-error", "");
      const url = urlForm.url.value.trim();
      if (!/^https?:\/\//i.test(url)) { show("url-error", "An http:// or https:// address is needed."); return; }
      try {
        if (urlForm.feed.checked) await V.api("POST", "/api/feeds", { url: url });
        else await V.api("POST", "/api/documents", { url: url });
        V.toast("Added: " + url, "ok");
        setTimeout(function () { window.location.reload(); }, 600);
      } catch (err) { show("url-error", err.message); }
    });
  }
})();
