"""One audit out: the audit as the council's own form, in PDF (WeasyPrint)
and Word (python-docx), and the case note for the case management system (001).

`audit_document` gathers everything once; the two renderers only lay it out. File names
carry the audit's number, never a child's details.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from auditloop.actions.models import ActionOwner
from auditloop.audits import voices
from auditloop.audits.models import Answer, Audit, AuditAction
from auditloop.audits.submission import Sheet
from auditloop.common.dates import gds_date
from auditloop.common.pdf import html_to_pdf
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.schema import SECTION_KINDS
from auditloop.standards.selectors import framework_settings_row

# 001, "Example of case note accompanying a completed audit": the wording used when the
# framework has none of its own.
DEFAULT_CASE_NOTE_TITLE = "Quality Assurance: case audited"
DEFAULT_CASE_NOTE_TEXT = (
    "This case was audited on {audit_date} as part of the Early Help Quality Assurance "
    "process. Original audit has been sent to manager."
)
RAG_COLOURS = {"red": "D4351C", "amber": "F47738", "green": "00703C"}
# Text on each RAG fill, dark or white, whichever contrasts with it.
RAG_TEXT = {"red": "FFFFFF", "amber": "0B0C0C", "green": "FFFFFF"}


@dataclass
class QuestionLine:
    ref: str
    text: str
    answer: str
    comment: str
    finding: str = ""  # the tool's "strength" or "development", if the question is one
    answered: bool = True


@dataclass
class SectionPart:
    label: str  # "Child 1" on a repeated section, else ""
    lines: list[QuestionLine]


@dataclass
class SectionOut:
    ref: str
    title: str
    kind: str
    applies: bool
    graded: bool
    grade: str
    evidence: str
    parts: list[SectionPart]
    key: str = ""
    changed_from: str = ""  # the auditor's grade, where a settled disagreement changed it

    @property
    def heading(self) -> str:
        return f"{self.ref} {self.title}".strip()


@dataclass
class ConversationOut:
    kind: str
    outcome: str
    when: str
    minutes: str
    with_whom: str
    reason: str
    interpreter: str
    notes: str


@dataclass
class ConcernOut:
    raised: str
    summary: str
    unsafe_practice: str
    suggested_actions: str
    mash: str


@dataclass
class ActionOut:
    issue: str
    action: str
    by_whom: str
    due_on: str
    desired_outcome: str
    success_measure: str
    rag: str
    rag_key: str
    source: str
    owner: str = ""  # who owns it in the service now; the form's "by whom" if nobody does


@dataclass
class StrengthOut:
    where: str  # the section, and the child on a repeated section
    text: str


@dataclass
class CaseNote:
    title: str
    text: str


@dataclass
class AuditDocument:
    council: str
    audit_id: int
    tool_name: str
    tool_version: int
    case_reference: str
    covers_family: bool
    kind: str
    status: str
    period: str
    auditors: list[str]
    submitted_on: str
    sections: list[SectionOut]
    overall_label: str
    overall_grade: str
    final_grade: str
    overall_reason: str
    impact: str
    conversations: list[ConversationOut]
    perspective_state: str
    perspective: list[tuple[str, str]]
    concerns: list[ConcernOut]
    actions: list[ActionOut]
    case_note: CaseNote | None  # None until the framework's case_note_when says it is written
    case_note_not_yet: str
    about: list[tuple[str, str]] = field(default_factory=list)
    asks_strengths: bool = False  # whether the tool has a question marked as a strength

    @property
    def file_stem(self) -> str:
        return f"audit-{self.audit_id}"

    @property
    def summary_grades(self) -> list[SectionOut]:
        """The areas graded on this audit, for the summary that leads the document."""
        return [s for s in self.sections if s.graded and s.applies]

    @property
    def strengths(self) -> list[StrengthOut]:
        """The answers to the tool's strength questions, in the tool's order."""
        return [StrengthOut(where=s.heading + (f", {part.label}" if part.label else ""),
                            text=line.answer)
                for s in self.sections for part in s.parts for line in part.lines
                if line.finding == "strength" and line.answered]

    @property
    def strengths_none(self) -> str:
        if self.asks_strengths:
            return "No strengths recorded."
        return "The audit tool has no question on strengths: see each area's evidence."


def long_date(value: dt.date | dt.datetime | None, *, with_time: bool = False) -> str:
    """6 December 2026 (and 2:05pm): the service's one way of writing a date."""
    return gds_date(value, with_time=with_time and isinstance(value, dt.datetime))


