/* The public check-in page: "Add my position" fills the hidden lat/lon from the browser's geolocation. */
(function () {
  "use strict";
  const btn = document.getElementById("ci-locate");
  if (!btn) return;
  if (!navigator.geolocation) { btn.hidden = true; return; }
  btn.addEventListener("click", function () {
    const out = document.getElementById("ci-position");
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("ci-lat").value = pos.coords.latitude.toFixed(5);
      document.getElementById("ci-lon").value = pos.coords.longitude.toFixed(5);
      out.textContent = pos.coords.latitude.toFixed(4) + ", " + pos.coords.longitude.toFixed(4);
    }, function (err) { out.textContent = err.message; }, { timeout: 15000 });
  });
})();
