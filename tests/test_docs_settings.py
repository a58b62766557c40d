"""docs/standards.md lists every framework setting with where its rule comes from (the help
text names the seed) and each preset's value, "(our choice)" where the seed gives none: the
tables are made from the settings spec and the presets by scripts/settings_table.py, and
this test fails when they drift apart."""

import re

from auditloop.standards.settings_spec import SETTINGS
from scripts.settings_table import DOC, rewritten


def test_the_settings_tables_match_the_spec_and_the_presets():
    text = DOC.read_text()
    assert rewritten(text) == text, (
        "docs/standards.md's settings tables are out of date: run "
        ".venv/bin/python scripts/settings_table.py")


def test_every_setting_has_a_row():
    rows = set(re.findall(r"^\| `([a-z0-9_]+)` \|", DOC.read_text(), re.M))
    assert set(SETTINGS) <= rows, sorted(set(SETTINGS) - rows)
