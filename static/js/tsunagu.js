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
// The menu (base.html): its groups and the drawer are <details> that open and close without a
// script. This adds what a menu is expected to do: Escape closes what is open and returns the
// focus to its button, a click outside closes it, and leaving a group by Tab closes the group.
(function () {
  "use strict";
  var menu = document.querySelector(".site-header .menu");
  if (!menu) { return; }
  function shown(element) { return element.getClientRects().length > 0; }
  function closeAll() {
    var open = menu.querySelectorAll("details[open]");
    var focusTo = null;
    Array.prototype.forEach.call(open, function (details) {
      if (shown(details)) { focusTo = details.querySelector("summary"); }
      details.open = false;
    });
    return focusTo;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !menu.querySelector("details[open]")) { return; }
    var hadFocus = menu.contains(document.activeElement);
    var summary = closeAll();
    if (hadFocus && summary) { summary.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (!menu.contains(event.target)) { closeAll(); }
  });
  menu.addEventListener("focusout", function (event) {
    var group = event.target.closest(".menu-group");
    var toggle = group && group.querySelector(".menu-group-toggle");
    if (toggle && toggle.open && !group.contains(event.relatedTarget)) { toggle.open = false; }
  });
})();
// Printing (static/css/print.css, docs/design.md「印刷」). The print header shows the print date
// in 和暦 from data-printed-on (written at load and again just before printing). Browsers that
// cannot print a closed <details> (no ::details-content) lose its content, so every <details> of
// the page is opened before printing and put back after; the name that makes a group of them
// exclusive is lifted meanwhile, or opening one would close the others.
(function () {
  "use strict";
  var header = document.querySelector(".site-header");
  var opened = [];
  function writePrintDate() {
    if (!header) { return; }
    var format = new Intl.DateTimeFormat("ja-JP-u-ca-japanese", { era: "long", year: "numeric", month: "long", day: "numeric" });
    header.dataset.printedOn = format.format(new Date());
  }
  writePrintDate();
  window.addEventListener("beforeprint", function () {
    writePrintDate();
    Array.prototype.forEach.call(document.querySelectorAll("main details:not([open])"), function (details) {
      var name = details.getAttribute("name");
      if (name !== null) { details.removeAttribute("name"); }
      opened.push({ details: details, name: name });
      details.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (entry) {
      entry.details.open = false;
      if (entry.name !== null) { entry.details.setAttribute("name", entry.name); }
    });
    opened = [];
  });
})();
