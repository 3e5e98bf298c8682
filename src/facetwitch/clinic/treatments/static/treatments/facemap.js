/* Face map of the toxin session form: clicking an injection site adds (or fills) a row of the injection
 * formset with that muscle and side, plus the default product, units, lot and dilution. Also keeps per-site
 * counts on the map and running totals per product and side (units of different products never added).
 * Without JavaScript the formset works on its own (muscle/side selects). CSP: loaded from 'self', no inline code. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    var form = document.getElementById("toxin-form");
    var map = document.getElementById("facemap");
    if (!form || !map) { return; }
    var total = form.querySelector("input[name='inj-TOTAL_FORMS']");
    var maxForms = form.querySelector("input[name='inj-MAX_NUM_FORMS']");
    var tbody = form.querySelector("#injection-rows tbody");
    var template = document.getElementById("inj-empty-form");
    var totalsBody = document.querySelector("#live-totals tbody");
    var productSelect = document.getElementById("default-product");

    function rows() { return Array.prototype.slice.call(tbody.querySelectorAll("tr.inj-row")); }
    function field(row, name) { return row.querySelector("[name$='-" + name + "']"); }
    function isDeleted(row) { var d = field(row, "DELETE"); return d && d.checked; }
    function isBlank(row) {
      return !field(row, "muscle").value && !field(row, "units").value && !isDeleted(row);
    }

    function addRow() {
      var n = parseInt(total.value, 10);
      if (maxForms && n >= parseInt(maxForms.value, 10)) { return null; }
      var holder = document.createElement("tbody");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(n));
      var row = holder.querySelector("tr");
      tbody.appendChild(row);
      total.value = String(n + 1);
      return row;
    }

    function fill(row, muscle, side) {
      field(row, "muscle").value = muscle;
      field(row, "side").value = side;
      field(row, "product").value = productSelect.value;
      field(row, "units").value = document.getElementById("default-units").value;
      field(row, "lot").value = document.getElementById("default-lot").value;
      field(row, "concentration").value = document.getElementById("default-concentration").value;
    }

    function productName(code) {
      for (var i = 0; i < productSelect.options.length; i++) {
        if (productSelect.options[i].value === code) { return productSelect.options[i].text; }
      }
      return code;
    }

    function refresh() {
      var counts = {};
      var totals = {};
      rows().forEach(function (row) {
        if (isDeleted(row)) { return; }
        var muscle = field(row, "muscle").value, side = field(row, "side").value;
        var product = field(row, "product").value, units = parseFloat(field(row, "units").value);
        if (muscle && side) { counts[muscle + ":" + side] = (counts[muscle + ":" + side] || 0) + 1; }
        if (product && side && !isNaN(units) && units > 0) {
          var t = totals[product] || (totals[product] = { right: 0, left: 0, midline: 0, total: 0 });
          t[side] += units;
          t.total += units;
        }
      });
      Array.prototype.forEach.call(map.querySelectorAll("g.site"), function (g) {
        var n = counts[g.getAttribute("data-muscle") + ":" + g.getAttribute("data-side")] || 0;
        g.classList.toggle("marked", n > 0);
        g.querySelector("text.count").textContent = n > 0 ? String(n) : "";
      });
      if (totalsBody) {
        totalsBody.textContent = "";
        Object.keys(totals).forEach(function (code) {
          var t = totals[code];
          var tr = document.createElement("tr");
          tr.setAttribute("data-product", code);
          [productName(code), t.right, t.left, t.midline, t.total + " U"].forEach(function (value, i) {
            var td = document.createElement("td");
            if (i > 0) { td.className = "num"; }
            td.textContent = typeof value === "number" ? String(Math.round(value * 100) / 100) : value;
            tr.appendChild(td);
          });
          totalsBody.appendChild(tr);
        });
      }
    }

    function choose(g) {
      var row = rows().filter(isBlank)[0] || addRow();
      if (!row) { window.alert("The form holds at most " + maxForms.value + " injection rows."); return; }
      fill(row, g.getAttribute("data-muscle"), g.getAttribute("data-side"));
      refresh();
      var units = field(row, "units");
      if (units && units.focus) { units.focus({ preventScroll: true }); }
    }

    map.addEventListener("click", function (event) {
      var g = event.target.closest ? event.target.closest("g.site") : null;
      if (g) { choose(g); }
    });
    map.addEventListener("keydown", function (event) {
      var g = event.target.closest ? event.target.closest("g.site") : null;
      if (g && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); choose(g); }
    });
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    refresh();
  });
})();
