// Starts GOV.UK Frontend's components and the idle-session warning.
import { initAll } from "../vendor/govuk-frontend.min.js";
import { initTables } from "./tables.js";

initAll();
initTables();

function sessionWarning() {
  const box = document.getElementById("session-warning");
  if (!box) return;
  const timeout = Number(box.dataset.timeout) * 1000;
  const warning = Number(box.dataset.warning) * 1000;
  const countdown = box.querySelector("[data-countdown]");
  const stay = box.querySelector("[data-stay-signed-in]");
  // Every tab of the service shares one server session, so they share the idle clock too.
  const shared = "auditloop:last-activity";
  // The server restarts its clock at most once a minute, not at every request: each of its
  // answers says how many seconds ago it last did (the page in data-idle-seconds, other
  // answers in this header), and the countdown runs from then.
  const idleHeader = "X-Session-Idle-Seconds";
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
  function touched(idleSeconds) {
    const seconds = Number(idleSeconds);
    // No figure (an answer that is not the service's): count from now, as before.
    lastActivity = Date.now() - (idleSeconds != null && seconds > 0 ? seconds * 1000 : 0);
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
      touched(response.headers.get(idleHeader));
    } catch (e) {
      // Offline for now: keep counting down; the next press may get through.
    }
  });
  // Any server round trip (a page, an HTMX save) tells how old the server's idle clock is.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const detail = event.detail || {};
    touched(detail.xhr ? detail.xhr.getResponseHeader(idleHeader) : detail.idleSeconds);
  });
  touched(box.dataset.idleSeconds);
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

// ---------------------------------------------------------------------------------------
// Long staff lists: the GOV.UK accessible autocomplete.
// A <select data-module="app-autocomplete"> stays in the page and is what the form posts;
// with JavaScript, a long one gets a text box that suggests names as they are typed.
// A short list stays a drop-down: it is quicker to scan than to type.
const AUTOCOMPLETE_FROM = 20;

function chosenOption(select, text) {
  const wanted = (text || "").trim().toLowerCase();
  if (!wanted) return null;
  return Array.from(select.options).find(
    (o) => o.value && o.textContent.trim().toLowerCase() === wanted) || null;
}

function describedText(select) {
  // The field's hint and error message, read out with the autocomplete's own instructions
  // (the component keeps its input's aria-describedby for those).
  return (select.getAttribute("aria-describedby") || "").split(/\s+/)
    .map((ref) => document.getElementById(ref))
    .filter(Boolean)
    .map((el) => el.textContent.trim())
    .join(" ");
}

function enhanceStaffSelect(accessibleAutocomplete, select) {
  const id = select.id;
  const blank = Array.from(select.options).find((o) => !o.value);
  const described = describedText(select);
  accessibleAutocomplete.enhanceSelectElement({
    selectElement: select,
    defaultValue: "",
    minLength: 1,
    inputClasses: select.classList.contains("govuk-select--error") ? "govuk-input--error" : null,
    tNoResults: () => "No one found with that name",
    tAssistiveHint: () => `${described ? `${described} ` : ""}Type part of a name. When ` +
      "names are suggested, use the up and down arrows to move through them and Enter to choose.",
    // What the box shows is what the form posts: a name typed in full counts, and a box
    // left empty (or holding a name not in the list) clears the choice, so the form says
    // "Choose..." rather than keeping a person the user can no longer see.
    onConfirm: (label) => {
      const input = document.getElementById(id);
      const option = chosenOption(select, label) || chosenOption(select, input && input.value);
      if (option) option.selected = true;
      else if (blank) blank.selected = true;
    },
  });
}

async function staffAutocompletes() {
  const selects = Array.from(document.querySelectorAll('select[data-module="app-autocomplete"]'))
    .filter((s) => s.options.length > AUTOCOMPLETE_FROM);
  if (!selects.length) return;
  // A UMD bundle: as a module it sets self.accessibleAutocomplete.
  await import("../vendor/accessible-autocomplete.min.js");
  const accessibleAutocomplete = window.accessibleAutocomplete;
  if (!accessibleAutocomplete) return;
  selects.forEach((select) => enhanceStaffSelect(accessibleAutocomplete, select));
}

staffAutocompletes();
