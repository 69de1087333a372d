// The print bar above a printable document. Without JavaScript the browser's own Print command
// does the same, so the button is shown only when it works.
(function () {
  "use strict";
  var button = document.getElementById("print-now");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
