/* govaudit report: filtering and sorting. Without JavaScript the page shows everything. */
(function () {
  "use strict";
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  each(document.querySelectorAll("form.filters[data-filter-for]"), function (form) {
    var table = document.getElementById(form.getAttribute("data-filter-for"));
    if (!table || !table.tBodies.length) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var out = form.querySelector(".count");
    function val(name) { var el = form.elements[name]; return el && el.value ? el.value : ""; }
    function apply() {
      var on = {}, any = false;
      each(form.querySelectorAll("input[name=status], input[name=verdict]"), function (c) {
        any = true; if (c.checked) { on[c.value] = true; }
      });
      var unit = val("unit"), check = val("check"), q = val("q").trim().toLowerCase(), shown = 0;
      rows.forEach(function (r) {
        var st = r.getAttribute("data-status") || r.getAttribute("data-verdict") || "";
        var ok = (!any || on[st] === true)
          && (!unit || ("|" + (r.getAttribute("data-units") || "") + "|").indexOf("|" + unit + "|") >= 0)
          && (!check || r.getAttribute("data-check") === check)
          && (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
        r.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (out) { out.textContent = "显示 " + shown + " / " + rows.length + " 项"; }
    }
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("change", apply);
    form.addEventListener("input", apply);
    var reset = form.querySelector("button.reset");
    if (reset) { reset.addEventListener("click", function () { form.reset(); apply(); }); }
    form.hidden = false;
    apply();
  });
  each(document.querySelectorAll("table.sortable"), function (table) {
    each(table.querySelectorAll("th[data-sort]"), function (th) {
      th.tabIndex = 0;
      th.title = "点击排序";
      function sort() {
        var key = "data-sort-" + th.getAttribute("data-sort");
        var asc = th.getAttribute("aria-sort") !== "ascending";
        each(table.querySelectorAll("th[data-sort]"), function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = th.hasAttribute("data-numeric");
        rows.sort(function (a, b) {
          var x = a.getAttribute(key) || "", y = b.getAttribute(key) || "";
          var c = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, "zh-CN");
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });
  window.addEventListener("beforeprint", function () {
    each(document.querySelectorAll("details"), function (d) { d.setAttribute("data-was-open", d.open ? "1" : "0"); d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    each(document.querySelectorAll("details[data-was-open]"), function (d) { d.open = d.getAttribute("data-was-open") === "1"; });
  });
}());
