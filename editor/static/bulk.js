// The article list's "select all": ticking it ticks the box of every article the filters
// matched on this page (the form's "shown" fields list them), unticking it unticks them.
// Unticking one of those boxes unticks "select all" (half-ticked while some are), so the
// server then acts on the ticked boxes only; ticking the last one ticks it again.
// Without this script the server still reads "select all" as every "shown" article.
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  if (!all) { return; }
  var shown = {};
  Array.prototype.forEach.call(all.form.querySelectorAll('input[name="shown"]'), function (field) {
    shown[field.value] = true;
  });
  var boxes = Array.prototype.filter.call(
    document.querySelectorAll('input[type="checkbox"][name="item"][form="bulk"]'),
    function (box) { return shown[box.value] === true; });

  function sync() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    all.indeterminate = false;
  });
  boxes.forEach(function (box) { box.addEventListener("change", sync); });
  // a page restored from the history keeps its ticks: start from what they say
  if (all.checked) { all.dispatchEvent(new Event("change")); } else { sync(); }
})();
