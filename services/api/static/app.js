// Autosave for the application form (progressive enhancement: without JavaScript the Save button does it).
// Saves a couple of seconds after typing stops, and at least every 30 seconds while there are changes.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("application-form");
    if (!form || !form.dataset.autosaveUrl || !window.fetch) return;
    var status = document.getElementById("autosave-status");
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
