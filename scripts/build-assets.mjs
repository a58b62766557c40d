// Builds the static assets from the pinned npm packages into src/auditloop/static/vendor.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
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
writeFileSync(join(out, "auditloop.css"), css.css);

const gf = join(root, "node_modules/govuk-frontend/dist/govuk");
cpSync(join(gf, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(root, "node_modules/htmx.org/dist/htmx.min.js"), join(out, "htmx.min.js"));
console.log("assets built in", out);