def audited_on(audit: Audit) -> dt.date:
    """The day the audit was done: its submission (001's "audited on")."""
    if audit.submitted_at:
        return timezone.localdate(audit.submitted_at)
    moved = audit.transitions.filter(to_status=Audit.Status.SUBMITTED).order_by("-at").first()
    return timezone.localdate(moved.at) if moved else timezone.localdate()


def scale_label(scales: dict[str, Any], scale_key: str | None, grade: Any) -> str:
    if grade in (None, ""):
        return ""
    levels = scales.get(scale_key or "", {}).get("levels", [])
    return next((lv["label"] for lv in levels if lv["key"] == grade), str(grade))


def _sections(audit: Audit, sheet: Sheet) -> list[SectionOut]:
    """Each section as the tool lays it out, with only the items and questions that apply
    (the audit page's own reading of the tool: submission.Sheet)."""
    scales = sheet.definition["scales"]
    out = []
    for s in sheet.sections:
        key = s["key"]
        applies = sheet.section_applies(s) is not False
        parts = []
        for item, label in sheet.items(s) if applies else []:
            lines = [
                QuestionLine(ref=q.get("ref") or "", text=q["text"],
                             answer=voices.answer_text(q, sheet.value(key, item, q["key"]),
                                                       scales),
                             comment=sheet.comment(key, item, q["key"]),
                             finding=q.get("finding") or "",
                             answered=sheet.value(key, item, q["key"]) not in (None, "", []))
                for q in s["questions"] if sheet.question_applies(s, q, item)
            ]
            parts.append(SectionPart(label, lines))
        evidence = sheet.value(key, 0, Answer.EVIDENCE)
        out.append(SectionOut(
            ref=s.get("ref") or "", title=s["title"], kind=SECTION_KINDS.get(s["kind"], ""),
            applies=applies, graded=bool(s["graded"]),
            grade=scale_label(scales, s.get("scale"), sheet.value(key, 0, Answer.GRADE)),
            evidence=evidence if isinstance(evidence, str) and evidence
            else sheet.comment(key, 0, Answer.EVIDENCE),
            parts=parts, key=key))
    return out


def _with_changed_grades(audit: Audit, sections: list[SectionOut]) -> list[SectionOut]:
    """The grade that counts for each area a settled disagreement changed, with the
    auditor's own grade kept beside it."""
    changed = {c.section_key: c.after for c in audit.section_grade_changes.all()}
    definition = audit.tool_version.definition
    scale_of = {s["key"]: s.get("scale") for s in definition["sections"]}
    for s in sections:
        if s.key in changed:
            s.changed_from = s.grade or "no grade"
            s.grade = scale_label(definition["scales"], scale_of.get(s.key), changed[s.key])
    return sections


def impact_text(audit: Audit) -> str:
    if audit.impact_score is None:
        return ""
    for s in audit.tool_version.definition["sections"]:
        for q in s["questions"]:
            if s["kind"] == "impact" and q["answer"] == "number":
                return f"{audit.impact_score} {q.get('unit') or 'out of ' + str(q['max'])}"
    return str(audit.impact_score)


def _conversations(audit: Audit) -> list[ConversationOut]:
    return [
        ConversationOut(
            kind=c.get_kind_display(), outcome=c.get_outcome_display(),
            when=long_date(c.booked_for, with_time=True), minutes=str(c.minutes or ""),
            with_whom=c.with_whom, reason=c.reason,
            interpreter="Yes" if c.interpreter_used else "No", notes=c.notes)
        for c in voices.in_kind_order(audit.conversations.all())
    ]


def _perspective(audit: Audit) -> tuple[str, list[tuple[str, str]]]:
    p = getattr(audit, "perspective", None)
    if p is None:
        return "", []
    if p.submitted_at is None:
        return f"Asked of {p.practitioner.full_name}; not sent yet.", []
    rows = []
    for s, q in voices.perspective_questions(p.tool_version):
        got = p.answers.get(voices.answer_key(s, q)) or {}
        rows.append((q["text"], voices.answer_text(q, got.get("value"))))
    return f"From {p.practitioner.full_name}, sent {long_date(p.submitted_at)}.", rows


