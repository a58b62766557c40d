"""A broken tool file gives errors naming the file, the line and the field, as documented."""

from __future__ import annotations

import pytest

from auditloop.standards.schema import parse_tool
from auditloop.standards.yamlcheck import FileProblems
from tests.standards.conftest import SMALL_TOOL


def _problems(text: str) -> list[str]:
    with pytest.raises(FileProblems) as caught:
        parse_tool(text, "broken.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_small_tool_is_valid():
    definition = parse_tool(SMALL_TOOL, "small.yaml")
    assert definition["sections"][0]["questions"][0]["options"] == [
        "yes", "no", "partly", "not_applicable"]
    assert definition["scales"]["four"]["levels"][0]["definition"] == "Good work"


def test_an_unknown_answer_type_names_file_line_and_field():
    assert _problems(SMALL_TOOL.replace("answer: yes_no", "answer: grad")) == [
        "broken.yaml, line 26, sections[first].questions[a].answer: “grad” is not allowed "
        "here; use one of grade, yes_no, number, rag, date, choice, multiple_choice, text"
    ]


def test_a_missing_required_field_points_at_its_item():
    assert _problems(SMALL_TOOL.replace("        text: Is the plan SMART?\n", "")) == [
        "broken.yaml, line 22, sections[first].questions[a].text: is missing: this field is "
        "required"
    ]


def test_a_misspelt_field_suggests_the_right_one():
    (problem,) = _problems(SMALL_TOOL.replace("guidance: Look", "guidence: Look"))
    assert problem.startswith("broken.yaml, line 25, sections[first].questions[a].guidence: "
                              "is not a field here (did you mean “guidance”?)")


def test_a_yaml_syntax_error_gives_its_line():
    (problem,) = _problems(SMALL_TOOL.replace("title: First section", "title: First: [broken"))
    assert problem.startswith("broken.yaml, line 19, (the file): this is not valid YAML")


def test_a_field_given_twice_is_refused():
    (problem,) = _problems(SMALL_TOOL.replace("      - key: a\n", "      - key: a\n"
                                                                    "        key: b\n"))
    assert problem == ("broken.yaml, line 23, sections[first].questions[a].key: is given "
                       "twice (first on line 22); keep one")


def test_an_unknown_scale_points_at_where_it_is_named():
    problems = _problems(SMALL_TOOL.replace("  scale: four\n", "  scale: fiv\n"))
    assert problems[0].startswith("broken.yaml, line 5, defaults.scale: “fiv” is not a scale")
    assert problems[1].startswith("broken.yaml, line 28, overall.scale: “fiv”")


def test_a_condition_must_name_a_question_of_the_tool():
    text = SMALL_TOOL.replace("        answer: yes_no\n", "        answer: yes_no\n"
                              "        applies_when:\n          answer: nope\n"
                              "          in: [yes]\n")
    (problem,) = _problems(text)
    assert "sections[first].questions[a].applies_when.answer: “first.nope” is not a question" \
        in problem


def test_a_conversation_cannot_be_graded():
    (problem,) = _problems(SMALL_TOOL.replace("    graded: yes\n",
                                              "    graded: yes\n    kind: conversation\n"))
    assert problem == ("broken.yaml, line 20, sections[first].graded: a conversation section "
                       "is not graded: remove “graded: yes” or change its kind")


def test_every_problem_in_the_file_is_reported_at_once_in_line_order():
    text = (SMALL_TOOL.replace("answer: yes_no", "answer: grad")
            .replace("name: A small tool", "name: A small tool\nsummary:\n  - not text"))
    problems = _problems(text)
    assert [p.split(", ")[1] for p in problems] == ["line 5", "line 28"]
    assert "summary: should be text, not a list" in problems[0]
    assert "questions[a].answer" in problems[1]


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty"),
    ("- a\n- b\n", "should be an audit tool"),
    (SMALL_TOOL.replace("format: 1", "format: 2"), "format: should be a whole number from 1"),
    (SMALL_TOOL.replace("key: small-tool", "key: Small Tool"), "key: “Small Tool” should be"),
])
def test_the_whole_file_is_checked(text, message):
    assert message in " ".join(_problems(text))


def test_a_suggested_grade_needs_a_graded_scale():
    text = (SMALL_TOOL.replace("  scale: four\n", "  scale: narrative_only\n")
            .replace("overall:\n  scale: narrative_only\n",
                     "overall:\n  scale: narrative_only\n  suggestion: median\n"))
    (problem,) = _problems(text)
    assert "overall.suggestion: a suggestion or a reason rule needs graded sections" in problem


def test_a_narrative_only_scale_has_no_levels():
    text = SMALL_TOOL.replace("    name: Four grades\n", "    name: Four grades\n"
                                                          "    narrative_only: yes\n")
    (problem,) = _problems(text)
    assert problem.startswith("broken.yaml, line 7, scales.four: a narrative-only scale has "
                              "no levels")
