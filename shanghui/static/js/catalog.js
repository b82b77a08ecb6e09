// Catalogue staff pages: the materials formset (add and remove rows) and the proxy point item picker.
// No inline scripts: the Content-Security-Policy forbids them.

(() => {
  // --- formset rows -------------------------------------------------------------------------------
  function totalForms(prefix) {
    return document.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  }

  function refreshEmpty(prefix) {
    const rows = document.querySelector(`[data-formset-rows="${prefix}"]`);
    const empty = document.querySelector(`[data-formset-empty="${prefix}"]`);
    if (!rows || !empty) return;
    const visible = rows.querySelectorAll("[data-formset-row]:not(.d-none)").length;
    empty.classList.toggle("d-none", visible > 0);
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const add = target?.closest("[data-formset-add]");
    if (add instanceof HTMLElement) {
      const prefix = add.dataset.formsetAdd;
      const total = totalForms(prefix);
      const template = document.getElementById(`${prefix}-template`);
      const rows = document.querySelector(`[data-formset-rows="${prefix}"]`);
      if (!total || !(template instanceof HTMLTemplateElement) || !rows) return;
      const index = Number(total.value);
      const html = template.innerHTML.replaceAll("__prefix__", String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const added = rows.lastElementChild;
      added?.querySelector("input[type=text]")?.focus();
      refreshEmpty(prefix);
      return;
    }
    const remove = target?.closest("[data-formset-remove]");
    if (remove) {
      const row = remove.closest("[data-formset-row]");
      if (!row) return;
      const del = row.querySelector('input[type=checkbox][name$="-DELETE"]');
      if (del instanceof HTMLInputElement) del.checked = true;
      row.classList.add("d-none");
      const container = row.closest("[data-formset-rows]");
      if (container instanceof HTMLElement) refreshEmpty(container.dataset.formsetRows);
    }
  });

  // --- proxy point item picker ---------------------------------------------------------------------
  function pickerCount(picker) {
    const count = picker.querySelector("[data-picker-count]");
    if (count) count.textContent = String(picker.querySelectorAll("input[name=items]:checked").length);
  }

  function applyFilter(picker) {
    const input = picker.querySelector("[data-picker-filter]");
    const words = (input instanceof HTMLInputElement ? input.value : "").trim().toLowerCase().split(/\s+/).filter(Boolean);
    picker.querySelectorAll("[data-picker-item]").forEach((item) => {
      const text = (item.getAttribute("data-text") || "").toLowerCase();
      item.classList.toggle("d-none", !words.every((w) => text.includes(w)));
    });
    picker.querySelectorAll("[data-picker-group]").forEach((group) => {
      group.classList.toggle("d-none", !group.querySelector("[data-picker-item]:not(.d-none)"));
    });
  }

  function syncMode(form) {
    const chosen = form.querySelector("input[name=offers][value=chosen]");
    const picker = form.querySelector("[data-picker]");
    if (chosen instanceof HTMLInputElement && picker instanceof HTMLElement) {
      picker.classList.toggle("d-none", !chosen.checked);
    }
  }

  document.addEventListener("input", (event) => {
    const target = event.target;
    if (target instanceof HTMLElement && target.matches("[data-picker-filter]")) {
      const picker = target.closest("[data-picker]");
      if (picker) applyFilter(picker);
    }
  });

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.name === "offers" && target.form) syncMode(target.form);
    if (target.name === "items") {
      const picker = target.closest("[data-picker]");
      if (picker) pickerCount(picker);
    }
  });

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const button = target?.closest("[data-picker-select]");
    if (!(button instanceof HTMLElement)) return;
    const picker = button.closest("[data-picker]");
    if (!picker) return;
    const checked = button.dataset.pickerSelect === "all";
    picker.querySelectorAll("[data-picker-item]:not(.d-none) input[name=items]").forEach((box) => {
      if (box instanceof HTMLInputElement) box.checked = checked;
    });
    pickerCount(picker);
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-offer-form]").forEach((form) => syncMode(form));
  });
})();
