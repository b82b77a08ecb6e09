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