def _concerns(audit: Audit) -> list[ConcernOut]:
    return [
        ConcernOut(
            raised=f"{long_date(c.created_at)} by {c.raised_by.full_name}", summary=c.summary,
            unsafe_practice=c.get_unsafe_practice_display(),
            suggested_actions=c.suggested_actions,
            mash=("MASH contacted. " + c.mash_note).strip() if c.mash_contacted
            else "MASH not contacted.")
        for c in audit.concerns.select_related("raised_by").order_by("created_at", "id")
    ]


def _actions(audit: Audit) -> list[ActionOut]:
    links = (AuditAction.objects.filter(audit=audit)
             .select_related("action")
             .prefetch_related(Prefetch("action__owner_rows",
                                        queryset=ActionOwner.objects.select_related("person")))
             .order_by("action__due_on", "action_id"))
    return [
        ActionOut(issue=a.issue, action=a.action, by_whom=a.by_whom, due_on=long_date(a.due_on),
                  desired_outcome=a.desired_outcome, success_measure=a.success_measure,
                  rag=a.get_status_display(), rag_key=a.status,
                  source=link.get_source_display(),
                  owner=a.owner.full_name if a.owner else a.by_whom)
        for link in links for a in [link.action]
    ]


# Audits discussed at the QA meeting have this transition on record.
_DISCUSSED = Audit.Status.DISCUSSED


def case_note_not_yet(audit: Audit) -> str:
    """Why there is no case note for this audit yet, by the framework's case_note_when (001:
    after the QA meeting; 002: actions added to the case file note when the audit is
    loaded onto the file); "" once the note is written."""
    when = framework_settings_row().case_note_when
    W = FrameworkSettings.CaseNoteWhen
    if when == W.ON_SUBMIT:
        if audit.is_submitted_or_later:
            return ""
        return "The case note is written when the audit is submitted."
    if when == W.AFTER_QA_MEETING:
        if audit.transitions.filter(to_status=_DISCUSSED).exists():
            return ""
        return "The case note is written after the QA meeting has discussed the audit."
    return ("The framework writes no case note about an audit. The QA manager can change "
            "this in the framework settings.")


def case_note(audit: Audit, actions: list[ActionOut] | None = None) -> CaseNote:
    """The case note for the case management system: the framework's title and text with
    the audit's date (001: "This case was audited on 13/11/17 ...", written the service's one
    way: 13 November 2017), and the actions."""
    row = framework_settings_row()
    title = row.case_note_title or DEFAULT_CASE_NOTE_TITLE
    text = (row.case_note_text or DEFAULT_CASE_NOTE_TEXT).replace(
        "{audit_date}", gds_date(audited_on(audit)))
    actions = _actions(audit) if actions is None else actions
    if actions:
        lines = [f"{n}. {a.action} (by {a.by_whom}, by {a.due_on}). How we will know it has "
                 f"worked: {a.success_measure}" for n, a in enumerate(actions, 1)]
        text += "\n\nActions agreed:\n" + "\n".join(lines)
    return CaseNote(title=title, text=text)


