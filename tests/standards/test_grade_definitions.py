"""Grade definitions: every grade of every shipped tool carries the seed's definition or says,
in so many words, that the seed gives none. The auditor reads a definition under each grade
that has one; the QA manager reads on the tool page which grades have none."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml
from django.urls import reverse

from auditloop.audits.forms import section_fields
from auditloop.audits.submission import Sheet
from auditloop.people.roles import Role
from auditloop.standards import presets, schema, services
from tests.factories import make_audit
from tests.standards.conftest import SMALL_TOOL

# One definition per tool, copied from its seed document by hand: the tool must quote it
# word for word. 002 and 004 name the Ofsted grades without defining them.
SEED_QUOTES = {
    "000-eha-quality-standards": ("ofsted_000", "good",
        "There is evidence of good practice and evidence that the practice of the "
        "practitioners is deemed to be what would be expected"),
    "001-early-help-case-audit": ("ofsted_001", "good",
        "There is evidence of good practice in this case and evidence that the practice of "
        "the worker is deemed to be what would be expected"),
    "003-tier-2-caf-toolkit": ("ofsted_003", "requires_improvement",
        "The case file is not yet at a Good standard and does not provide sufficient "
        "assurance that effective early intervention and preventative services are being "
        "co-ordinated and the voice of the child is not clearly evident or taken into account "
        "throughout the assessment and TAF meetings."),
}
UNDEFINED_BY_SEED = {
    "001-early-help-case-audit": {"inadequate_critical"},
    "002-six-key-areas": {"outstanding", "good", "requires_improvement", "inadequate"},
    "004-focus-areas": {"outstanding", "good", "requires_improvement", "inadequate"},
}


def _raw_levels() -> list[tuple[str, str, dict[str, Any]]]:
    """Every grade level as written in the files (not as the parser fills it in)."""
    found = []
    for key in presets.shipped_tool_keys():
        text, _ = presets.shipped_tool_text(key)  # type: ignore[misc]
        for scale_key, scale in (yaml.safe_load(text).get("scales") or {}).items():
            found += [(key, scale_key, level) for level in scale.get("levels") or []]
    library = resources.files("auditloop.standards").joinpath("scales.yaml").read_text("utf-8")
    for scale_key, scale in yaml.safe_load(library).items():
        found += [("scales.yaml", scale_key, level) for level in scale.get("levels") or []]
    return found


def test_every_grade_in_the_files_has_a_definition_or_says_the_seed_gives_none():
    levels = _raw_levels()
    assert len(levels) == 17  # 4 + 5 + 4 in the tools, 4 in the library
    for where, scale_key, level in levels:
        name = f"{where} {scale_key}.{level['key']}"
        assert level.get("definition_source") in schema.DEFINITION_SOURCES, name
        if level["definition_source"] == "none":
            assert not level.get("definition"), name
        else:
            assert level.get("definition", "").strip(), name


def test_every_grade_a_shipped_tool_uses_is_settled(shipped):
    for key, tool in shipped.items():
        for scale in tool["scales"].values():
            for level in scale["levels"]:
                undefined = level["key"] in UNDEFINED_BY_SEED.get(key, set())
                assert level["definition_source"] == ("none" if undefined else "seed"), \
                    (key, level["key"])


@pytest.mark.parametrize("key", sorted(SEED_QUOTES))
def test_the_seeds_definitions_are_quoted_word_for_word(shipped, key):
    scale_key, level_key, quote = SEED_QUOTES[key]
    level = next(lv for lv in shipped[key]["scales"][scale_key]["levels"]
                 if lv["key"] == level_key)
    assert level["definition"] == quote


def test_the_caf_outstanding_definition_is_the_seeds_in_full(shipped):
    outstanding = shipped["003-tier-2-caf-toolkit"]["scales"]["ofsted_003"]["levels"][0]
    assert outstanding["definition"].startswith(
        "In addition to meeting the requirements of a 'good' judgement, there is evidence")
    assert outstanding["definition"].endswith(
        "making an exceptional difference to the lives and experiences of children and young "
        "people.")


def test_a_level_left_unsaid_gets_its_source_from_its_definition():
    tool = schema.parse_tool(SMALL_TOOL.replace("        definition: Poor work\n", ""))
    good, poor = tool["scales"]["four"]["levels"]
    assert (good["definition_source"], poor["definition_source"]) == ("seed", "none")


@pytest.mark.parametrize(("source", "definition", "message"), [
    ("none", "definition: Poor work", "cannot be none"),
    ("seed", "", "but no definition"),
])
def test_a_source_that_contradicts_the_definition_is_a_problem(source, definition, message):
    text = SMALL_TOOL.replace("        definition: Poor work\n",
                              f"        definition_source: {source}\n"
                              + (f"        {definition}\n" if definition else ""))
    with pytest.raises(schema.FileProblems) as raised:
        schema.parse_tool(text)
    assert any(message in p.message and "poor" in p.field for p in raised.value.problems)


def test_the_auditor_reads_each_definition_under_its_grade(person_with_role):
    audit = make_audit(auditors=[person_with_role(Role.AUDITOR)],
                       tool_key="003-tier-2-caf-toolkit")
    sheet = Sheet.for_audit(audit)
    grade = section_fields(sheet, sheet.section("assessment"))["grade"]
    assert grade.hint == "Case File Grading: each grade's definition is under it."
    starts = ["In addition to meeting the requirements of a 'good' judgement",
              "(refer to detailed 'What does good look like?' guide",
              "The case file is not yet at a Good standard",
              "The record does not demonstrate a suitable level of assurance"]
    assert len(grade.options) == len(starts)
    for option, start in zip(grade.options, starts, strict=True):
        assert option.hint.startswith(start), option.label


def test_with_no_definitions_the_grade_promises_none(person_with_role, client_for):
    auditor = person_with_role(Role.AUDITOR)
    audit = make_audit(auditors=[auditor], tool_key="002-six-key-areas")
    sheet = Sheet.for_audit(audit)
    grade = section_fields(sheet, sheet.section("assessment"))["grade"]
    assert grade.hint == "" and all(o.hint == "" for o in grade.options)
    page = client_for(auditor).get(
        reverse("audits:audit_section", args=[audit.pk, "assessment"])).content.decode()
    assert "definition is under it" not in page and "no definition" not in page.lower()


def test_some_definitions_are_promised_only_where_they_are(person_with_role):
    audit = make_audit(auditors=[person_with_role(Role.AUDITOR)],
                       tool_key="001-early-help-case-audit")
    sheet = Sheet.for_audit(audit)
    grade = section_fields(sheet, sheet.section("assessment"))["grade"]
    assert grade.hint == ("Judgement of Quality of Work: where a grade has a definition, it is "
                          "under the grade.")
    assert grade.options[-1].label == "Inadequate-Critical" and grade.options[-1].hint == ""


def test_the_qa_manager_reads_which_grades_the_seed_leaves_undefined(role_client):
    services.preset_apply(key="002-six-key-areas")
    url = reverse("standards:tool_detail", args=["002-six-key-areas"])
    qa, _ = role_client(Role.QA_MANAGER)
    assert qa.get(url).content.decode().count("The seed gives no definition for this grade") == 4
    auditor, _ = role_client(Role.AUDITOR)
    assert "The seed gives no definition" not in auditor.get(url).content.decode()
