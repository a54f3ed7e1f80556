/* Loaded by registry/templates/registry/import_review.html: a file, since the Content-Security-Policy allows no inline script. */
/* A destructive button asks first. A long import's progress is polled until it is done,
   then the page reloads with its proposals; without JavaScript the page refreshes itself. */
(function () {
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  var status = document.getElementById("import-status");
  if (!status || status.getAttribute("data-finished") === "true") return;
  var stage = document.getElementById("import-stage");
  var state = document.getElementById("import-state");
  var bar = document.getElementById("import-progress");
  function poll() {
    fetch(status.getAttribute("data-progress-url"), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.finished) { window.location.reload(); return; }
        stage.textContent = data.stage;
        state.textContent = data.state_label;
        if (bar && data.units_total) { bar.max = data.units_total; bar.value = data.units_done; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