def audit_document(audit: Audit) -> AuditDocument:
    definition = audit.tool_version.definition
    overall = definition.get("overall") or {}
    scales = definition["scales"]
    actions = _actions(audit)
    state, perspective = _perspective(audit)
    not_yet = case_note_not_yet(audit)
    final = audit.final_grade if audit.final_grade != audit.overall_grade else ""
    auditors = [f"{a.person.full_name} ({a.get_role_display().lower()})"
                + (f", until {long_date(a.ended_at)}: {a.end_reason}" if a.ended_at else "")
                for a in audit.assignments.all()]
    doc = AuditDocument(
        council=settings.COUNCIL_NAME, audit_id=audit.pk, tool_name=definition["name"],
        tool_version=audit.tool_version.number, case_reference=audit.case.reference,
        covers_family=audit.covers_family, kind=audit.get_kind_display(),
        status=audit.get_status_display(),
        period=f"{long_date(audit.period_start)} to {long_date(audit.period_end)}",
        auditors=auditors, submitted_on=long_date(audit.submitted_at),
        sections=_with_changed_grades(audit, _sections(audit, Sheet.for_audit(audit))),
        overall_label=overall.get("label") or "Overall grade",
        overall_grade=scale_label(scales, overall.get("scale"), audit.overall_grade),
        final_grade=scale_label(scales, overall.get("scale"), final),
        overall_reason=audit.overall_reason, impact=impact_text(audit),
        conversations=_conversations(audit), perspective_state=state,
        perspective=perspective, concerns=_concerns(audit), actions=actions,
        case_note=None if not_yet else case_note(audit, actions),
        case_note_not_yet=not_yet,
        asks_strengths=any(q.get("finding") == "strength"
                           for s in definition["sections"] for q in s["questions"]),
    )
    doc.about = [
        ("Council", doc.council),
        ("Case reference", doc.case_reference + (" (the whole family)" if doc.covers_family
                                                 else "")),
        ("Audit", f"{doc.audit_id}: {doc.kind.lower()}, {doc.status.lower()}"),
        ("Audit tool", f"{doc.tool_name}, version {doc.tool_version}"),
        ("Period under review", doc.period),
        ("Auditors", "; ".join(doc.auditors) or "None"),
        ("Submitted", doc.submitted_on or "Not yet"),
    ]
    return doc


@dataclass
class GradeSummary:
    sections: list[SectionOut]
    overall_label: str
    overall_grade: str
    final_grade: str
    overall_reason: str
    impact: str


def grade_summary(audit: Audit) -> GradeSummary:
    """The findings the practice reads with its feedback: each graded section's grade and
    evidence, and the overall grade."""
    definition = audit.tool_version.definition
    overall = definition.get("overall") or {}
    scales = definition["scales"]
    final = audit.final_grade if audit.final_grade != audit.overall_grade else ""
    sections = [s for s in _with_changed_grades(audit, _sections(audit, Sheet.for_audit(audit)))
                if s.graded and s.applies]
    return GradeSummary(
        sections=sections,
        overall_label=overall.get("label") or "Overall grade",
        overall_grade=scale_label(scales, overall.get("scale"), audit.overall_grade),
        final_grade=scale_label(scales, overall.get("scale"), final),
        overall_reason=audit.overall_reason, impact=impact_text(audit))


def render_html(doc: AuditDocument, *, stamp: Any = None) -> str:
    """`stamp` (common.exports.ExportStamp) puts who exported it and when in each page's
    footer and the PDF's author and created date."""
    return render_to_string("audits/export_audit.html", {
        "doc": doc, "stamp": stamp,
        "created": stamp.at.astimezone(dt.UTC).isoformat() if stamp else ""})


def render_pdf(doc: AuditDocument, *, stamp: Any = None) -> bytes:
    return html_to_pdf(render_html(doc, stamp=stamp))


