/* Loaded by resolvers/templates/resolvers/_kind_switch_script.html: a file, since the Content-Security-Policy allows no inline script. */
document.querySelectorAll("select[data-switch-kind]").forEach(function (select) {
  var hidden = select.nextElementSibling;
  var button = hidden && hidden.nextElementSibling;
  if (!button || !/_switch$/.test(button.name) || !select.form) return;
  // The admin's form and its inline may both load this file: one listener a select.
  if (select.hasAttribute("data-switch-bound")) return;
  select.setAttribute("data-switch-bound", "");
  select.addEventListener("change", function () { select.form.requestSubmit(button); });
  // A kind chosen while the page was still loading, before this listener existed.
  var shown = Array.prototype.find.call(select.options, function (option) { return option.defaultSelected; });
  if (shown && select.value !== shown.value) select.form.requestSubmit(button);
});
