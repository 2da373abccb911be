// tsunagu: the intake form (相談受付). Progressive enhancement only: without this script every
// section is shown and the form works the same. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";
  var form = document.getElementById("consultation-form");
  if (!form) { return; }

  // Sections shown only for some answers: data-show-when="name=value[,value…]". A hidden section
  // leaves the tab order; its values are still posted and ignored by the server when not needed.
  function valueOf(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) { return checked.value; }
    var field = form.elements.namedItem(name);
    return field && field.tagName === "SELECT" ? field.value : "";
  }
  function update() {
    form.querySelectorAll("[data-show-when]").forEach(function (section) {
      var rule = section.getAttribute("data-show-when").split("=");
      var show = rule[1].split(",").indexOf(valueOf(rule[0])) !== -1;
      // A section with an error stays visible so that the message is seen.
      section.hidden = !show && !section.querySelector(".field-error");
    });
  }
  form.addEventListener("change", update);
  update();

  // Enter in the person search searches; it does not send the whole form.
  var search = document.getElementById("person-search");
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        if (window.htmx) { window.htmx.trigger(search, "search"); }
      }
    });
  }

  // Autosave: none once the form is being sent (the draft is deleted when the consultation is
  // saved); an expired session answers the login page, which must not be swapped into the form.
  var status = document.getElementById("draft-status");
  var submitting = false;
  form.addEventListener("submit", function () { submitting = true; });
  if (status) {
    status.addEventListener("htmx:beforeRequest", function (event) {
      if (submitting) { event.preventDefault(); }
    });
    status.addEventListener("htmx:beforeSwap", function (event) {
      var url = (event.detail.xhr && event.detail.xhr.responseURL) || "";
      if (url.indexOf("/login/") !== -1) {
        event.detail.shouldSwap = false;
        status.textContent = "ログインの有効期限が切れたため下書きを保存できませんでした。" +
          "「相談を記録する」を押すと、ログインし直した後に入力内容が戻ります。";
      }
    });
    status.addEventListener("htmx:responseError", function () {
      status.textContent = "下書きを保存できませんでした。入力はこの画面に残っています。";
    });
    status.addEventListener("htmx:sendError", function () {
      status.textContent = "下書きを保存できませんでした（通信エラー）。入力はこの画面に残っています。";
    });
  }

  // After a refused save, start at the list of what to correct.
  var errors = document.getElementById("form-errors");
  if (errors) { errors.focus(); }
})();
