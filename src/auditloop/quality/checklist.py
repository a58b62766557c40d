"""The Tier 1 quality-control tool (003): which version of it applies to which kind of
register record, the council's name for each kind, and the checklist a record is checked
against, with the rules for its answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditloop.cases.models import Case, CaseEvent, Involvement
from auditloop.quality.models import QualityCheck
from auditloop.standards.models import ToolVersion
from auditloop.standards.schema import QC_EVENTS, RAG, YES_NO
from auditloop.standards.selectors import framework_settings_row

# The tool's result section (003-tier-1-quality-control.yaml): the outcome question's choices.
PASSED = "passed"
RETURNED = "returned"


def quality_tools_by_kind() -> dict[str, ToolVersion]:
    """For each kind of case event, the latest version of the first quality-control tool in
    the framework's tools that applies to it. Empty when the framework has none."""
    keys = [k for k in (framework_settings_row().tools or []) if isinstance(k, str)]
    if not keys:
        return {}
    latest: dict[str, ToolVersion] = {}
    for version in ToolVersion.objects.select_related("tool").defer("source").filter(
            tool__key__in=keys).order_by("tool__key", "-number"):
        latest.setdefault(version.tool.key, version)
    by_kind: dict[str, ToolVersion] = {}
    for key in keys:
        found = latest.get(key)
        if found is None or found.definition.get("purpose") != "quality_control":
            continue
        for kind in found.definition.get("applies_to") or []:
            by_kind.setdefault(kind, found)
    return by_kind


def _kind_label(definition: dict[str, Any], kind: str) -> str:
    for section in definition.get("sections", []):
        if section.get("applies_when") == kind:
            return str(section["title"])
    return str(CaseEvent.Kind(kind).label) if kind in CaseEvent.Kind.values else kind


def kind_labels(versions: dict[str, ToolVersion] | None = None) -> dict[str, str]:
    """The council's name for each kind of record checked: the title of the tool's section
    for it ("CAF assessment", "Team Around the Family meeting"), else the register's."""
    versions = quality_tools_by_kind() if versions is None else versions
    labels = {kind: str(CaseEvent.Kind(kind).label) for kind in QC_EVENTS}
    for kind, version in versions.items():
        labels[kind] = _kind_label(version.definition, kind)
    return labels


def kind_label(check: QualityCheck) -> str:
    return _kind_label(check.tool_version.definition, check.event.kind)


def in_sentence(label: str) -> str:
    """A label inside a sentence: "Closure" becomes "closure"; a name with capitals after
    its first letter ("CAF assessment", "Team Around the Family meeting") stays."""
    return label[:1].lower() + label[1:] if label[1:] == label[1:].lower() else label


def with_article(label: str) -> str:
    words = in_sentence(label)
    return ("an " if words[:1].lower() in tuple("aeiou") else "a ") + words


