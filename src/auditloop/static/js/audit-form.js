// The audit page: saves each answer as the auditor types, keeps unsaved answers on this
// device while the connection is down (and puts them back after a reload), and shows a
// clash with another auditor's answer so the auditor chooses: never a silent overwrite.
// Without this script the page still works: "Save and continue" saves every answer.

const TYPING_DELAY = 800;
const RETRY_FIRST = 3000;
const RETRY_MOST = 30000;
const OFFLINE =
  "Not saved: you seem to be offline. Your answers are kept on this page and will be saved " +
  "when the connection is back.";
const SIGNED_OUT =
  "Not saved: you have been signed out. Your answers are kept on this device: sign in again " +
  "in a new tab, then come back to this page.";
const FAILED = "Not saved: something went wrong. We will try again in a moment.";

function initAuditForm(form) {
  const url = form.dataset.saveUrl;
  const audit = form.dataset.audit;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const connection = form.querySelector("[data-connection-status]");
  const states = new Map();
  const waiting = new Set(); // fields to save again once the connection is back
  let retryTimer = null;
  let retryDelay = RETRY_FIRST;
  let submitting = false;

  const storageKey = (id) => `auditloop:audit:${audit}:${id}`;

  function store(state, record) {
    try {
      window.localStorage.setItem(storageKey(state.id), JSON.stringify(record));
    } catch (e) {
      // Private browsing or a full store: the answers are still on the page.
    }
  }
  function stored(state) {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey(state.id)) || "null");
    } catch (e) {
      return null;
    }
  }
  function forget(state) {
    try {
      window.localStorage.removeItem(storageKey(state.id));
    } catch (e) {
      // Nothing kept.
    }
  }

  function inputsOf(state) {
    return Array.from(state.wrapper.querySelectorAll("input, textarea, select")).filter(
      (el) => el.name && el.type !== "hidden" && !el.closest("[data-conflict]"),
    );
  }
  function valuesOf(state) {
    const pairs = [];
    for (const el of inputsOf(state)) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      pairs.push([el.name, el.value]);
    }
    return pairs;
  }
  function setValues(state, pairs) {
    for (const el of inputsOf(state)) {
      const mine = pairs.filter(([name]) => name === el.name).map(([, value]) => value);
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = mine.includes(el.value);
      } else {
        el.value = mine.length ? mine[0] : "";
      }
    }
  }
  function setStatus(state, text) {
    state.status.textContent = text;
  }

  function schedule(state, delay) {
    window.clearTimeout(state.timer);
    state.dirty = true;
    store(state, { pairs: valuesOf(state), revision: state.revision.value, was: state.was.value });
    state.timer = window.setTimeout(() => save(state), delay);
  }

  function waitForConnection(state) {
    waiting.add(state);
    if (connection) connection.textContent = OFFLINE;
    if (retryTimer) return;
    retryTimer = window.setTimeout(retryAll, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MOST);
  }
  function retryAll() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    const again = Array.from(waiting);
    waiting.clear();
    for (const state of again) save(state);
  }

  async function save(state) {
    window.clearTimeout(state.timer);
    if (state.busy) {
      state.again = true;
      return;
    }
    state.busy = true;
    state.again = false;
    const pairs = valuesOf(state);
    store(state, { pairs, revision: state.revision.value, was: state.was.value });
    setStatus(state, "Saving…");
    const body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("field", state.id);
    body.append(`${state.id}-revision`, state.revision.value);
    body.append(`${state.id}-was`, state.was.value);
    if (state.overwrite) body.append("overwrite", "1");
    for (const [name, value] of pairs) body.append(name, value);
    let response;
    let data = null;
    try {
      response = await fetch(url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const type = response.headers.get("content-type") || "";
      data = type.includes("application/json") ? await response.json() : null;
    } catch (e) {
      state.busy = false;
      setStatus(state, OFFLINE);
      waitForConnection(state);
      return;
    }
    state.busy = false;
    // Any answer from the server says how old its idle clock is (js/app.js listens for this).
    document.body.dispatchEvent(new CustomEvent("htmx:afterRequest", {
      detail: { idleSeconds: response.headers.get("X-Session-Idle-Seconds") },
    }));
    if (data === null) {
      // A signed-out session answers with the sign-in page, not JSON.
      setStatus(state, response.redirected || response.status === 403 ? SIGNED_OUT : FAILED);
      if (!(response.redirected || response.status === 403)) waitForConnection(state);
      return;
    }
    retryDelay = RETRY_FIRST;
    if (connection && !waiting.size) connection.textContent = "";
    if (data.status === "saved") {
      state.revision.value = data.revision === null ? "" : String(data.revision);
      state.was.value = data.was;
      state.overwrite = false;
      clearConflict(state);
      if (state.again) {
        save(state);
        return;
      }
      state.dirty = false;
      forget(state);
      setStatus(state, "Saved");
      if ("reason_needed" in data) showReasonNeeded(data.reason_needed);
    } else if (data.status === "conflict") {
      showConflict(state, data);
    } else {
      setStatus(state, data.message || FAILED);
      if (response.status >= 500) waitForConnection(state);
    }
  }

  function describeMine(state) {
    const parts = [];
    for (const el of inputsOf(state)) {
      if (el.name.endsWith("-comment")) continue;
      if (el.type === "radio" || el.type === "checkbox") {
        if (!el.checked) continue;
        const label = state.wrapper.querySelector(`label[for="${CSS.escape(el.id)}"]`);
        parts.push(label ? label.textContent.trim() : el.value);
      } else if (el.value.trim()) {
        parts.push(el.value.trim());
      }
    }
    const isDate = state.wrapper.querySelector(".govuk-date-input") !== null;
    return parts.join(isDate ? "/" : ", ") || "Not answered";
  }

  function clearConflict(state) {
    for (const box of state.wrapper.querySelectorAll("[data-conflict]")) box.remove();
  }

  function showConflict(state, data) {
    clearConflict(state);
    const theirs = data.theirs;
    const box = document.createElement("div");
    box.className = "govuk-inset-text";
    box.dataset.conflict = "";
    const heading = document.createElement("h3");
    heading.className = "govuk-heading-s govuk-!-margin-bottom-1";
    heading.textContent = `${theirs.by} saved a different answer while you were working (${theirs.at})`;
    const answer = document.createElement("p");
    answer.className = "govuk-body-s govuk-!-margin-bottom-1";
    answer.append("Their answer: ");
    const strong = document.createElement("strong");
    strong.textContent = theirs.display;
    answer.append(strong);
    if (theirs.comment) answer.append(`. Their comment: ${theirs.comment}`);
    const yours = document.createElement("p");
    yours.className = "govuk-body-s";
    yours.append("Your answer, not saved yet: ");
    const mine = document.createElement("strong");
    mine.textContent = describeMine(state);
    yours.append(mine);
    const myComment = state.wrapper.querySelector("textarea[name$='-comment']");
    if (myComment && myComment.value.trim()) yours.append(`. Your comment: ${myComment.value.trim()}`);
    yours.append(". Choose which to keep.");
    const group = document.createElement("div");
    group.className = "govuk-button-group govuk-!-margin-bottom-0";
    const keep = document.createElement("button");
    keep.type = "button";
    keep.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-0";
    keep.textContent = "Keep mine";
    const use = document.createElement("button");
    use.type = "button";
    use.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-0";
    use.textContent = "Use theirs";
    group.append(keep, use);
    box.append(heading, answer, yours, group);
    state.wrapper.insertBefore(box, state.wrapper.querySelector(".govuk-form-group"));
    setStatus(state, "Not saved: another auditor saved a different answer. Choose which to keep.");
    keep.addEventListener("click", () => {
      state.revision.value = String(data.revision);
      state.was.value = data.was;
      state.overwrite = true;
      clearConflict(state);
      save(state);
    });
    use.addEventListener("click", () => {
      setValues(state, theirs.inputs);
      state.revision.value = String(data.revision);
      state.was.value = data.was;
      state.overwrite = false;
      state.dirty = false;
      clearConflict(state);
      forget(state);
      updateConditions();
      setStatus(state, "Their answer is on the page");
    });
  }

  function showReasonNeeded(text) {
    const box = form.querySelector("[data-reason-needed-box]");
    if (!box) return;
    box.hidden = !text;
    const words = box.querySelector("[data-reason-needed]");
    if (words) words.textContent = text;
  }

  // A question asked only for some answers of another (002: the reason for declining).
  function updateConditions() {
    for (const wrapper of form.querySelectorAll("[data-applies-answer]")) {
      const name = wrapper.dataset.appliesAnswer;
      const wanted = wrapper.dataset.appliesIn.split(" ");
      const controls = Array.from(form.querySelectorAll("input")).filter((el) => el.name === name);
      if (!controls.length) continue; // asked on another page: the server decided
      const chosen = controls.filter((el) => el.checked).map((el) => el.value);
      wrapper.hidden = !chosen.some((value) => wanted.includes(value));
    }
  }

  for (const wrapper of form.querySelectorAll("[data-field]")) {
    const state = {
      id: wrapper.dataset.field,
      wrapper,
      revision: wrapper.querySelector("[data-revision]"),
      was: wrapper.querySelector("[data-was]"),
      status: wrapper.querySelector("[data-save-status]"),
      timer: null,
      busy: false,
      again: false,
      dirty: false,
      overwrite: false,
    };
    states.set(state.id, state);
    wrapper.addEventListener("input", (event) => {
      const el = event.target;
      if (el.type === "radio" || el.type === "checkbox") return; // "change" saves these
      schedule(state, TYPING_DELAY);
    });
    wrapper.addEventListener("change", (event) => {
      const el = event.target;
      if (el.closest("[data-conflict]")) return;
      updateConditions();
      schedule(state, 0);
    });
  }

  // Answers typed on this device that never reached the server come back, and are saved
  // against the revision they were typed on: if a partner saved since, that is a conflict.
  let restored = false;
  for (const state of states.values()) {
    const record = stored(state);
    if (!record) continue;
    const now = JSON.stringify(valuesOf(state));
    if (JSON.stringify(record.pairs) === now && record.revision === state.revision.value) {
      forget(state);
      continue;
    }
    setValues(state, record.pairs);
    state.revision.value = record.revision;
    state.was.value = record.was;
    restored = true;
    save(state);
  }
  if (restored) {
    const banner = form.querySelector("[data-restored-banner]");
    if (banner) banner.hidden = false;
  }
  updateConditions();

  window.addEventListener("online", retryAll);
  form.addEventListener("submit", (event) => {
    if (!navigator.onLine) {
      event.preventDefault();
      if (connection) connection.textContent = OFFLINE;
      return;
    }
    // The page's own save carries every answer; the copies on this device are not needed.
    submitting = true;
    for (const state of states.values()) {
      window.clearTimeout(state.timer);
      forget(state);
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (submitting) return;
    if (Array.from(states.values()).some((state) => state.dirty)) event.preventDefault();
  });
}

for (const form of document.querySelectorAll("form[data-autosave]")) initAuditForm(form);
