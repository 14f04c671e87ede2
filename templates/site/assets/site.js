/* The case library's tables: sort by a column, filter by the form above them.
   No framework, no network: works from the files as from a server. */
(function () {
  "use strict";

  function cellValue(row, index, type) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    return type === "number" ? parseFloat(raw) || 0 : raw.toLowerCase();
  }

  function makeSortable(table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var type = th.getAttribute("data-type") || "text";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, type), y = cellValue(b, index, type);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      });
    });
  }

  function makeFilter(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    var count = document.getElementById(form.getAttribute("data-table") + "-count");
    var noun = count ? count.textContent.replace(/^Showing all \d+ /, "").replace(/\.$/, "") : "rows";
    var controls = form.querySelectorAll("[data-filter]");
    function apply() {
      var shown = 0, total = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var visible = true;
        Array.prototype.forEach.call(controls, function (control) {
          var key = control.getAttribute("data-filter");
          if (control.type === "checkbox") {
            if (control.checked && row.getAttribute("data-" + key) !== control.value) { visible = false; }
          } else if (key === "text") {
            var needle = control.value.trim().toLowerCase();
            if (needle && row.textContent.toLowerCase().indexOf(needle) < 0) { visible = false; }
          } else if (control.value) {
            var values = (row.getAttribute("data-" + key) || "").split(key === "owner" ? "\u0000" : " ");
            if (values.indexOf(control.value) < 0) { visible = false; }
          }
        });
        row.hidden = !visible;
        total += 1;
        if (visible) { shown += 1; }
      });
      if (count) {
        count.textContent = shown === total ? "Showing all " + total + " " + noun + "." : "Showing " + shown + " of " + total + " " + noun + ".";
      }
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
    form.hidden = false;
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
  Array.prototype.forEach.call(document.querySelectorAll("form.filters"), makeFilter);
})();
