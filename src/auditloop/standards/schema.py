"""The audit tool file format (YAML): its schema, the checks across fields, and the library scales.

A tool file is read into a plain, fully defaulted dict (the "definition") that a ToolVersion
stores beside the file's own text. docs/standards.md describes every field.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from auditloop.standards.yamlcheck import (
    INVALID,
    Boolean,
    Either,
    F,
    Fields,
    FileProblems,
    Integer,
    Key,
    ListOf,
    MapOf,
    OneOf,
    Reader,
    Text,
    compose,
    read_file,
)

FORMAT = 1
DRAFT_NOTE = "Not from the seed: review before use"

PURPOSES = {
    "case_audit": "Case file audit",
    "quality_control": "Quality control checklist",
    "worker_perspective": "Form for the practitioner",
}
COMPLETED_BY = {
    "auditor": "The auditor",
    "practitioner": "The practitioner whose case is audited",
    "qa_team": "The QA team",
}
# Case events a quality-control tool is applied to (cases.CaseEvent kinds).
QC_EVENTS = {
    "assessment_completed": "Every assessment",
    "taf_meeting": "Every Team Around the Family meeting",
    "closure": "Every closure",
    "review": "Every review",
    "plan_started": "Every new plan",
}
SECTION_KINDS = {
    "domain": "Audit domain",
    "checklist": "Checklist",
    "about": "About the case",
    "impact": "Impact",
    "conversation": "Conversation",
    "family_feedback": "Family feedback",
    "remedial_action": "Remedial action",
}
UNGRADED_KINDS = {"conversation", "family_feedback", "remedial_action"}
ANSWERS = {
    "grade": "A grade on a scale",
    "yes_no": "Yes, no, partly or not applicable",
    "number": "A number in a range",
    "rag": "Red, amber or green",
    "date": "A date",
    "choice": "One choice from a list",
    "multiple_choice": "Any number of choices from a list",
    "text": "Free text",
}
YES_NO = {"yes": "Yes", "no": "No", "partly": "Partly", "not_applicable": "Not applicable"}
RAG = {"red": "Red", "amber": "Amber", "green": "Green"}
COMMENT = ["required", "optional", "none"]
REPEATS = {"per_child": "Once for each child in the family",
           "per_action": "Once for each action (add as many as needed)"}
# Conditions read from the case or the audit, not from an answer.
CASE_CONDITIONS = {
    "step_down": "The case stepped down from children's social care",
    "step_up": "The case stepped up to children's social care",
    "has_iro": "An IRO or CP Chair oversees the case",
    "auditor_decides": "The auditor says whether it applies",
    "assessment_completed": "The quality control is of an assessment",
    "taf_meeting": "The quality control is of a TAF meeting",
    "closure": "The quality control is of a closure",
}
SUGGESTIONS = {
    "none": "No suggestion",
    "lowest": "The lowest section grade",
    "median": "The middle (median) section grade",
    "highest": "The highest section grade",
}
REASON_WHEN = {
    "better_than_every_section": "the overall grade is better than every section grade",
    "worse_than_every_section": "the overall grade is worse than every section grade",
    "differs_from_suggestion": "the overall grade differs from the suggested grade",
}
ORIGINS = ["seed", "draft"]
# Where a grade's definition comes from (a level's `definition_source`). The auditor sees a
# definition whatever its source, and nothing where there is none; the QA manager sees the
# source on the tool pages. A level that leaves it out gets "none" when it has no
# definition, otherwise its scale's origin ("seed" or "draft").
DEFINITION_SOURCES = {
    "seed": "The seed's own definition",
    "draft": "Not from the seed: the council's own definition",
    "none": "The seed gives no definition for this grade",
}
NO_DEFINITION = DEFINITION_SOURCES["none"]
FINDINGS = {"strength": "Strength", "development": "Area for development"}

_long = Text(max_length=20000)
_short = Text(max_length=300)

LEVEL = Fields({
    "key": F(Key(), required=True),
    "label": F(Text(max_length=80), required=True),
    "definition": F(_long, default=""),
    "definition_source": F(OneOf(DEFINITION_SOURCES)),
    "counts_as_good": F(Boolean(), default=False),
}, name="a grade level (key, label, definition)")

SCALE = Fields({
    "name": F(_short, required=True),
    "narrative_only": F(Boolean(), default=False),
    "levels": F(ListOf(LEVEL, unique_by="key"), default=list),
    "origin": F(OneOf(ORIGINS), default="seed"),
    "note": F(_long, default=""),
}, name="a grade scale (name and levels)")

CHOICE = Either(
    Text(max_length=300),
    Fields({"key": F(Key(), required=True), "label": F(Text(max_length=300), required=True)},
           name="a choice (key and label)"),
)

CONDITION = Either(
    OneOf(CASE_CONDITIONS),
    Fields({"answer": F(Text(max_length=130), required=True),
            "in": F(ListOf(Text(max_length=60), min_items=1), required=True)},
           name="a condition on an answer (answer and in)"),
)

QUESTION = Fields({
    "key": F(Key(), required=True),
    "ref": F(Text(max_length=20), default=""),
    "text": F(_long, required=True),
    "guidance": F(_long, default=""),
    "answer": F(OneOf(ANSWERS), required=True),
    "scale": F(Key()),
    "options": F(ListOf(OneOf(YES_NO), min_items=2, unique=True)),
    "choices": F(ListOf(CHOICE, min_items=2)),
    "definitions": F(MapOf(OneOf(RAG), _long, allowed=RAG)),
    "min": F(Integer()),
    "max": F(Integer()),
    "unit": F(Text(max_length=40), default=""),
    "comment": F(OneOf(COMMENT)),
    "required": F(Boolean(), default=True),
    "applies_when": F(CONDITION),
    "finding": F(OneOf(FINDINGS)),
    "origin": F(OneOf(ORIGINS)),
}, name="a question (key, text, answer...)")

SECTION = Fields({
    "key": F(Key(), required=True),
    "ref": F(Text(max_length=20), default=""),
    "title": F(Text(max_length=300), required=True),
    "kind": F(OneOf(SECTION_KINDS), default="domain"),
    "guidance": F(_long, default=""),
    "graded": F(Boolean(), default=False),
    "scale": F(Key()),
    "evidence": F(OneOf(COMMENT)),
    "applies_when": F(CONDITION),
    "repeat": F(OneOf(REPEATS)),
    "origin": F(OneOf(ORIGINS)),
    "questions": F(ListOf(QUESTION, min_items=1, unique_by="key"), required=True),
}, name="a section (key, title, questions...)")

OVERALL = Fields({
    "label": F(_short, default="Overall grade"),
    "scale": F(Key()),
    "guidance": F(_long, default=""),
    "comment": F(OneOf(COMMENT), default="required"),
    "suggestion": F(OneOf(SUGGESTIONS), default="none"),
    "reason_required_when": F(ListOf(OneOf(REASON_WHEN), unique=True), default=list),
    "informed_by": F(ListOf(Key(), unique=True), default=list),
    "origin": F(OneOf(ORIGINS)),
}, name="the overall grade (scale, rule...)")

DEFAULTS = Fields({
    "comment": F(OneOf(COMMENT), default="optional"),
    "evidence": F(OneOf(COMMENT), default="optional"),
    "scale": F(Key()),
}, name="defaults (comment, evidence, scale)")

TOOL = Fields({
    "format": F(Integer(minimum=FORMAT, maximum=FORMAT), required=True),
    "key": F(Key(), required=True),
    "name": F(Text(max_length=200), required=True),
    "seed": F(Text(max_length=10), default=""),
    "purpose": F(OneOf(PURPOSES), default="case_audit"),
    "completed_by": F(OneOf(COMPLETED_BY), default="auditor"),
    "applies_to": F(ListOf(OneOf(QC_EVENTS), unique=True), default=list),
    "summary": F(_long, default=""),
    "notes_for_auditor": F(_long, default=""),
    "origin": F(OneOf(ORIGINS), default="seed"),
    "source_note": F(_long, default=""),
    "defaults": F(DEFAULTS, default=lambda: {"comment": "optional", "evidence": "optional",
                                             "scale": None}),
    "scales": F(MapOf(Key(), SCALE), default=dict),
    "tag_question": F(Text(max_length=130)),
    "sections": F(ListOf(SECTION, min_items=1, unique_by="key"), required=True),
    "overall": F(OVERALL),
}, name="an audit tool")


@cache
def library_scales() -> dict[str, dict[str, Any]]:
    """Scales any tool may name without defining: standards/scales.yaml."""
    text = resources.files("auditloop.standards").joinpath("scales.yaml").read_text("utf-8")
    value, _ = read_file(text, "scales.yaml", MapOf(Key(), SCALE))
    for scale in value.values():
        _check_scale_levels(scale)
        _settle_definition_sources(scale)
    return value


def _settle_definition_sources(scale: dict[str, Any]) -> list[tuple[str, str]]:
    """Fill in each level's definition_source; return (level key, problem) pairs for a
    source that contradicts the definition."""
    problems = []
    for level in scale["levels"]:
        source = level.get("definition_source")
        if source is None:
            level["definition_source"] = (
                ("draft" if scale["origin"] == "draft" else "seed") if level["definition"]
                else "none")
        elif source == "none" and level["definition"]:
            problems.append((level["key"], "has a definition, so its definition_source cannot "
                                           "be none: say seed or draft, or remove it"))
        elif source != "none" and not level["definition"]:
            problems.append((level["key"], f"has definition_source {source} but no definition: "
                                           "add the definition or say none"))
    return problems


def _check_scale_levels(scale: dict[str, Any]) -> str | None:
    if scale["narrative_only"] and scale["levels"]:
        return "a narrative-only scale has no levels: remove the levels or narrative_only"
    if not scale["narrative_only"] and len(scale["levels"]) < 2:
        return "a scale needs at least two levels (or narrative_only: yes)"
    return None


def parse_tool(text: str, file: str = "tool.yaml") -> dict[str, Any]:
    """Read and check a tool file. Returns the definition; raises FileProblems."""
    reader = Reader(file)
    tool = TOOL.read(compose(text, file), "", reader)
    if tool is not INVALID:
        _cross_checks(tool, reader)
    if reader.problems or tool is INVALID:
        raise FileProblems(reader.problems)
    return tool


def _choice_key(label: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:60] or "choice"


def _cross_checks(tool: dict[str, Any], r: Reader) -> None:  # noqa: C901 - one list of rules
    defaults = tool["defaults"]
    scales: dict[str, dict[str, Any]] = {}
    for key, scale in tool["scales"].items():
        message = _check_scale_levels(scale)
        if message:
            r.problem(f"scales.{key}", f"scales.{key}", message)
        for level_key, problem in _settle_definition_sources(scale):
            path = f"scales.{key}.levels[{level_key}].definition_source"
            r.problem(path, path, f"the grade “{level_key}” {problem}")
        scales[key] = scale

    used: set[str] = set()
    reported: set[str] = set()

    def resolve(key: str | None, path: str, *, needed: bool) -> str | None:
        where = f"{path}.scale" if key else "defaults.scale"
        key = key or defaults.get("scale")
        if not key:
            if needed:
                r.problem(path, f"{path}.scale",
                          "needs a scale: name one here or under defaults.scale")
            return None
        if key not in scales and key not in library_scales():
            if where not in reported:
                reported.add(where)
                r.problem(where, where,
                          f"“{key}” is not a scale of this tool or of the library; define it "
                          f"under scales or use one of {', '.join(sorted(library_scales()))}")
            return None
        used.add(key)
        return key

    if tool["purpose"] == "quality_control" and not tool["applies_to"]:
        r.problem("purpose", "applies_to", "a quality_control tool must say what it applies to, "
                                           f"using {', '.join(QC_EVENTS)}")
    if tool["purpose"] != "quality_control" and tool["applies_to"]:
        r.problem("applies_to", "applies_to", "only a quality_control tool applies to events")

    questions: dict[str, dict[str, Any]] = {}
    for s in tool["sections"]:
        for q in s["questions"]:
            questions[f"{s['key']}.{q['key']}"] = q

    for s in tool["sections"]:
        spath = f"sections[{s['key']}]"
        s["origin"] = s["origin"] or tool["origin"]
        if s["evidence"] is None:
            s["evidence"] = defaults["evidence"] if s["graded"] else "none"
        if s["graded"] and s["kind"] in UNGRADED_KINDS:
            r.problem(f"{spath}.graded", f"{spath}.graded",
                      f"a {s['kind'].replace('_', ' ')} section is not graded: remove "
                      "“graded: yes” or change its kind")
        s["scale"] = resolve(s["scale"], spath, needed=True) if s["graded"] else None
        if not s["graded"] and s.get("scale"):
            r.problem(f"{spath}.scale", f"{spath}.scale", "only a graded section has a scale")
        _check_condition(s["applies_when"], s["key"], questions, f"{spath}.applies_when", r)
        for q in s["questions"]:
            qpath = f"{spath}.questions[{q['key']}]"
            q["origin"] = q["origin"] or s["origin"]
            if q["comment"] is None:
                q["comment"] = "none" if q["answer"] == "text" else defaults["comment"]
            answer = q["answer"]
            if answer == "grade":
                q["scale"] = resolve(q["scale"], qpath, needed=True)
            elif q["scale"]:
                r.problem(f"{qpath}.scale", f"{qpath}.scale", "only a grade answer has a scale")
            if answer in ("choice", "multiple_choice"):
                if not q["choices"]:
                    r.problem(qpath, f"{qpath}.choices",
                              "a choice answer needs a list of at least two choices")
                else:
                    q["choices"] = _normalise_choices(q["choices"], f"{qpath}.choices", r)
            elif q["choices"]:
                r.problem(f"{qpath}.choices", f"{qpath}.choices",
                          "only choice and multiple_choice answers have choices")
            if answer == "yes_no":
                q["options"] = q["options"] or list(YES_NO)
            elif q["options"]:
                r.problem(f"{qpath}.options", f"{qpath}.options",
                          "only a yes_no answer has options")
            if answer == "number":
                if q["min"] is None or q["max"] is None or q["min"] >= q["max"]:
                    r.problem(qpath, f"{qpath}.min", "a number answer needs min and max, "
                                                     "with min smaller than max")
            elif q["min"] is not None or q["max"] is not None:
                r.problem(f"{qpath}.min", f"{qpath}.min", "only a number answer has min and max")
            if answer == "rag":
                q["definitions"] = q["definitions"] or {}
            elif q["definitions"]:
                r.problem(f"{qpath}.definitions", f"{qpath}.definitions",
                          "only a rag answer has definitions")
            _check_condition(q["applies_when"], s["key"], questions, f"{qpath}.applies_when", r)

    overall = tool["overall"]
    if overall is not None:
        overall["origin"] = overall["origin"] or tool["origin"]
        overall["scale"] = resolve(overall["scale"], "overall", needed=True)
        section_keys = {s["key"] for s in tool["sections"]}
        for key in overall["informed_by"]:
            if key not in section_keys:
                r.problem("overall.informed_by", "overall.informed_by",
                          f"“{key}” is not a section of this tool")
        graded = [s for s in tool["sections"] if s["graded"]]
        scale = _scale(overall["scale"], scales)
        if (overall["suggestion"] != "none" or overall["reason_required_when"]) and (
            not graded or (scale and scale["narrative_only"])
        ):
            r.problem("overall", "overall.suggestion",
                      "a suggestion or a reason rule needs graded sections and a graded scale")
        for s in graded:
            if overall["scale"] and s["scale"] and s["scale"] != overall["scale"] and (
                overall["suggestion"] != "none" or overall["reason_required_when"]
            ):
                r.problem(f"sections[{s['key']}]", f"sections[{s['key']}].scale",
                          "compared with the overall grade, so it must use the same scale "
                          f"({overall['scale']})")

    if tool["tag_question"]:
        q = questions.get(tool["tag_question"])
        if q is None or q["answer"] != "choice":
            r.problem("tag_question", "tag_question",
                      f"“{tool['tag_question']}” should name a choice question as "
                      "section_key.question_key")

    tool["scales"] = {k: _scale(k, scales) for k in sorted(used)}


def _scale(key: str | None, own: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    if not key:
        return None
    return own.get(key) or library_scales().get(key)


def _normalise_choices(choices: list[Any], path: str, r: Reader) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for c in choices:
        item = c if isinstance(c, dict) else {"key": _choice_key(c), "label": c}
        if item["key"] in seen:
            r.problem(path, path, f"two choices have the key “{item['key']}”; make them differ")
        seen.add(item["key"])
        out.append(item)
    return out


def answer_values(q: dict[str, Any]) -> list[str] | None:
    """The values an answer can take, for conditions; None when it is open (text, number)."""
    if q["answer"] == "yes_no":
        return list(q["options"] or YES_NO)
    if q["answer"] == "rag":
        return list(RAG)
    if q["answer"] in ("choice", "multiple_choice"):
        return [c["key"] if isinstance(c, dict) else _choice_key(c) for c in q["choices"] or []]
    return None


def _check_condition(cond: Any, section_key: str, questions: dict[str, dict[str, Any]],
                     path: str, r: Reader) -> None:
    if not isinstance(cond, dict):
        return
    ref = cond["answer"] if "." in cond["answer"] else f"{section_key}.{cond['answer']}"
    cond["answer"] = ref
    q = questions.get(ref)
    if q is None:
        r.problem(path, f"{path}.answer", f"“{ref}” is not a question of this tool "
                                          "(write section_key.question_key)")
        return
    values = answer_values(q)
    if values is None:
        r.problem(path, f"{path}.answer", f"“{ref}” has a {q['answer']} answer; a condition "
                                          "needs a yes_no, rag or choice question")
        return
    for v in cond["in"]:
        if v not in values:
            r.problem(path, f"{path}.in", f"“{v}” is not an answer to {ref}; use "
                                          f"{', '.join(values)}")


def all_questions(definition: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(s, q) for s in definition["sections"] for q in s["questions"]]


def level_definition_source(level: dict[str, Any]) -> str:
    """A level's definition_source, also for versions stored before the field existed."""
    return level.get("definition_source") or ("seed" if level.get("definition") else "none")


def has_draft(definition: dict[str, Any]) -> bool:
    return definition["origin"] == "draft" or any(
        s["origin"] == "draft" or q["origin"] == "draft" for s, q in all_questions(definition)
    )


__all__ = ["FileProblems", "parse_tool", "library_scales", "all_questions", "has_draft",
           "level_definition_source"]
