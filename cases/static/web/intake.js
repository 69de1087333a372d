// Without JavaScript the page still works: a "remove" checkbox per row, the court fields always
// shown, "Add a party" posting the page. With it, rows are removed in place and the court fields
// appear for the court-entrusted channel only.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var rows = document.getElementById("party-rows");
  var removeBox = function (row) { return row.querySelector('input[name$="-DELETE"]'); };
  Array.prototype.forEach.call(rows.querySelectorAll(".party-row"), function (row) {
    var box = removeBox(row);
    if (box && box.checked) { row.hidden = true; }
  });
  rows.addEventListener("click", function (event) {
    var button = event.target.closest(".party-remove");
    if (!button) { return; }
    var row = button.closest(".party-row");
    removeBox(row).checked = true;
    row.hidden = true;
    var add = document.getElementById("add-party");
    if (add) { add.focus(); }
  });
  var channel = document.getElementById("id_channel");
  var court = document.getElementById("court-fields");
  var courtTyped = function () {
    return Array.prototype.some.call(court.querySelectorAll("input, select"), function (field) {
      return field.value !== "";
    });
  };
  var showCourt = function () {
    court.hidden = channel.value !== "court_entrusted" && !courtTyped();
  };
  channel.addEventListener("change", showCourt);
  showCourt();
})();
