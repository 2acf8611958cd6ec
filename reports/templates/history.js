/* the 变化 filter: runs after the report's own filter (report.js) on every change of the form */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.querySelector("form[data-filter-for='findings-table']");
  var table = document.getElementById("findings-table");
  if (!form || !table || !table.tBodies.length) { return; }
  function apply() {
    var el = form.elements.change, want = el && el.value ? el.value : "";
    if (!want) { return; }
    var rows = table.tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i += 1) {
      if (!rows[i].hidden && rows[i].getAttribute("data-change") !== want) { rows[i].hidden = true; }
      if (!rows[i].hidden) { shown += 1; }
    }
    var out = form.querySelector(".count");
    if (out) { out.textContent = "显示 " + shown + " / " + rows.length + " 项"; }
  }
  function later() { setTimeout(apply, 0); }
  form.addEventListener("change", later);
  form.addEventListener("input", later);
});
