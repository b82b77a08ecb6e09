// Small page behaviours without inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLElement && el.dataset.autosubmit !== undefined && el.form) el.form.requestSubmit();
});

// A form with data-confirm asks before it submits (revoking a role and other changes that are hard to undo).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// A long <select data-searchable> (organisation pickers) gets a box above it: typing hides the options
// whose text does not contain what was typed (the chosen one stays) and picks the first that does.
function makeSearchable(select) {
  if (select.dataset.searchReady) return;
  select.dataset.searchReady = "1";
  const box = document.createElement("input");
  box.type = "search";
  box.className = "form-control form-control-sm mb-1";
  box.placeholder = select.dataset.searchLabel || "";
  box.setAttribute("aria-label", select.dataset.searchLabel || "");
  box.setAttribute("data-testid", "org-search");
  select.before(box);
  box.addEventListener("input", () => {
    const words = box.value.trim().toLowerCase();
    let first = null;
    for (const option of select.options) {
      const match = !words || !option.value || option.text.toLowerCase().includes(words);
      option.hidden = !match && !option.selected;
      if (match && option.value && !first) first = option;
    }
    // Pick the first match unless the chosen one still matches (never on a list that submits itself).
    const current = select.selectedOptions[0];
    const keeps = current && current.value && current.text.toLowerCase().includes(words);
    if (words && first && !keeps && select.dataset.autosubmit === undefined) {
      select.value = first.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
}
function searchables(root) {
  root.querySelectorAll("select[data-searchable]").forEach(makeSearchable);
}
document.addEventListener("DOMContentLoaded", () => searchables(document));
document.addEventListener("htmx:afterSettle", (event) => searchables(event.target));
