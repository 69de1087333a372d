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
