"""Write the "Every setting, and each preset's value" tables of docs/standards.md from the
settings spec (each setting's label and help, which names the seed it comes from) and the
shipped presets (each seed's value), so the docs list every rule and its source.

    .venv/bin/python scripts/settings_table.py          # rewrite the tables
    .venv/bin/python scripts/settings_table.py --check  # exit 1 if they are out of date

tests/test_docs_settings.py runs the check.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "standards.md"
HEADING = "### Every setting, and each preset's value"
NEXT = "## Presets"
INTRO = (
    "Each table below is one page of the Framework settings, in the pages' order, with the\n"
    "page's address; a setting is on exactly one page (its `page` in settings_spec.py).\n"
    '"–" is not set (no rule). For lists, the number of entries; the preset files hold them,\n'
    "each with the seed's words in a comment. \"(our choice)\" marks a value the preset gives\n"
    "where its seed gives none: the preset file says why, and so does the settings page.\n"
    "These tables are made from the settings' help (settings_spec.py) and the presets by\n"
    "`scripts/settings_table.py`: change those and run it, rather than editing the tables.\n"
)


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditloop.settings_test")
    import django

    django.setup()


def cell(value: Any) -> str:
    if value is None or value in ("", [], {}):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return ", ".join(str(v) for v in value)
        return f"{len(value)} entries"
    if isinstance(value, dict):
        if all(isinstance(v, str) for v in value.values()):
            return ", ".join(f"{k} {v}" for k, v in value.items()).replace("_", " ")
        return f"{len(value)} entries"
    return str(value).replace("|", "\\|").replace("\n", " ")


def section() -> str:
    """The whole section, from its heading to the next top-level heading."""
    from auditloop.standards import presets
    from auditloop.standards.settings_spec import PAGES, SETTINGS

    shipped = sorted(presets.shipped_presets(), key=lambda p: p.key)
    seeds = [p.key.split("-")[0] for p in shipped]
    values = [p.values() for p in shipped]
    out = [HEADING, "", INTRO]
    for page in PAGES:
        out += [f"### {page.title}", "",
                f"{page.description} Page: `/standards/framework/{page.key}/`.", "",
                "| setting | what it is | " + " | ".join(seeds) + " |",
                "|---|---|" + "---|" * len(seeds)]
        for name in [n for n, s in SETTINGS.items() if s.page == page.key]:
            s = SETTINGS[name]
            cells = []
            for preset, given in zip(shipped, values, strict=True):
                shown = cell(given[name])
                if preset.our_choice(name, given[name]):
                    shown += " (our choice)"
                cells.append(shown)
            what = f"{s.label}. {s.help}".strip().replace("|", "\\|")
            out.append(f"| `{name}` | {what} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out) + "\n"


def rewritten(text: str) -> str:
    start = text.index(HEADING)
    end = text.index(NEXT, start)
    return text[:start] + section() + text[end:]


def main() -> int:
    _setup()
    text = DOC.read_text()
    new = rewritten(text)
    if "--check" in sys.argv:
        if new != text:
            print("docs/standards.md's settings tables are out of date: run "
                  ".venv/bin/python scripts/settings_table.py")
            return 1
        return 0
    DOC.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
