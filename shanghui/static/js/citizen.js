// The citizen's pages (/my/). No inline scripts: the Content-Security-Policy forbids them.

// The case page answers a refused action with the fresh case body and the reason: 409 (someone
// changed the case first) or 422 (bad upload, missing materials). htmx swaps only 2xx by default.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status === 409 || status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// "重新获取验证码" waits out the provider's one-minute limit with a visible countdown.
function startCountdown(button) {
  let left = parseInt(button.dataset.countdown || "0", 10);
  if (!(left > 0)) return;
  const label = button.textContent;
  button.disabled = true;
  const tick = () => {
    if (left <= 0) {
      button.disabled = false;
      button.textContent = label;
      return;
    }
    // The words come from the page (data-countdown-format), in the reader's language.
    const format = button.dataset.countdownFormat || "{label}（{seconds}秒）";
    button.textContent = format.replace("{label}", label).replace("{seconds}", String(left));
    left -= 1;
    window.setTimeout(tick, 1000);
  };
  tick();
}

// A form marked data-once disables its submit button once sent (a double tap sends one request;
// the server also recognises a repeat by the form's idempotency key).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.dataset.once === undefined || event.defaultPrevented) return;
  window.setTimeout(() => {
    form.querySelectorAll("button[type=submit]").forEach((button) => {
      button.disabled = true;
    });
  }, 0);
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-countdown]").forEach(startCountdown);
  // The code step, shown in answer to a POST: a reload asks for the page again with GET (the server
  // shows the same step from the session, with what is left of the wait) instead of sending the
  // number again. The code field takes the focus.
  const codeStep = document.querySelector("form[data-code-step]");
  if (codeStep) {
    window.history.replaceState(null, "", window.location.href);
    const field = codeStep.querySelector("input[name=code]");
    if (field && !field.value) field.focus();
  }
});
