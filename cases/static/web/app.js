// Small behaviours of the mediator UI; everything else is HTMX attributes in the templates.
document.addEventListener("htmx:responseError", function (event) {
  // A 400 carries the form re-rendered with its errors: show it rather than nothing.
  var xhr = event.detail.xhr;
  if (xhr.status === 400 || xhr.status === 409 || xhr.status === 412) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 400 || status === 409 || status === 412) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// The phone's menu (<= 600 px, app.css): a button folds the navigation away and opens it again.
// Without this script the button stays hidden and the menu stays open.
(function () {
  function setUp() {
    var toggle = document.querySelector("header.site .menu-toggle");
    if (!toggle) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      toggle.setAttribute("aria-expanded", String(toggle.getAttribute("aria-expanded") !== "true"));
    });
    document.addEventListener("keydown", function (event) {
      // Escape closes the open menu and gives the focus back to its button.
      var menu = document.getElementById(toggle.getAttribute("aria-controls"));
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true" &&
          menu && menu.contains(document.activeElement)) {
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
