// Citizen search box: htmx fetches the suggestions (see templates/catalog/public/search.html); this
// file adds what a combobox needs: arrow keys move through the suggestions, Escape closes them, and
// they close when the box is emptied or the user taps elsewhere. No inline scripts (CSP).
(() => {
  const input = document.querySelector("[data-search-input]");
  const box = document.getElementById("suggestions");
  if (!input || !box) return;

  const options = () => Array.from(box.querySelectorAll("[role=option]"));
  const setOpen = (open) => input.setAttribute("aria-expanded", open ? "true" : "false");
  const close = () => {
    box.replaceChildren();
    setOpen(false);
  };

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.target !== box) return;
    // A late answer for text that has since been cleared must not reopen the list.
    if (!input.value.trim()) close();
    else setOpen(box.children.length > 0);
  });

  input.addEventListener("input", () => {
    if (!input.value.trim()) close();
  });

  const move = (from, step) => {
    const list = options();
    if (!list.length) return;
    const index = list.indexOf(from);
    const next = index === -1 ? (step > 0 ? 0 : list.length - 1) : index + step;
    if (next < 0) input.focus();
    else list[Math.min(next, list.length - 1)].focus();
  };

  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      move(null, 1);
    } else if (event.key === "Escape") {
      close();
    }
  });

  box.addEventListener("keydown", (event) => {
    const current = event.target instanceof HTMLElement ? event.target.closest("[role=option]") : null;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(current, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Escape") {
      close();
      input.focus();
    }
  });

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (target instanceof Node && !box.contains(target) && target !== input) close();
  });
})();
