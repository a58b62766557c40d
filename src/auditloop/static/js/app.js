// Starts GOV.UK Frontend's components and the idle-session warning.
import { initAll } from "../vendor/govuk-frontend.min.js";

initAll();

function sessionWarning() {
  const box = document.getElementById("session-warning");
  if (!box) return;
  const timeout = Number(box.dataset.timeout) * 1000;
  const warning = Number(box.dataset.warning) * 1000;
  const countdown = box.querySelector("[data-countdown]");
  const stay = box.querySelector("[data-stay-signed-in]");
  // Every tab of the service shares one server session, so they share the idle clock too.
  const shared = "auditloop:last-activity";
  let lastActivity = Date.now();
  let focusBefore = null;

  function latest() {
    let other = 0;
    try { other = Number(window.localStorage.getItem(shared)) || 0; } catch (e) { /* private mode */ }
    return Math.max(lastActivity, other);
  }
  function remaining() { return timeout - (Date.now() - latest()); }
  function describe(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    const m = Math.ceil(s / 60);
    return s >= 60 ? `${m} minute${m === 1 ? "" : "s"}` : `${s} second${s === 1 ? "" : "s"}`;
  }
  function hide() {
    if (box.hidden) return;
    box.hidden = true;
    if (focusBefore && document.body.contains(focusBefore)) focusBefore.focus();
    focusBefore = null;
  }
  function touched() {
    lastActivity = Date.now();
    try { window.localStorage.setItem(shared, String(lastActivity)); } catch (e) { /* private mode */ }
    hide();
  }
  function signedOut() {
    const url = new URL(box.dataset.signIn, window.location.origin);
    url.searchParams.set("next", window.location.pathname + window.location.search);
    url.searchParams.set("signed_out", "idle");
    window.location.assign(url.toString());
  }
  stay.addEventListener("click", async () => {
    const form = document.querySelector("input[name=csrfmiddlewaretoken]");
    try {
      const response = await fetch(box.dataset.keepAlive, {
        method: "POST",
        headers: { "X-CSRFToken": form ? form.value : "", "Accept": "application/json" },
        credentials: "same-origin",
      });
      // A signed-out session answers with the sign-in page, not the keep-alive's JSON.
      if (!response.ok || response.redirected) { signedOut(); return; }
      touched();
    } catch (e) {
      // Offline for now: keep counting down; the next press may get through.
    }
  });
  // Any server round trip (a page, an HTMX save) restarts the server's idle timer.
  document.body.addEventListener("htmx:afterRequest", touched);
  touched();
  setInterval(() => {
    const left = remaining();
    if (left <= 0) {
      signedOut();
    } else if (left <= warning) {
      countdown.textContent = describe(left);
      if (box.hidden) {
        focusBefore = document.activeElement;
        box.hidden = false;
        // An alert dialog takes focus to its action, so keyboard and screen reader users
        // hear the warning and can answer it at once. Nothing needs Escape.
        stay.focus();
      }
    } else {
      hide();
    }
  }, 1000);
}

sessionWarning();