@dataclass
class Checklist:
    """The parts of a quality-control tool that apply to one record."""

    sections: list[dict[str, Any]]
    outcome: dict[str, Any] | None = None  # the result question (passed / returned)
    outcome_section: str = ""
    to_fix: dict[str, Any] | None = None  # "What needs to be put right"
    draft: bool = False
    definition: dict[str, Any] = field(default_factory=dict)

    def outcome_label(self, key: str) -> str:
        for choice in (self.outcome or {}).get("choices") or []:
            if choice["key"] == key:
                return str(choice["label"])
        return {PASSED: "Passed", RETURNED: "Returned to the lead professional to put right"}[key]

    @property
    def questions(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [(s, q) for s in self.sections for q in s["questions"]]


def _is_outcome(question: dict[str, Any]) -> bool:
    keys = {c["key"] for c in question.get("choices") or []}
    return question["answer"] == "choice" and {PASSED, RETURNED} <= keys


def _case_condition(cond: str, *, kind: str, case: Case) -> bool:
    if cond in QC_EVENTS:
        return cond == kind
    if cond == "step_down":
        return case.step == Case.Step.STEP_DOWN
    if cond == "step_up":
        return case.step == Case.Step.STEP_UP
    if cond == "has_iro":
        return Involvement.objects.filter(case=case, role=Involvement.Role.IRO).exists()
    return True  # auditor_decides: shown, the checker answers what applies


def checklist_for(check: QualityCheck) -> Checklist:
    """The tool's sections that apply to this kind of record, with its result question kept
    apart: the page shows it as the pass-or-return decision."""
    definition = check.tool_version.definition
    kind, case = check.event.kind, check.event.case
    result = Checklist(sections=[], definition=definition,
                       draft=definition.get("origin") == "draft")
    for section in definition.get("sections", []):
        cond = section.get("applies_when")
        if isinstance(cond, str) and not _case_condition(cond, kind=kind, case=case):
            continue
        questions = []
        for q in section["questions"]:
            if result.outcome is None and _is_outcome(q):
                result.outcome, result.outcome_section = q, section["key"]
                continue
            target = (q.get("applies_when") or {}) if isinstance(q.get("applies_when"),
                                                                 dict) else {}
            if (result.outcome is not None and q["answer"] == "text"
                    and target.get("answer") == f"{section['key']}.{result.outcome['key']}"):
                result.to_fix = q
                continue
            questions.append(q)
        if questions:
            result.sections.append({**section, "questions": questions})
        if section.get("origin") == "draft":
            result.draft = True
    return result


def answer_key(section: dict[str, Any], question: dict[str, Any]) -> str:
    return f"{section['key']}.{question['key']}"


def answer_choices(question: dict[str, Any],
                   definition: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The answers a question allows, as (key, label); empty for free answers."""
    kind = question["answer"]
    if kind == "grade":
        scales = (definition or {}).get("scales") or {}
        scale = scales.get(question.get("scale") or "") or {}
        return [(level["key"], level["label"]) for level in scale.get("levels") or []]
    if kind == "yes_no":
        return [(o, YES_NO[o]) for o in question.get("options") or list(YES_NO)]
    if kind == "rag":
        return list(RAG.items())
    if kind in ("choice", "multiple_choice"):
        return [(c["key"], c["label"]) for c in question.get("choices") or []]
    return []


def _question_applies(question: dict[str, Any], answers: dict[str, Any]) -> bool:
    cond = question.get("applies_when")
    if not isinstance(cond, dict):
        return True
    given = (answers.get(cond.get("answer", "")) or {}).get("value")
    wanted = set(cond.get("in") or [])
    if isinstance(given, list):
        return bool(wanted & set(given))
    return given in wanted


def checklist_problems(checklist: Checklist, answers: dict[str, Any]) -> dict[str, str]:
    """Each required question left unanswered (or answered with a value the tool does not
    allow), keyed section.question, with what to do."""
    problems: dict[str, str] = {}
    for section, q in checklist.questions:
        key = answer_key(section, q)
        entry = answers.get(key) or {}
        value = entry.get("value")
        allowed = {k for k, _ in answer_choices(q, checklist.definition)}
        if value in (None, "", []):
            if q.get("required", True) and _question_applies(q, answers):
                problems[key] = f"Answer “{q['text']}”"
            continue
        values = value if isinstance(value, list) else [value]
        if allowed and not set(map(str, values)) <= allowed:
            problems[key] = f"Choose one of the answers given for “{q['text']}”"
        elif q.get("comment") == "required" and not str(entry.get("comment", "")).strip():
            problems[key + ".comment"] = f"Add a comment for “{q['text']}”"
    return problems


def unmet_items(check: QualityCheck) -> list[str]:
    """The checklist items answered "no" (or red): the ticks not in the right places."""
    checklist = checklist_for(check)
    return [str(q["text"]) for s, q in checklist.questions
            if (check.answers.get(answer_key(s, q)) or {}).get("value") in ("no", "red")]
