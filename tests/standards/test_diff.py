"""The differences shown before a new version is confirmed."""

from __future__ import annotations

from auditloop.standards.diff import file_changes, tool_changes
from auditloop.standards.schema import parse_tool
from tests.standards.conftest import SMALL_TOOL

OLD = parse_tool(SMALL_TOOL)


def _changes(text: str) -> list[tuple[str, str, str, object, object]]:
    return [(c.kind, c.where, c.what, c.old, c.new)
            for c in tool_changes(OLD, parse_tool(text))]


def test_a_changed_wording_shows_before_and_after():
    assert _changes(SMALL_TOOL.replace("Is the plan SMART?", "Is the plan SMART now?")) == [
        ("changed", "First section, question a", "wording", "Is the plan SMART?",
         "Is the plan SMART now?")]


def test_a_changed_grade_definition_names_the_grade():
    assert _changes(SMALL_TOOL.replace("definition: Poor work", "definition: Weak work")) == [
        ("changed", "Grade scale “Four grades”, grade Poor", "definition", "Poor work",
         "Weak work")]


def test_added_and_removed_questions_and_sections():
    added = SMALL_TOOL.replace("overall:", (
        "  - key: second\n    title: Second section\n    questions:\n"
        "      - key: b\n        text: Anything else?\n        answer: text\n"
        "overall:"))
    assert ("added", "Second section", "1 questions", None, None) in _changes(added)
    more = SMALL_TOOL.replace("        answer: yes_no\n", (
        "        answer: yes_no\n      - key: c\n        ref: c\n        text: Is it shared?\n"
        "        answer: yes_no\n"))
    assert ("added", "First section, question c", "", None, "Is it shared?") in _changes(more)
    fewer = parse_tool(more)
    assert [(c.kind, c.where) for c in tool_changes(fewer, OLD)] == [
        ("removed", "First section, question c")]


def test_a_new_tool_lists_its_sections():
    assert [(c.kind, c.where) for c in tool_changes(None, OLD)] == [("added", "First section")]


def test_the_files_changed_lines_are_numbered():
    new = SMALL_TOOL.replace("Is the plan SMART?", "Is the plan SMART now?")
    lines = file_changes(SMALL_TOOL, new)
    changed = [(line.kind, line.old_number, line.new_number) for line in lines
               if line.kind in ("added", "removed")]
    assert changed == [("removed", 24, None), ("added", None, 24)]
    assert lines[0].kind == "hunk"
