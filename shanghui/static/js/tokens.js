// The "API 令牌" page: copy a newly created token (shown once) to the clipboard.
document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy-target]") : null;
  if (!(button instanceof HTMLButtonElement)) return;
  const input = document.getElementById(button.dataset.copyTarget || "");
  if (!(input instanceof HTMLInputElement)) return;
  let copied = false;
  try {
    await navigator.clipboard.writeText(input.value);
    copied = true;
  } catch {
    // No clipboard API (plain http on an intranet address): select the text and use the old command.
    input.select();
    copied = document.execCommand("copy");
  }
  if (copied) {
    const label = button.textContent;
    button.textContent = button.dataset.copiedText || "已复制";
    button.dataset.copied = "1";
    window.setTimeout(() => {
      button.textContent = label;
    }, 2000);
  } else {
    input.select();
  }
});
