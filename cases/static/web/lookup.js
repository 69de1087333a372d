// Type-ahead for the filters' centre and mediator fields (issue 21): a city has thousands of each,
// too many for a select. Each <input data-lookup="/lookup/…/"> (it holds the chosen id) is hidden
// behind a combobox (WAI-ARIA 1.2: role="combobox" with a role="listbox" popup) that asks the
// lookup as the user types and, on a choice, puts the id in the hidden field and fires its
// "change" (the list's form posts on it, as it did on a select). Without this script the field
// stays a text box taking an id or a centre's code.
(() => {
  const DELAY = 200; // ms after the last key before asking
  let serial = 0;

  function enhance(field) {
    if (field.dataset.lookupReady) return;
    field.dataset.lookupReady = "1";
    const id = `lookup-${++serial}`;
    const box = document.createElement("input");
    box.type = "text";
    box.id = field.id;
    field.id = `${field.id}_value`;
    box.value = field.value ? field.dataset.label || field.value : "";
    box.placeholder = field.placeholder;
    box.autocomplete = "off";
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", `${id}-list`);
    const hint = document.getElementById(`${box.id}_hint`);
    if (hint) box.setAttribute("aria-describedby", hint.id);
    if (field.getAttribute("aria-invalid")) box.setAttribute("aria-invalid", "true");
    const list = document.createElement("ul");
    list.id = `${id}-list`;
    list.className = "lookup-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    field.type = "hidden";
    field.after(box, list);
    for (const chosen of box.parentElement.querySelectorAll("[data-lookup-chosen]")) chosen.hidden = true;

    let timer = 0;
    let active = -1;
    let asked = "";

    const options = () => [...list.querySelectorAll('[role="option"]')];
    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      const all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
      box.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }
    function choose(option) {
      field.value = option.dataset.value;
      field.dataset.label = option.dataset.label;
      box.value = option.dataset.label;
      close();
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function show(results) {
      list.replaceChildren(
        ...results.map((result, i) => {
          const option = document.createElement("li");
          option.id = `${id}-option-${i}`;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.dataset.value = String(result.id);
          option.dataset.label = result.label;
          option.textContent = result.detail ? `${result.label} · ${result.detail}` : result.label;
          option.addEventListener("mousedown", (event) => {
            event.preventDefault(); // keep the focus in the box
            choose(option);
          });
          return option;
        }),
      );
      list.hidden = !results.length;
      box.setAttribute("aria-expanded", String(!list.hidden));
      active = -1;
    }
    async function ask(text) {
      asked = text;
      const response = await fetch(`${field.dataset.lookup}?${new URLSearchParams({ q: text })}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok || asked !== text) return;
      show((await response.json()).results);
    }

    // The box's own events are not the form's: only the hidden field's change posts it.
    box.addEventListener("change", (event) => event.stopPropagation());
    box.addEventListener("input", (event) => {
      event.stopPropagation();
      clearTimeout(timer);
      const text = box.value.trim();
      if (!text) {
        close();
        if (field.value) {
          field.value = "";
          field.dispatchEvent(new Event("change", { bubbles: true }));
        }
        return;
      }
      timer = setTimeout(() => ask(text), DELAY);
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden && box.value.trim()) ask(box.value.trim());
        else highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && !list.hidden) {
        event.preventDefault();
        const all = options();
        if (all.length) choose(all[Math.max(active, 0)]);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    box.addEventListener("blur", () => {
      close();
      // A text typed and not chosen: the box shows what the field holds.
      if (box.value.trim() && field.value) box.value = field.dataset.label || field.value;
    });
  }

  function enhanceAll(root) {
    for (const field of root.querySelectorAll("input[data-lookup]")) enhance(field);
  }
  document.addEventListener("DOMContentLoaded", () => enhanceAll(document));
  // The form comes back whole when a filter is refused (HTMX swaps it in).
  document.addEventListener("htmx:load", (event) => enhanceAll(event.target));
})();
