/* Review actions on the feed and incident pages: confirm and dismiss (with a reason), with the incident's
   version so that a stale edit is refused (409) and shown, never silently overwritten. */
(function () {
  "use strict";
  const V = window.Vedette;
  const dialog = document.getElementById("dismiss-dialog");

  function holder(btn) { return btn.closest("[data-id]"); }

  async function act(row, action, body) {
    const id = row.dataset.id;
    body.version = parseInt(row.dataset.version, 10);
    try {
      const out = await V.api("POST", "/api/review/incidents/" + id + "/" + action, body);
      row.dataset.version = out.version;
      row.className = row.className.replace(/status-\w+/, "status-" + out.status);
      const badge = row.querySelector(".badge");
      if (badge) { badge.className = "badge badge-" + out.status; badge.textContent = out.status; }
      row.querySelectorAll("[data-action]").forEach(function (b) {
        b.hidden = (b.dataset.action === "confirm" && out.status === "confirmed") ||
                   (b.dataset.action === "dismiss" && out.status === "dismissed");
      });
      V.toast("#" + id + ": " + out.status, "ok");
      return true;
    } catch (err) {
      if (err.status === 409) V.toast("#" + id + ": " + err.message + " — reload to see the other change", "error");
      else V.toast("#" + id + ": " + err.message, "error");
      return false;
    }
  }

  document.addEventListener("click", function (ev) {
    const btn = ev.target.closest("button[data-action]");
    if (!btn) return;
    const row = holder(btn);
    if (!row) return;
    if (btn.dataset.action === "confirm") act(row, "confirm", {});
    if (btn.dataset.action === "dismiss" && dialog) {
      dialog.dataset.target = row.dataset.id;
      document.getElementById("dismiss-error").textContent = "";
      document.getElementById("dismiss-reason").value = "";
      dialog.showModal();
    }
  });

  if (dialog) {
    dialog.addEventListener("close", async function () {
      if (dialog.returnValue !== "ok") return;
      const reason = document.getElementById("dismiss-reason").value.trim();
      const row = document.querySelector('[data-id="' + dialog.dataset.target + '"]');
      if (!reason) {
        document.getElementById("dismiss-error").textContent = "A reason is needed.";
        dialog.showModal();
        return;
      }
      if (row) await act(row, "dismiss", { reason: reason });
    });
  }

  V.on("incident.changed", function (data) {
    const row = document.querySelector('[data-id="' + data.id + '"]');
    if (!row) return;
    const badge = row.querySelector(".badge");
    if (badge && data.status) { badge.className = "badge badge-" + data.status; badge.textContent = data.status; }
  });
  V.on("incident.new", function (data) {
    V.toast("New incident: " + (data.place || "") + " " + (data.date || ""), "info");
  });
})();
