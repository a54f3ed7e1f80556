/* Loaded by registry/templates/registry/question_outcome.html: a file, since the Content-Security-Policy allows no inline script. */
/* Dispute deadlines in the reader's own time zone as well; the UTC text stays without JS. */
document.querySelectorAll("time[data-local]").forEach(function (node) {
  var when = new Date(node.getAttribute("datetime"));
  if (isNaN(when)) return;
  var local = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  node.insertAdjacentText("afterend", " (" + local + " your time)");
});
