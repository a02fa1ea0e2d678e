/* Sign-in form: posts JSON to /api/auth/login and shows each error next to its field. */
(function () {
  "use strict";
  const form = document.getElementById("login-form");
  if (!form) return;
  function show(id, text) { const el = document.getElementById(id); if (el) el.textContent = text || ""; }
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    ["email-error", "password-error", "totp-error", "form-error"].forEach(function (id) { show(id, ""); });
    const data = { email: form.email.value.trim(), password: form.password.value };
    if (form.totp.value.trim()) data.totp = form.totp.value.trim();
    if (!data.email) { show("email-error", form.email.validationMessage || "required"); form.email.focus(); return; }
    if (!data.password) { show("password-error", form.password.validationMessage || "required"); form.password.focus(); return; }
    try {
      await window.Vedette.api("POST", "/api/auth/login", data);
      window.location.href = form.dataset.next || "/";
    } catch (err) {
      const where = (err.item || "").toString();
      if (where.indexOf("totp") >= 0) { show("totp-error", err.message); form.totp.focus(); }
      else if (where.indexOf("email") >= 0) show("email-error", err.message);
      else if (where.indexOf("password") >= 0) show("password-error", err.message);
      else show("form-error", err.message);
    }
  });
})();
