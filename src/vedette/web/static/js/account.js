/* Account page: create and revoke one's tokens; admins add and deactivate users. */
(function () {
  "use strict";
  const V = window.Vedette;
  const pf = document.getElementById("prefs-form");
  if (pf) {
    pf.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      document.getElementById("prefs-error").textContent = "";
      try {
        await V.api("PUT", "/api/preferences", { language: pf.language.value, time_zone: pf.time_zone.value.trim() || null });
        window.location.reload();
      } catch (err) { document.getElementById("prefs-error").textContent = err.message; }
    });
  }
  const tf = document.getElementById("token-form");
  if (tf) {
    tf.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      document.getElementById("token-error").textContent = "";
      try {
        const out = await V.api("POST", "/api/tokens", { name: tf.name.value.trim(), expires_days: parseInt(tf.expires_days.value, 10) });
        const box = document.getElementById("token-secret");
        box.querySelector("code").textContent = out.token;
        box.hidden = false;
      } catch (err) { document.getElementById("token-error").textContent = err.message; }
    });
  }
  document.addEventListener("click", async function (ev) {
    const revoke = ev.target.closest("[data-revoke]");
    const off = ev.target.closest("[data-deactivate]");
    try {
      if (revoke) { await V.api("DELETE", "/api/tokens/" + revoke.dataset.revoke); revoke.replaceWith(document.createTextNode("revoked")); }
      if (off) { await V.api("POST", "/api/users/" + off.dataset.deactivate + "/deactivate"); off.replaceWith(document.createTextNode("deactivated")); }
    } catch (err) { V.toast(err.message, "error"); }
  });
  const uf = document.getElementById("user-form");
  if (uf) {
    uf.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      document.getElementById("user-error").textContent = "";
      try {
        const out = await V.api("POST", "/api/users", { email: uf.email.value.trim(), role: uf.role.value });
        const made = document.getElementById("user-made");
        made.textContent = out.email + " (" + out.role + ")" + (out.totp_uri ? " — second factor: " + out.totp_uri : "");
        made.hidden = false;
      } catch (err) { document.getElementById("user-error").textContent = err.message; }
    });
  }
})();
