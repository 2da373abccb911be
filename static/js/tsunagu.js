// tsunagu: small progressive enhancements. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";
  // Warn two minutes before the idle session expires; any request restarts the clock.
  var minutes = parseInt(document.body.dataset.idleMinutes || "0", 10);
  var warning = document.getElementById("idle-warning");
  if (!minutes || !warning) { return; }
  var timer = null;
  function arm() {
    if (timer) { clearTimeout(timer); }
    warning.hidden = true;
    timer = setTimeout(function () { warning.hidden = false; }, Math.max(minutes - 2, 1) * 60000);
  }
  document.body.addEventListener("htmx:afterRequest", arm);
  arm();
})();
