/* Loaded by registry/templates/registry/question_sum_script.html: a file, since the Content-Security-Policy allows no inline script. */
/* What each box was understood as (70, 70% and 0.7 are all 70%), and the running sum of a
   multiple-choice forecast. The server applies the same rule; without JavaScript it
   checks everything and says what it saved. */
(function () {
  var form = document.getElementById("forecast-form");
  if (!form) return;
  function understood(text) {
    text = text.trim().replace(",", ".").replace(/\s/g, "");
    var percent = text.endsWith("%");
    if (percent) text = text.slice(0, -1);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return null;
    var number = parseFloat(text);
    if (!percent && number > 0 && number < 1) number = number * 100;
    return Math.round(number * 1000) / 1000;
  }
  var inputs = form.querySelectorAll("input.percent");
  inputs.forEach(function (input) {
    var said = document.createElement("output");
    said.className = "understood";
    said.setAttribute("aria-live", "polite");
    said.setAttribute("for", input.id);
    input.insertAdjacentElement("afterend", said);
    input.understoodOutput = said;
  });
  var output = document.getElementById("forecast-total");
  var line = document.getElementById("forecast-sum");
  function update() {
    var total = 0, complete = true, options = 0;
    inputs.forEach(function (input) {
      var value = understood(input.value);
      var said = input.understoodOutput;
      if (input.value.trim() === "") { said.textContent = ""; }
      else if (value === null) { said.textContent = "not a number"; }
      else if (value < 0.1 || value > 99.9) {
        // The server refuses it too (RANGE_MESSAGE): said before saving, not after.
        said.textContent = "= " + value + "%: outside 0.1% to 99.9%";
      }
      else { said.textContent = "= " + value + "% chance"; }
      if (!input.closest("fieldset")) return;
      options += 1;
      if (value === null) { complete = false; } else { total += value; }
    });
    if (!output || !line || !options) return;
    total = Math.round(total * 1000) / 1000;
    var gap = Math.round(Math.abs(100 - total) * 1000) / 1000;
    var text = total + "%";
    if (!complete) { text += " so far"; }
    else if (total < 100) { text += " (" + gap + " to go)"; }
    else if (total > 100) { text += " (" + gap + " too many)"; }
    output.textContent = text;
    line.classList.toggle("off", complete && total !== 100);
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
})();
