/* Loaded by registry/templates/registry/imports.html: a file, since the Content-Security-Policy allows no inline script. */
/* While the import runs within the request, say so; without JavaScript the page just waits. */
(function () {
  var form = document.getElementById("import-form");
  var button = document.getElementById("import-submit");
  var busy = document.getElementById("import-busy");
  if (!form || !button || !busy) return;
  form.addEventListener("submit", function () {
    busy.hidden = false;
    button.disabled = true;
    button.textContent = "Importing…";
  });
})();
