"""What an audit's tool version asks of it: which sections and questions apply to this case,
where each answer lives, the suggested overall grade, and what submitting requires (what
the tool says, and nothing else)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse

from auditloop.audits import notice_checks
from auditloop.audits.models import Answer, Audit
from auditloop.audits.recipients import recipients_for
from auditloop.cases.models import Case, Involvement
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.standards.schema import REASON_WHEN

# Where the answers that are not a tool's questions live (Answer.section_key / question_key).
OVERALL = "__overall__"  # the overall grade (GRADE), its evidence (EVIDENCE) and REASON
REASON = "__reason__"
ADDED = "__added__"  # marks an item added to a per_action section (False once removed)
GRADE, EVIDENCE, APPLIES = Answer.GRADE, Answer.EVIDENCE, Answer.APPLIES

AnswerKey = tuple[str, int, str]


def field_id(section_key: str, item: int, question_key: str) -> str:
    """The one name of a field: its HTML id and name, and the anchor errors link to."""
    return f"{section_key}.{item}.{question_key}"


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


@dataclass(frozen=True)
class Child:
    index: int
    case_id: int
    label: str


@dataclass
class CaseFacts:
    """What the tool's conditions read from the case, and the family for per_child sections."""

    step_down: bool
    step_up: bool
    has_iro: bool
    children: list[Child] = field(default_factory=list)


def case_facts(audit: Audit) -> CaseFacts:
    case = audit.case
    family: list[Case] = [case]
    if case.family_identifier:
        # In the order cases reached the register, so a child added later takes the next
        # place and answers already given stay with their child.
        family = list(Case.objects.filter(family_identifier=case.family_identifier)
                      .only("id", "reference", "child_identifier").order_by("id"))
    has_iro = Involvement.objects.filter(case=case, role=Involvement.Role.IRO).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=audit.period_start)).exists()
    return CaseFacts(
        step_down=case.step == Case.Step.STEP_DOWN,
        step_up=case.step == Case.Step.STEP_UP,
        has_iro=has_iro,
        children=[Child(i, c.pk, f"Child {i + 1}: {c.child_identifier or c.reference}")
                  for i, c in enumerate(family)],
    )


@dataclass(frozen=True)
class Problem:
    """Something the tool needs before the audit can be submitted, and where to put it."""

    section_key: str  # OVERALL for the overall grade's page
    field: str  # field_id of the field to link to
    message: str


def question_label(section: dict[str, Any], question: dict[str, Any]) -> str:
    """How a question is named in a message: 3a (its text), or its text."""
    text = question["text"].strip()
    short = text if len(text) <= 70 else text[:67].rstrip() + "..."
    ref = f"{section.get('ref') or ''}{question.get('ref') or ''}".replace(" ", "")
    return f"{ref} ({short})" if ref else f"“{short}”"


def section_label(section: dict[str, Any]) -> str:
    return f"section {section['ref']}: {section['title']}" if section.get("ref") else \
        f"“{section['title']}”"


