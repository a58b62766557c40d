"""What the moderator reads beside the grades once their own are saved: for each section of
the tool, the auditor's grade and theirs, the auditor's evidence and the auditor's answers
in words; and the overall grade with the evidence both gave. Never built for a blind review:
before the moderator's own grades are saved, nothing of the auditor's work leaves here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditloop.audits.forms import AuditField, display_value, overall_fields, section_fields
from auditloop.audits.submission import EVIDENCE, GRADE, Sheet
from auditloop.moderation.models import OVERALL, ModerationGrade, ModerationReview
from auditloop.moderation.services import GradedSection, graded_sections


@dataclass(frozen=True)
class Answered:
    """One of the auditor's answers in words, with the comment they added."""

    label: str
    text: str
    comment: str = ""


@dataclass
class Part:
    """One repeat of a section (a child, an action), or the section itself."""

    label: str
    answers: list[Answered] = field(default_factory=list)


@dataclass
class SectionSide:
    """A section of the tool, or its overall grade (key OVERALL): the two grades (graded
    sections only), the auditor's evidence and their answers."""

    key: str
    title: str
    grade: ModerationGrade | None
    scale: GradedSection | None
    applies: bool = True
    evidence: str = ""
    parts: list[Part] = field(default_factory=list)

    @property
    def answer_count(self) -> int:
        return sum(len(p.answers) for p in self.parts)

    def label(self, grade: str) -> str:
        return self.scale.label(grade) if self.scale else grade


def _answered(f: AuditField) -> Answered:
    return Answered(f.label, display_value(f, f.value), f.comment_value)


def comparison(review: ModerationReview) -> list[SectionSide]:
    """The tool's sections in order, then the overall grade. Empty while the review is
    blind: the caller may pass any review, and this is the one place that holds the rule."""
    if review.is_blind:
        return []
    audit = review.audit
    sheet = Sheet.for_audit(audit)
    grades = {g.section_key: g for g in review.grades.all()}
    scales = {s.key: s for s in graded_sections(audit.tool_version)}
    out: list[SectionSide] = []
    for s in sheet.sections:
        title = f"{s['ref']}. {s['title']}" if s.get("ref") else s["title"]
        side = SectionSide(s["key"], title, grades.get(s["key"]), scales.get(s["key"]))
        if sheet.section_applies(s) is False:
            side.applies = False
            out.append(side)
            continue
        page = section_fields(sheet, s)
        if page["applies"] is not None:
            side.parts.append(Part("", [_answered(page["applies"])]))
        for item in page["items"]:
            answers = [_answered(f) for f in item["fields"]
                       if sheet.question_applies(s, _question(s, f.key), f.item)]
            if answers:
                side.parts.append(Part(item["label"], answers))
        if page["grade"] is not None and side.grade is None:
            # A narrative grade, or a section the moderator did not grade: the auditor's
            # words are part of their answers.
            side.parts.append(Part("", [_answered(page["grade"])]))
        evidence = sheet.value(s["key"], 0, EVIDENCE)
        side.evidence = str(evidence or "").strip()
        out.append(side)
    if sheet.overall:
        overall = SectionSide(OVERALL, sheet.overall.get("label") or "Overall grade",
                              grades.get(OVERALL), scales.get(OVERALL))
        overall.evidence = (str(sheet.value(OVERALL, 0, EVIDENCE) or "").strip()
                            or audit.overall_reason.strip())
        # The overall grade and its evidence are shown above; the rest (a reason the tool
        # asks for, a narrative grade) are answers.
        rest = [f for f in overall_fields(sheet)
                if not (f.key == EVIDENCE or (f.key == GRADE and overall.grade is not None))
                and f.value not in (None, "", [])]
        if rest:
            overall.parts.append(Part("", [_answered(f) for f in rest]))
        out.append(overall)
    return out


def _question(section: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for q in section["questions"] if q["key"] == key)
