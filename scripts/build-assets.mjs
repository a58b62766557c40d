// Builds the static assets from the pinned npm packages into src/auditloop/static/vendor.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src/auditloop/static/vendor");
mkdirSync(out, { recursive: true });

const css = sass.compile(join(root, "src/auditloop/static/src/auditloop.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin"],
});
// The accessible autocomplete's own styles go in the one stylesheet every page loads, so a
// page with a long staff list needs no extra <link>.
const aa = join(root, "node_modules/accessible-autocomplete/dist");
const aaCss = readFileSync(join(aa, "accessible-autocomplete.min.css"), "utf-8")
  .replace(/\/\*# sourceMappingURL=.*?\*\//g, "");
const aaFont = sass.compile(join(root, "src/auditloop/static/src/autocomplete.scss"),
  { style: "compressed" });
writeFileSync(join(out, "auditloop.css"), `${css.css}\n${aaCss}\n${aaFont.css}\n`);

const gf = join(root, "node_modules/govuk-frontend/dist/govuk");
cpSync(join(gf, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(root, "node_modules/htmx.org/dist/htmx.min.js"), join(out, "htmx.min.js"));
// A UMD bundle: imported by app.js as a module, it sets self.accessibleAutocomplete.
cpSync(join(aa, "accessible-autocomplete.min.js"), join(out, "accessible-autocomplete.min.js"));
console.log("assets built in", out);
