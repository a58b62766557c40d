// Starts GOV.UK Frontend's components and the idle-session warning.
import { initAll } from "../vendor/govuk-frontend.min.js";

initAll();

function sessionWarning() {
  const box = document.getElementById("session-warning");
  if (!box) return;
  const timeout = Number(box.dataset.timeout) * 1000;
  const warning = Number(box.dataset.warning) * 1000;
  const countdown = box.querySelector("[data-countdown]");
  let lastActivity = Date.now();
  let focusBefore = null;

  function remaining() { return timeout - (Date.now() - lastActivity); }
  function describe(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    return s >= 60 ? `${Math.ceil(s / 60)} minute${Math.ceil(s / 60) === 1 ? "" : "s"}` : `${s} seconds`;
  }
  function reset() {
    lastActivity = Date.now();
    if (!box.hidden) {
      box.hidden = true;
      if (focusBefore) focusBefore.focus();
    }
  }
  box.querySelector("[data-stay-signed-in]").addEventListener("click", async () => {
    const token = document.cookie.match(/csrftoken=([^;]+)/);
    const form = document.querySelector("input[name=csrfmiddlewaretoken]");
    await fetch(box.dataset.keepAlive, {
      method: "POST",
      headers: { "X-CSRFToken": form ? form.value : token ? token[1] : "" },
      credentials: "same-origin",
    });
    reset();
  });
  // Any server round trip (a page, an HTMX save) restarts the server's idle timer.
  document.body.addEventListener("htmx:afterRequest", reset);
  setInterval(() => {
    const left = remaining();
    if (left <= 0) {
      window.location.href = box.dataset.signIn + "?next=" + encodeURIComponent(window.location.pathname);
    } else if (left <= warning) {
      if (box.hidden) {
        focusBefore = document.activeElement;
        box.hidden = false;
        box.querySelector("[data-stay-signed-in]").focus();
      }
      countdown.textContent = describe(left);
    }
  }, 1000);
}

sessionWarning();
