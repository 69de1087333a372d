// Keyboard shortcuts on every page (docs/web.md, "Keyboard shortcuts"). The list in the "?" dialog
// (web/partials/shortcuts.html, rendered and translated by the server) is their definition: each
// row names its keys (data-keys, one after the other) and what they do (data-href: go there;
// data-focus: focus that element, if the page has it; data-open: open that dialog). No shortcut
// fires while the user types in a field or holds Ctrl, Alt or Meta (the intake's own keys use
// those), so none clashes with typing or with a page's keys.
(function () {
  "use strict";
  var dialog = document.getElementById("shortcuts");
  if (!dialog) { return; }  // not logged in: no shortcuts
  var rows = Array.prototype.filter.call(dialog.querySelectorAll("tr[data-keys]"), function (row) {
    var target = row.getAttribute("data-focus");
    if (target && !document.getElementById(target)) {
      row.hidden = true;  // nothing to focus on this page: the shortcut is not offered
      return false;
    }
    return true;
  });
  var opener = null;
  var open = function () {
    if (dialog.open) { return; }
    opener = document.activeElement;
    dialog.showModal();
  };
  // Esc closes a modal dialog by itself; the focus goes back where it was before.
  dialog.addEventListener("close", function () {
    if (opener && typeof opener.focus === "function" && document.contains(opener)) {
      opener.focus();
    }
    opener = null;
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-shortcuts-open]"), function (button) {
    button.addEventListener("click", open);
  });
  var run = function (row) {
    var href = row.getAttribute("data-href");
    var focus = row.getAttribute("data-focus");
    if (href) { window.location.assign(href); }
    else if (focus) { document.getElementById(focus).focus(); }
    else if (row.getAttribute("data-open")) { open(); }
  };
  var typing = function (element) {
    if (!element || element === document.body) { return false; }
    if (element.isContentEditable) { return true; }
    if (/^(TEXTAREA|SELECT)$/.test(element.tagName)) { return true; }
    if (element.tagName !== "INPUT") { return false; }
    return !/^(button|submit|reset|checkbox|radio|file|image|range|color)$/.test(element.type);
  };
  var pressed = "";  // the keys pressed so far of a sequence ("g" before "g c")
  var timer = null;
  var reset = function () { pressed = ""; if (timer) { clearTimeout(timer); timer = null; } };
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.keyCode === 229) { return; }
    if (event.ctrlKey || event.altKey || event.metaKey) { reset(); return; }
    if (dialog.open || typing(event.target)) { reset(); return; }
    if (event.key.length !== 1) { return; }  // Shift, arrows, Tab...: not part of a shortcut
    var keys = pressed ? pressed + " " + event.key : event.key;
    var whole = rows.filter(function (row) { return row.getAttribute("data-keys") === keys; })[0];
    if (whole) {
      event.preventDefault();
      reset();
      run(whole);
      return;
    }
    var begun = rows.some(function (row) { return row.getAttribute("data-keys").indexOf(keys + " ") === 0; });
    reset();
    if (begun) {
      event.preventDefault();
      pressed = keys;
      timer = setTimeout(reset, 1500);  // a "g" alone is forgotten after a moment
    }
  });
})();
