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

// Feedback where the eye is. After a page load or an htmx swap, the form's error summary
// ([data-error-summary]) or the answer to the action ([data-feedback], placed in the card where the
// person acted) is scrolled to the middle of the screen and takes the focus, so that both the eye and
// a screen reader land on it. A link of the summary moves the focus into the field it names.
function showFeedback(root) {
  const pick = (selector) => (root instanceof Element && root.matches(selector) ? root : root.querySelector(selector));
  const target = pick("[data-error-summary]") || pick("[data-feedback]");
  if (!target) return;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
  // A tall answer (a whole result card) from its top, a short one in the middle of the screen.
  const tall = target.getBoundingClientRect().height > window.innerHeight * 0.6;
  target.scrollIntoView({ block: tall ? "start" : "center" });
}
document.addEventListener("DOMContentLoaded", () => showFeedback(document));
document.addEventListener("htmx:afterSettle", (event) => {
  // The swapped-in content (htmx fires the event on it): only its own feedback, never an old one.
  if (event.target instanceof Element && event.target.isConnected) showFeedback(event.target);
});
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("[data-error-summary] a[href^='#']") : null;
  if (!link) return;
  const block = document.getElementById(link.getAttribute("href").slice(1));
  const field = block && block.querySelector("input:not([type=hidden]), select, textarea");
  if (!field) return;
  event.preventDefault();
  field.focus({ preventScroll: true });
  block.scrollIntoView({ block: "center" });
});
