// Autosave for the application form (progressive enhancement: without JavaScript the Save button does it).
// Saves a couple of seconds after typing stops, and at least every 30 seconds while there are changes.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("application-form");
    if (!form || !form.dataset.autosaveUrl || !window.fetch) return;
    var status = document.getElementById("autosave-status");
    if (status && form.dataset.msgOn) status.textContent = form.dataset.msgOn;  // promised only when it runs
    var dirty = false, busy = false, timer = null;

    function save() {
      if (!dirty || busy) return;
      busy = true;
      dirty = false;
      var token = form.querySelector("input[name=csrf_token]").value;
      fetch(form.dataset.autosaveUrl, {
        method: "PATCH", body: new FormData(form), credentials: "same-origin",
        headers: { "X-CSRF-Token": token, "Accept": "application/json" }
      }).then(function (response) {
        var time = new Date().toLocaleTimeString();
        status.textContent = (response.ok ? form.dataset.msgSaved : form.dataset.msgFailed) + " (" + time + ")";
        status.dataset.state = response.ok ? "saved" : "failed";
      }).catch(function () {
        dirty = true;  // offline or server restarting: try again on the next tick
      }).finally(function () {
        busy = false;
      });
    }

    function changed(event) {
      if (event.target && event.target.type === "file") return;
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(save, 2000);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    setInterval(save, 30000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// After a refused form the focus goes to the first field in error (WCAG 3.3.1, JIS X 8341-3): a keyboard or
// screen-reader user lands where the correction is needed, and hears the message tied to it by
// aria-describedby. A refusal with no field of its own (an alert above the form) gets the focus instead.
(function () {
  "use strict";
  function focusFirstError() {
    var target = document.querySelector("main [aria-invalid=true]");
    if (!target) {
      target = document.querySelector("main .flash.error[role=alert], main [role=alert].errors");
      if (!target) return;
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    }
    target.focus();
    if (target.scrollIntoView) target.scrollIntoView({ block: "center" });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusFirstError);
  else focusFirstError();
})();
