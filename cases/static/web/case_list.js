// The case list's "select all on this page" box (issue 20): ticks or clears every row's box of the
// bulk form. Delegated from the document, so it keeps working when HTMX replaces the results.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.matches("[data-select-all]")) return;
  for (const row of document.querySelectorAll('input[name="case"][form="bulk-form"]')) {
    row.checked = box.checked;
  }
});
