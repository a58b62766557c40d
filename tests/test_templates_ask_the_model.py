"""Templates ask the model (`audit.is_submitted`, `action.is_done`, `obj.may_become(...)`)
instead of comparing status strings: a status group or a rule of the workflow lives once, on
the model's workflow (common.workflow), never as a string list in a template."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "auditloop"
# `status == "..."`, `status != '...'`, `status in ["...", ...]`, `status not in (...)`
LITERAL = re.compile(r"""status\s*(==|!=|not\s+in|in)\s*[\(\[]?\s*["']""")


def test_no_template_compares_a_status_with_a_string():
    found = []
    for path in sorted(SRC.rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if LITERAL.search(line):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()[:120]}")
    assert not found, "Ask the model instead:\n" + "\n".join(found)


def test_the_scan_finds_what_it_looks_for():
    assert LITERAL.search('{% if audit.status == "submitted" %}')
    assert LITERAL.search("{% if c.status not in ('a', 'b') %}")
    assert LITERAL.search('{% if plan.status in ["open"] %}')
    assert not LITERAL.search("{% if audit.is_submitted %}")
    assert not LITERAL.search('<div role="status">')
