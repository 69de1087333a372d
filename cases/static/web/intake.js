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

// The keyboard (docs/web.md, "Keyboard"): Enter in a field moves to the next field instead of
// registering the case (a textarea keeps Enter for new lines; on the button Enter registers);
// Alt+N goes to the next party row still empty, adding a row when every row is used;
// Ctrl+Enter registers the case from anywhere in the form.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  var submit = form.querySelector("button[type=submit]:not([name])");
  var usable = function (field) {
    return !field.disabled && field.type !== "hidden" && field.getClientRects().length > 0;
  };
  var fields = function () {
    return Array.prototype.filter.call(form.elements, function (field) {
      return /^(INPUT|SELECT|TEXTAREA)$/.test(field.tagName) && usable(field);
    });
  };
  // A radio group is one stop, on its checked radio (as Tab does).
  var stop = function (field) {
    if (field.type !== "radio") { return field; }
    var group = form.querySelectorAll('input[type=radio][name="' + field.name + '"]');
    return Array.prototype.filter.call(group, function (radio) { return radio.checked; })[0] || field;
  };
  var moveOn = function (from) {
    var list = fields();
    for (var i = list.indexOf(from) + 1; i < list.length; i++) {
      if (from.type === "radio" && list[i].name === from.name) { continue; }
      stop(list[i]).focus();
      return;
    }
    submit.focus();
  };
  var nextParty = function () {
    var rows = Array.prototype.filter.call(document.querySelectorAll("#party-rows .party-row"),
      function (row) { return !row.hidden; });
    var current = document.activeElement && document.activeElement.closest(".party-row");
    var start = current ? rows.indexOf(current) + 1 : 0;
    for (var i = start; i < rows.length; i++) {
      var name = rows[i].querySelector('input[name$="-name"]');
      if (name && name.value === "") { name.focus(); return; }
    }
    var add = document.getElementById("add-party");  // HTMX focuses the new row's name
    if (add && !add.disabled) { add.click(); }
  };
  document.addEventListener("keydown", function (event) {
    if (event.isComposing || event.keyCode === 229) { return; }  // an input method's Enter
    var target = event.target;
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyN") {
      event.preventDefault();
      nextParty();
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form.contains(target)) {
      event.preventDefault();
      form.requestSubmit(submit);
    } else if (event.key === "Enter" && !event.altKey && !event.shiftKey && form.contains(target) &&
               (target.tagName === "SELECT" ||
                (target.tagName === "INPUT" && !/^(submit|button|reset|file)$/.test(target.type)))) {
      event.preventDefault();
      moveOn(target);
    }
  });
})();
