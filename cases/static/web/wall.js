// The wall screen (/wall/): a button that puts the page in full screen where the browser allows
// it. The board is replaced every minute (HTMX), so the click is caught on the document.
(function () {
  "use strict";
  function showButtons() {
    if (!document.fullscreenEnabled) return;
    document.querySelectorAll("[data-fullscreen]").forEach(function (button) {
      button.hidden = Boolean(document.fullscreenElement);
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fullscreen]");
    if (button && !document.fullscreenElement) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  });
  document.addEventListener("fullscreenchange", showButtons);
  document.addEventListener("htmx:afterSwap", showButtons);
  document.addEventListener("DOMContentLoaded", showButtons);
})();
