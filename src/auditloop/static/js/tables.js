// Wide tables scroll on their own, so the page never scrolls sideways on a small screen
// (WCAG 2.2 reflow lets a data table scroll in two directions; the page must not).
// Each table goes in a region that keyboard users can focus and scroll, named by the
// table's caption, but only while it is wider than the screen.

function nameOf(table) {
  // The table's caption, or the heading that names it (aria-labelledby).
  const caption = table.querySelector("caption");
  const labelledBy = (table.getAttribute("aria-labelledby") || "").split(/\s+/)
    .map((ref) => document.getElementById(ref)).filter(Boolean)
    .map((el) => el.textContent).join(" ");
  const text = (caption ? caption.textContent : labelledBy).trim().replace(/\s+/g, " ");
  return text ? `${text} (scrolls sideways)` : "Table (scrolls sideways)";
}

function fit(wrapper) {
  const wide = wrapper.scrollWidth > wrapper.clientWidth + 1;
  if (wide) {
    wrapper.setAttribute("tabindex", "0");
    wrapper.setAttribute("role", "region");
    wrapper.setAttribute("aria-label", nameOf(wrapper.firstElementChild));
  } else {
    wrapper.removeAttribute("tabindex");
    wrapper.removeAttribute("role");
    wrapper.removeAttribute("aria-label");
  }
}

function wrapTables(root) {
  root.querySelectorAll("table.govuk-table").forEach((table) => {
    const parent = table.parentElement;
    if (parent && parent.classList.contains("app-table-scroll")) return;
    // A table the page already wraps (.app-table-wrap, which scrolls without JavaScript)
    // uses that wrapper as its region.
    if (parent && parent.classList.contains("app-table-wrap") && parent.children.length === 1) {
      parent.classList.add("app-table-scroll");
      return;
    }
    const wrapper = document.createElement("div");
    wrapper.className = "app-table-scroll";
    table.before(wrapper);
    wrapper.append(table);
  });
  document.querySelectorAll(".app-table-scroll").forEach(fit);
}

export function initTables() {
  wrapTables(document);
  let pending = 0;
  window.addEventListener("resize", () => {
    window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(() => document.querySelectorAll(".app-table-scroll").forEach(fit));
  });
  // Pages that swap in parts with HTMX get the same treatment for the new part.
  document.body.addEventListener("htmx:afterSwap", (event) => wrapTables(event.target));
}