class Sheet:
    """One audit's tool version read together with its answers and the case."""

    def __init__(self, definition: dict[str, Any], answers: dict[AnswerKey, Answer],
                 facts: CaseFacts) -> None:
        self.definition = definition
        self.answers = answers
        self.facts = facts
        self.sections: list[dict[str, Any]] = list(definition["sections"])
        self._by_key = {s["key"]: s for s in self.sections}
        self.overall: dict[str, Any] | None = definition.get("overall")

    @classmethod
    def for_audit(cls, audit: Audit) -> Sheet:
        answers = {(a.section_key, a.item, a.question_key): a for a in audit.answers.all()}
        return cls(audit.tool_version.definition, answers, case_facts(audit))

    # Reading answers -----------------------------------------------------------------

    def section(self, key: str) -> dict[str, Any] | None:
        return self._by_key.get(key)

    def scale(self, key: str | None) -> dict[str, Any]:
        return self.definition["scales"].get(key or "", {"name": "", "levels": [],
                                                         "narrative_only": True})

    def answer(self, section_key: str, item: int, question_key: str) -> Answer | None:
        return self.answers.get((section_key, item, question_key))

    def value(self, section_key: str, item: int, question_key: str) -> Any:
        a = self.answer(section_key, item, question_key)
        return None if a is None else a.value

    def comment(self, section_key: str, item: int, question_key: str) -> str:
        a = self.answer(section_key, item, question_key)
        return "" if a is None else a.comment

    def items(self, section: dict[str, Any]) -> list[tuple[int, str]]:
        """The section's items: one per child, one per action added, or just the one."""
        if section.get("repeat") == "per_child":
            return [(c.index, c.label) for c in self.facts.children]
        if section.get("repeat") == "per_action":
            added = sorted(item for (s, item, q), a in self.answers.items()
                           if s == section["key"] and q == ADDED and a.value)
            return [(item, f"Action {n}") for n, item in enumerate(added, start=1)]
        return [(0, "")]

    # What applies --------------------------------------------------------------------

    def _case_condition(self, word: str) -> bool:
        if word == "step_down":
            return self.facts.step_down
        if word == "step_up":
            return self.facts.step_up
        if word == "has_iro":
            return self.facts.has_iro
        # The quality-control words describe the record checked, not a case audit: a case
        # audit tool that names one is not kept from its auditor.
        return True

    def _answer_condition(self, cond: dict[str, Any], section_key: str, item: int) -> bool:
        ref_section, _, ref_question = cond["answer"].partition(".")
        other = self.section(ref_section)
        if other is None or self.section_applies(other) is False:
            return False
        value = self.value(ref_section, item if ref_section == section_key else 0, ref_question)
        if isinstance(value, list):
            return any(v in cond["in"] for v in value)
        return value in cond["in"]

    def section_applies(self, section: dict[str, Any]) -> bool | None:
        """True or False; None while the auditor has not said (auditor_decides)."""
        cond = section.get("applies_when")
        if not cond:
            return True
        if cond == "auditor_decides":
            decided = self.value(section["key"], 0, APPLIES)
            return {"yes": True, "no": False}.get(decided)
        if isinstance(cond, str):
            return self._case_condition(cond)
        return self._answer_condition(cond, section["key"], 0)

    def question_applies(self, section: dict[str, Any], question: dict[str, Any],
                         item: int) -> bool:
        if self.section_applies(section) is False:
            return False
        cond = question.get("applies_when")
        if not cond or cond == "auditor_decides":
            return True
        if isinstance(cond, str):
            return self._case_condition(cond)
        return self._answer_condition(cond, section["key"], item)

    def question_required(self, question: dict[str, Any]) -> bool:
        # A question the auditor decides on is answered only when it applies.
        return bool(question.get("required", True)) and \
            question.get("applies_when") != "auditor_decides"

    # Grades --------------------------------------------------------------------------

    def rank(self, scale_key: str | None, grade: Any) -> int | None:
        """0 for the best grade of the scale; None for no grade (or a narrative)."""
        for i, level in enumerate(self.scale(scale_key)["levels"]):
            if level["key"] == grade:
                return i
        return None

    def level_label(self, scale_key: str | None, grade: Any) -> str:
        for level in self.scale(scale_key)["levels"]:
            if level["key"] == grade:
                return str(level["label"])
        return str(grade or "")

    def compared_sections(self) -> list[dict[str, Any]]:
        """The graded sections the overall grade is compared with: those it is informed by
        (all graded sections when the tool does not say), where they apply."""
        informed = set(self.overall["informed_by"]) if self.overall else set()
        graded = [s for s in self.sections if s.get("graded")
                  and self.section_applies(s) is not False]
        chosen = [s for s in graded if s["key"] in informed]
        return chosen or graded

    def section_ranks(self) -> list[int]:
        ranks = []
        for s in self.compared_sections():
            r = self.rank(s.get("scale"), self.value(s["key"], 0, GRADE))
            if r is not None:
                ranks.append(r)
        return ranks

    def suggested_grade(self) -> str | None:
        """The tool's suggestion from the section grades (lowest, median or highest)."""
        if not self.overall or self.overall.get("suggestion", "none") == "none":
            return None
        ranks = sorted(self.section_ranks())
        if not ranks:
            return None
        how = self.overall["suggestion"]
        if how == "lowest":
            rank = ranks[-1]
        elif how == "highest":
            rank = ranks[0]
        else:
            # With an even number of grades the median falls between two: take the lower
            # grade of the two (the seeds do not say; the cautious reading).
            rank = statistics.median_high(ranks)
        levels = self.scale(self.overall["scale"])["levels"]
        return str(levels[rank]["key"]) if rank < len(levels) else None

    def reason_needed(self, grade: Any = None) -> str | None:
        """The tool's rule the overall grade breaks (its words), or None."""
        if not self.overall:
            return None
        grade = grade if grade is not None else self.value(OVERALL, 0, GRADE)
        overall_rank = self.rank(self.overall["scale"], grade)
        if overall_rank is None:
            return None
        ranks = self.section_ranks()
        for rule in self.overall.get("reason_required_when") or []:
            if rule == "better_than_every_section" and ranks and overall_rank < min(ranks):
                return REASON_WHEN[rule]
            if rule == "worse_than_every_section" and ranks and overall_rank > max(ranks):
                return REASON_WHEN[rule]
            if rule == "differs_from_suggestion":
                suggestion = self.suggested_grade()
                if suggestion is not None and suggestion != grade:
                    return REASON_WHEN[rule]
        return None

    # The impact score ---------------------------------------------------------------

    def impact_question(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The tool's impact score: a number in an impact section (000: scaled out of 10)."""
        for s in self.sections:
            if s.get("kind") == "impact":
                for q in s["questions"]:
                    if q["answer"] == "number":
                        return s, q
        return None

    def impact_score(self) -> int | None:
        found = self.impact_question()
        if found is None:
            return None
        value = self.value(found[0]["key"], 0, found[1]["key"])
        return value if isinstance(value, int) else None

    # What submitting needs -----------------------------------------------------------

    def section_problems(self, section: dict[str, Any]) -> list[Problem]:
        key = section["key"]
        applies = self.section_applies(section)
        if applies is False:
            return []
        if applies is None:
            return [Problem(key, field_id(key, 0, APPLIES),
                            f"Select whether {section_label(section)} applies to this case")]
        problems: list[Problem] = []
        impact = self.impact_question()
        for item, item_label in self.items(section):
            suffix = f" for {item_label.split(':')[0].lower()}" if item_label else ""
            for q in section["questions"]:
                if not self.question_applies(section, q, item):
                    continue
                fid = field_id(key, item, q["key"])
                value = self.value(key, item, q["key"])
                required = self.question_required(q) or (
                    impact is not None and impact[1] is q and impact[0] is section)
                if required and is_empty(value):
                    problems.append(Problem(key, fid, _missing(q, question_label(section, q))
                                            + suffix))
                if q.get("comment") == "required" and (required or not is_empty(value)) \
                        and not self.comment(key, item, q["key"]).strip():
                    problems.append(Problem(key, fid + "-comment",
                                            f"Enter a comment for "
                                            f"{question_label(section, q)}{suffix}"))
        if section.get("graded"):
            if is_empty(self.value(key, 0, GRADE)):
                problems.append(Problem(key, field_id(key, 0, GRADE),
                                        f"Select a grade for {section_label(section)}"))
            if section.get("evidence") == "required" and \
                    is_empty(self.value(key, 0, EVIDENCE)):
                problems.append(Problem(key, field_id(key, 0, EVIDENCE),
                                        f"Enter the evidence for {section_label(section)}"))
        return problems

    def overall_problems(self) -> list[Problem]:
        if not self.overall:
            return []
        label = self.overall.get("label") or "Overall grade"
        problems = []
        grade = self.value(OVERALL, 0, GRADE)
        if is_empty(grade):
            problems.append(Problem(OVERALL, field_id(OVERALL, 0, GRADE),
                                    f"Select the {label.lower()}"))
        if self.overall.get("comment") == "required" and \
                is_empty(self.value(OVERALL, 0, EVIDENCE)):
            problems.append(Problem(OVERALL, field_id(OVERALL, 0, EVIDENCE),
                                    "Enter the evidence for the overall grade"))
        rule = self.reason_needed(grade)
        if rule and is_empty(self.value(OVERALL, 0, REASON)):
            problems.append(Problem(OVERALL, field_id(OVERALL, 0, REASON),
                                    f"Enter why {rule}"))
        return problems

    def problems(self) -> list[Problem]:
        found: list[Problem] = []
        for s in self.sections:
            found += self.section_problems(s)
        return found + self.overall_problems()

    def section_answered(self, section: dict[str, Any]) -> bool:
        return any(s == section["key"] and q != ADDED and
                   (not is_empty(a.value) or a.comment.strip())
                   for (s, _, q), a in self.answers.items())

    def section_status(self, section: dict[str, Any]) -> str:
        """does_not_apply, not_started, in_progress, completed or optional."""
        if self.section_applies(section) is False:
            return "does_not_apply"
        problems = self.section_problems(section)
        if not self.section_answered(section):
            return "optional" if not problems else "not_started"
        return "in_progress" if problems else "completed"

    def overall_status(self) -> str:
        if not self.overall:
            return "does_not_apply"
        answered = any(s == OVERALL for (s, _, _) in self.answers)
        if not answered:
            return "not_started"
        return "in_progress" if self.overall_problems() else "completed"


def _missing(question: dict[str, Any], where: str) -> str:
    answer = question["answer"]
    if answer == "multiple_choice":
        return f"Select at least one answer for {where}"
    if answer == "number":
        return f"Enter a number for {where}"
    if answer == "date":
        return f"Enter a date for {where}"
    if answer == "text":
        return f"Enter an answer for {where}"
    return f"Select an answer for {where}"


@dataclass
class Outcome:
    """What a submitted audit records from its answers."""

    overall_grade: str
    overall_reason: str
    impact_score: int | None


def outcome(sheet: Sheet) -> Outcome:
    grade = sheet.value(OVERALL, 0, GRADE)
    evidence = str(sheet.value(OVERALL, 0, EVIDENCE) or "").strip()
    reason = str(sheet.value(OVERALL, 0, REASON) or "").strip()
    narrative = sheet.overall is not None and bool(
        sheet.scale(sheet.overall["scale"]).get("narrative_only"))
    parts = [str(grade).strip()] if narrative and grade else []
    parts += [evidence] if evidence else []
    rule = sheet.reason_needed()
    if reason:
        parts.append(f"Why {rule}: {reason}" if rule else reason)
    return Outcome(
        overall_grade="" if narrative or grade is None else str(grade)[:40],
        overall_reason="\n\n".join(parts),
        impact_score=sheet.impact_score(),
    )


# The notices a submitted audit raises ---------------------------------------------------

def remedial_actions_recorded(sheet: Sheet) -> int:
    """How many remedial actions the audit records (003's remedial action section): items
    of a remedial_action section with at least one answer."""
    count = 0
    for section in sheet.sections:
        if section.get("kind") != "remedial_action" or sheet.section_applies(section) is False:
            continue
        for item, _label in sheet.items(section):
            if any(not is_empty(sheet.value(section["key"], item, q["key"]))
                   for q in section["questions"]):
                count += 1
    return count


def submitted_notices(*, audit: Audit, sheet: Sheet, actor: Person) -> None:
    """Tell those the framework names for "audit_submitted" (003: "all completed toolkits
    should be returned to the QA team"; 000: feedback "directly to manager or agency
    involved"), and for "remedial_action" when the audit records remedial actions (003:
    "contacting the LP and their manager to challenge and offer feedback"). The framework
    naming nobody tells nobody. Notices link to the audit and name no child."""
    link = reverse("audits:audit_detail", args=[audit.pk])
    told = [p for p in recipients_for(audit, "audit_submitted").people if p.pk != actor.pk]
    notify(recipients=told, subject="An audit has been submitted",
           body="An audit of a case you hold, oversee or follow up has been submitted. Open it "
                "to read the findings.", link=link)
    actions = remedial_actions_recorded(sheet)
    if actions:
        told = [p for p in recipients_for(audit, "remedial_action").people
                if p.pk != actor.pk]
        word = "action" if actions == 1 else "actions"
        notify(recipients=told, subject="Remedial action is needed after an audit",
               body=f"The audit records {actions} remedial {word}. Read them, and reply with "
                    "your comments and the actions you will take.", link=link,
               kind=notice_checks.REPLY, about=notice_checks.about_audit(audit))