def render_docx(doc: AuditDocument) -> bytes:
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    word = Document()
    word.core_properties.title = f"Audit {doc.audit_id}"
    word.core_properties.subject = doc.tool_name
    style = word.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)

    def table(headers: list[str] | None, rows: list[list[str]]) -> Any:
        t = word.add_table(rows=1 if headers else 0, cols=len(headers or rows[0]))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells if headers else [], headers or [], strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        if headers:
            # A header row that Word repeats on each page and screen readers announce.
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            t.rows[0]._tr.get_or_add_trPr().append(repeat)
        for row in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
        return t

    def labelled(label: str, text: str) -> None:
        p = word.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(text)

    def rag_shade(t: Any) -> None:
        for row, a in zip(t.rows[1:], doc.actions, strict=True):
            shade = OxmlElement("w:shd")
            shade.set(qn("w:val"), "clear")
            shade.set(qn("w:fill"), RAG_COLOURS.get(a.rag_key, "FFFFFF"))
            row.cells[-1]._tc.get_or_add_tcPr().append(shade)
            for run in row.cells[-1].paragraphs[0].runs:
                run.bold = True
                run.font.color.rgb = RGBColor.from_string(RAG_TEXT.get(a.rag_key, "0B0C0C"))

    word.add_paragraph(doc.council)
    word.add_heading(doc.tool_name, level=0)
    table(None, [[k, v] for k, v in doc.about])

    # Page one: the summary (as in the PDF); the whole audit follows from page two.
    word.add_heading("Summary", level=1)
    labelled(doc.overall_label, doc.overall_grade or "Not graded")
    if doc.final_grade:
        labelled("Final grade after moderation or a disagreement", doc.final_grade)
    if doc.overall_reason:
        labelled("Reason", doc.overall_reason)
    word.add_heading("Grades by area", level=2)
    if doc.summary_grades:
        table(["Area", "Grade"],
              [[s.heading, (s.grade or "Not graded")
                + (f" (changed from {s.changed_from})" if s.changed_from else "")]
               for s in doc.summary_grades])
    else:
        word.add_paragraph("No area of this audit is graded on its own.")
    word.add_heading("Key strengths", level=2)
    for st in doc.strengths:
        word.add_paragraph(f"{st.text} ({st.where})", style="List Bullet")
    if not doc.strengths:
        word.add_paragraph(doc.strengths_none)
    word.add_heading("Actions", level=2)
    if doc.actions:
        rag_shade(table(["Action", "Owner", "Due", "RAG"],
                        [[a.action, a.owner, a.due_on, a.rag] for a in doc.actions]))
    else:
        word.add_paragraph("No actions agreed.")
    word.add_page_break()

    for s in doc.sections:
        word.add_heading(s.heading, level=1)
        if not s.applies:
            word.add_paragraph("Does not apply to this case.")
            continue
        if s.graded:
            labelled("Grade", (s.grade or "Not graded") + (
                f" (changed from {s.changed_from} when a disagreement was settled)"
                if s.changed_from else ""))
        for part in s.parts:
            if part.label:
                word.add_heading(part.label, level=2)
            table(["Question", "Answer", "Comments"],
                  [[f"{q.ref} {q.text}".strip(), q.answer, q.comment] for q in part.lines])
        if s.evidence:
            labelled("Evidence", s.evidence)

    word.add_heading(doc.overall_label, level=1)
    labelled("Grade", doc.overall_grade or "Not graded")
    if doc.final_grade:
        labelled("Final grade after moderation or a disagreement", doc.final_grade)
    if doc.overall_reason:
        labelled("Reason", doc.overall_reason)
    if doc.impact:
        labelled("Impact score", doc.impact)

    word.add_heading("Conversations", level=1)
    if doc.conversations:
        table(["Conversation", "Outcome", "When", "Minutes", "With", "Interpreter or "
               "Language Line", "Notes or reason"],
              [[c.kind, c.outcome, c.when, c.minutes, c.with_whom, c.interpreter,
                c.notes or c.reason] for c in doc.conversations])
    else:
        word.add_paragraph("No conversations recorded.")

    word.add_heading("Perspective of the worker", level=1)
    word.add_paragraph(doc.perspective_state or "Not asked for on this audit.")
    if doc.perspective:
        table(["Question", "Answer"], [[q, a] for q, a in doc.perspective])

    if doc.concerns:
        word.add_heading("Immediate safeguarding concerns", level=1)
        for c in doc.concerns:
            labelled("Raised", c.raised)
            labelled("Summary of concerns", c.summary)
            labelled("Unsafe practice", c.unsafe_practice)
            labelled("Suggested actions", c.suggested_actions)
            word.add_paragraph(c.mash)

    word.add_heading("Actions agreed", level=1)
    if doc.actions:
        rag_shade(table(["Issue", "Action", "By whom", "By when", "Desired outcome",
                         "How will we know it has worked?", "RAG"],
                        [[a.issue, a.action, a.by_whom, a.due_on, a.desired_outcome,
                          a.success_measure, a.rag] for a in doc.actions]))
    else:
        word.add_paragraph("No actions agreed.")

    word.add_heading("Case note", level=1)
    if doc.case_note is None:
        word.add_paragraph(doc.case_note_not_yet)
    else:
        labelled("Title", doc.case_note.title)
        for line in doc.case_note.text.split("\n"):
            word.add_paragraph(line)

    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
