"""The audit page's fields (built from the tool version, read from what the browser sends)
and the QA manager's form for an audit made by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from auditloop.audits import selectors
from auditloop.audits.conflicts import Subject, conflicts_of_interest, refusal
from auditloop.audits.models import Answer, Audit
from auditloop.audits.submission import (
    APPLIES,
    EVIDENCE,
    GRADE,
    OVERALL,
    REASON,
    Sheet,
    field_id,
)
from auditloop.cases.models import Case
from auditloop.common.dates import gds_date
from auditloop.common.idempotency import IdempotentForm
from auditloop.common.widgets import staff_select
from auditloop.people.models import Person
from auditloop.standards.schema import RAG, REASON_WHEN, YES_NO
from auditloop.standards.selectors import framework_settings_row, latest_version

# Guidance up to this long sits under the question as a hint; longer guidance goes in a
# "Guidance" details component so the question itself stays easy to find.
HINT_MAX = 200
RADIO_KINDS = {"grade", "yes_no", "rag", "choice"}


@dataclass
class Option:
    key: str
    label: str
    hint: str = ""


@dataclass
class AuditField:
    """One answer on the page: what the tool asks and what is saved."""

    section_key: str
    item: int
    key: str
    kind: str  # an answer type of schema.ANSWERS, or "narrative" for a narrative grade
    label: str
    hint: str = ""
    guidance: str = ""
    options: list[Option] = field(default_factory=list)
    comment: str = "none"  # the comment box: required, optional or none
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    condition: dict[str, Any] | None = None  # an answer condition, shown by the page's script
    condition_text: str = ""
    origin: str = "seed"
    inline: bool = False
    large_label: bool = False
    value: Any = None
    comment_value: str = ""
    revision: int | None = None
    saved: str = ""  # fingerprint of the saved answer (see `was`)
    error: str = ""
    comment_error: str = ""
    raw: dict[str, str] = field(default_factory=dict)  # what was typed, when it was wrong
    conflict: Answer | None = None

    @property
    def id(self) -> str:
        return field_id(self.section_key, self.item, self.key)

    @property
    def was(self) -> str:
        """The saved answer's fingerprint: what the page was showing when it loaded."""
        return self.saved or fingerprint(None, "")

    @property
    def date_parts(self) -> dict[str, str]:
        if self.raw:
            return self.raw
        if isinstance(self.value, str):
            try:
                d = dt.date.fromisoformat(self.value)
            except ValueError:
                return {}
            return {"day": str(d.day), "month": str(d.month), "year": str(d.year)}
        return {}

    @property
    def text_value(self) -> str:
        if "value" in self.raw:
            return self.raw["value"]
        return "" if self.value is None else str(self.value)

    def checked(self, key: str) -> bool:
        if isinstance(self.value, list):
            return key in self.value
        return self.value == key


def fingerprint(value: Any, comment: str) -> str:
    """A short digest of an answer as the page showed it: a field whose posted answer still
    matches was not touched, so saving the page never disturbs what a partner saved."""
    text = json.dumps([value, comment or ""], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _tidy(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _split_guidance(text: str) -> tuple[str, str]:
    text = (text or "").strip()
    if text and len(text) <= HINT_MAX and "\n" not in text:
        return text, ""
    return "", text


def _grade_options(scale: dict[str, Any]) -> list[Option]:
    """A scale's grades, each with its definition as the radio's hint. A grade the seed
    does not define has no hint: the auditor is not told about seeds."""
    return [Option(lv["key"], lv["label"], lv.get("definition") or "")
            for lv in scale["levels"]]


def _scale_hint(scale: dict[str, Any]) -> str:
    """The hint above a grade question: it promises definitions only where there are some."""
    defined = [lv for lv in scale["levels"] if lv.get("definition")]
    if not defined:
        return ""
    if len(defined) == len(scale["levels"]):
        return f"{scale['name']}: each grade's definition is under it."
    return f"{scale['name']}: where a grade has a definition, it is under the grade."


def _options(sheet: Sheet, q: dict[str, Any]) -> list[Option]:
    kind = q["answer"]
    if kind == "grade":
        return _grade_options(sheet.scale(q.get("scale")))
    if kind == "yes_no":
        return [Option(o, YES_NO[o]) for o in q.get("options") or YES_NO]
    if kind == "rag":
        return [Option(k, label, (q.get("definitions") or {}).get(k, ""))
                for k, label in RAG.items()]
    if kind in ("choice", "multiple_choice"):
        return [Option(c["key"], c["label"]) for c in q.get("choices") or []]
    return []


def _condition_text(sheet: Sheet, cond: Any) -> str:
    if not isinstance(cond, dict):
        return ""
    section_key, _, question_key = cond["answer"].partition(".")
    section = sheet.section(section_key)
    question = next((q for q in (section or {}).get("questions", [])
                     if q["key"] == question_key), None)
    if question is None:
        return ""
    labels = {o.key: o.label for o in _options(sheet, question)}
    wanted = " or ".join(f"“{labels.get(v, v)}”" for v in cond["in"])
    ref = f"{question.get('ref')}. " if question.get("ref") else ""
    return f"Answer this only if the answer to “{ref}{question['text'].strip()}” is {wanted}."


def _with_answer(f: AuditField, sheet: Sheet) -> AuditField:
    a = sheet.answer(f.section_key, f.item, f.key)
    if a is not None:
        f.value, f.comment_value, f.revision = a.value, a.comment, a.revision
        f.saved = fingerprint(a.value, a.comment)
    return f


def question_field(sheet: Sheet, s: dict[str, Any], q: dict[str, Any], item: int) -> AuditField:
    kind = q["answer"]
    if kind == "grade" and sheet.scale(q.get("scale")).get("narrative_only"):
        kind = "narrative"
    hint, guidance = _split_guidance(q.get("guidance", ""))
    if kind == "number":
        rng = f"A whole number from {q['min']} to {q['max']}"
        hint = f"{hint} {rng}." if hint else f"{rng}."
    cond = q.get("applies_when") if isinstance(q.get("applies_when"), dict) else None
    return _with_answer(AuditField(
        section_key=s["key"], item=item, key=q["key"], kind=kind,
        label=f"{q['ref']}. {q['text'].strip()}" if q.get("ref") else q["text"].strip(),
        hint=hint, guidance=guidance, options=_options(sheet, q),
        comment=q.get("comment") or "none", required=sheet.question_required(q),
        minimum=q.get("min"), maximum=q.get("max"), unit=q.get("unit") or "",
        condition=cond, condition_text=_condition_text(sheet, cond), origin=q.get("origin")
        or "seed", inline=kind == "yes_no" and len(q.get("options") or YES_NO) <= 4,
    ), sheet)


def applies_field(sheet: Sheet, s: dict[str, Any]) -> AuditField:
    return _with_answer(AuditField(
        section_key=s["key"], item=0, key=APPLIES, kind="yes_no",
        label="Does this section apply to this case?",
        hint="If it does not, you do not need to answer its questions.",
        options=[Option("yes", "Yes"), Option("no", "No")], inline=True, large_label=True,
    ), sheet)


def grade_field(sheet: Sheet, s: dict[str, Any]) -> AuditField:
    scale = sheet.scale(s.get("scale"))
    return _with_answer(AuditField(
        section_key=s["key"], item=0, key=GRADE,
        kind="narrative" if scale.get("narrative_only") else "grade",
        label=f"Grade for {s['title']}",
        hint=_scale_hint(scale), options=_grade_options(scale), large_label=True,
    ), sheet)


def evidence_field(sheet: Sheet, s: dict[str, Any]) -> AuditField:
    return _with_answer(AuditField(
        section_key=s["key"], item=0, key=EVIDENCE, kind="text",
        label=f"Evidence for the grade for {s['title']}",
        hint="What you found on the file and in the conversations that supports the grade.",
        required=s.get("evidence") == "required",
    ), sheet)


def section_fields(sheet: Sheet, s: dict[str, Any]) -> dict[str, Any]:
    """Everything on a section's page: the 'does it apply' question, the items with their
    questions, the section's grade and evidence."""
    items = []
    for item, label in sheet.items(s):
        items.append({"item": item, "label": label,
                      "fields": [question_field(sheet, s, q, item) for q in s["questions"]]})
    return {
        "applies": applies_field(sheet, s) if s.get("applies_when") == "auditor_decides"
        else None,
        "items": items,
        "grade": grade_field(sheet, s) if s.get("graded") else None,
        "evidence": evidence_field(sheet, s) if s.get("graded") and s.get("evidence") != "none"
        else None,
    }


def all_section_fields(page: dict[str, Any]) -> list[AuditField]:
    found = [page["applies"]] if page["applies"] else []
    for item in page["items"]:
        found += item["fields"]
    return found + [f for f in (page["grade"], page["evidence"]) if f]


def overall_fields(sheet: Sheet) -> list[AuditField]:
    overall = sheet.overall
    if not overall:
        return []
    scale = sheet.scale(overall["scale"])
    label = overall.get("label") or "Overall grade"
    hint, guidance = _split_guidance(overall.get("guidance", ""))
    found = [_with_answer(AuditField(
        section_key=OVERALL, item=0, key=GRADE,
        kind="narrative" if scale.get("narrative_only") else "grade", label=label,
        hint=hint or _scale_hint(scale),
        guidance=guidance, large_label=True, origin=overall.get("origin") or "seed",
        options=_grade_options(scale),
    ), sheet)]
    if overall.get("comment", "required") != "none":
        found.append(_with_answer(AuditField(
            section_key=OVERALL, item=0, key=EVIDENCE, kind="text",
            label="Evidence for the overall grade",
            hint="Enough to evidence the grade and inform improved practice, or to show "
                 "good practice.",
            required=overall.get("comment") == "required",
        ), sheet))
    rules = overall.get("reason_required_when") or []
    if rules:
        found.append(_with_answer(AuditField(
            section_key=OVERALL, item=0, key=REASON, kind="text",
            label="Why does the overall grade differ from the section grades?",
            hint="Needed when " + ", or when ".join(REASON_WHEN[r] for r in rules) + ".",
            required=bool(sheet.reason_needed()),
        ), sheet))
    return found


def field_by_id(sheet: Sheet, fid: str) -> AuditField | None:
    """The field a browser names, if the tool version has it on this audit."""
    section_key, _, rest = fid.partition(".")
    item_text, _, key = rest.partition(".")
    if not item_text.isdigit():
        return None
    item = int(item_text)
    if section_key == OVERALL:
        return next((f for f in overall_fields(sheet) if f.id == fid), None)
    s = sheet.section(section_key)
    if s is None:
        return None
    if key == APPLIES:
        return applies_field(sheet, s) if s.get("applies_when") == "auditor_decides" else None
    if key in (GRADE, EVIDENCE):
        page = section_fields(sheet, s)
        return page["grade"] if key == GRADE else page["evidence"]
    if item not in {i for i, _ in sheet.items(s)}:
        return None
    q = next((q for q in s["questions"] if q["key"] == key), None)
    return question_field(sheet, s, q, item) if q else None


@dataclass
class Posted:
    value: Any
    comment: str
    revision: int | None
    was: str | None
    error: str = ""
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.was is None or fingerprint(self.value, self.comment) != self.was


def read_field(f: AuditField, data: QueryDict) -> Posted:
    """What the browser sent for one field, checked against what the tool allows."""
    fid = f.id
    comment = _tidy(data.get(f"{fid}-comment", "")) if f.comment != "none" else ""
    rev_text = data.get(f"{fid}-revision", "")
    revision = int(rev_text) if rev_text.isdigit() else None
    was = data.get(f"{fid}-was")
    value: Any = None
    error = ""
    raw: dict[str, str] = {}
    keys = [o.key for o in f.options]
    if f.kind in RADIO_KINDS:
        chosen = data.get(fid, "")
        if chosen and chosen not in keys:
            error = "Select one of the answers"
        else:
            value = chosen or None
    elif f.kind == "multiple_choice":
        chosen_list = data.getlist(fid)
        value = [k for k in keys if k in chosen_list] or None
    elif f.kind == "number":
        text = data.get(fid, "").strip()
        if text:
            message = f"Enter a whole number from {f.minimum} to {f.maximum}"
            try:
                value = int(text)
            except ValueError:
                error, raw = message, {"value": text}
            else:
                if (f.minimum is not None and value < f.minimum) or (
                        f.maximum is not None and value > f.maximum):
                    error, raw, value = message, {"value": text}, None
    elif f.kind == "date":
        parts = {p: data.get(f"{fid}-{p}", "").strip() for p in ("day", "month", "year")}
        if any(parts.values()):
            try:
                value = dt.date(int(parts["year"]), int(parts["month"]),
                                int(parts["day"])).isoformat()
            except ValueError:
                error, raw = "The date must be a real date, for example 27 3 2026", parts
    else:
        value = _tidy(data.get(fid, "")) or None
    return Posted(value=None if error else value, comment=comment, revision=revision,
                  was=was, error=error, raw=raw)


def display_value(f: AuditField, value: Any) -> str:
    """An answer in words, as the auditor chose it."""
    if value is None or value == [] or value == "":
        return "Not answered"
    labels = {o.key: o.label for o in f.options}
    if isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    if f.kind == "date" and isinstance(value, str):
        try:
            return gds_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if f.kind == "number":
        return f"{value} {f.unit}".strip()
    return labels.get(value, str(value)) if isinstance(value, str) else str(value)


# The QA manager's audit made by hand ------------------------------------------------------

KINDS = [Audit.Kind.REQUESTED, Audit.Kind.CASE_AUDIT, Audit.Kind.THEMATIC,
         Audit.Kind.MULTI_AGENCY]


class AuditorChoiceField(forms.ModelChoiceField):
    widget = staff_select()

    def label_from_instance(self, obj: Any) -> str:
        team = f", {obj.team.name}" if obj.team_id and obj.team else ""
        return f"{obj.full_name}{team}"


class NewAuditForm(IdempotentForm):
    # Sent by POST so that a child's reference never sits in a URL or a server log.
    reference = forms.CharField(
        max_length=64, label="Case reference",
        help_text="The case or child reference, as it is in the case register.",
        error_messages={"required": "Enter the case reference"})
    tool = forms.ChoiceField(widget=forms.RadioSelect, label="Audit tool",
                             error_messages={"required": "Choose the audit tool",
                                             "invalid_choice": "Choose one of the audit tools"})
    kind = forms.ChoiceField(widget=forms.RadioSelect, label="What kind of audit is it?",
                             choices=[(k.value, k.label) for k in KINDS],
                             initial=Audit.Kind.REQUESTED,
                             error_messages={"required": "Choose what kind of audit it is"})
    first_auditor = AuditorChoiceField(
        queryset=Person.objects.none(), label="Auditor", empty_label="Choose an auditor",
        error_messages={"required": "Choose the auditor",
                        "invalid_choice": "Choose an auditor from the list"})
    second_auditor = AuditorChoiceField(
        queryset=Person.objects.none(), required=False, label="Second auditor (optional)",
        empty_label="No second auditor",
        help_text="Auditors may work in pairs: both can fill in the audit.",
        error_messages={"invalid_choice": "Choose an auditor from the list"})
    due_day = forms.IntegerField(required=False, label="Day", min_value=1, max_value=31)
    due_month = forms.IntegerField(required=False, label="Month", min_value=1, max_value=12)
    due_year = forms.IntegerField(required=False, label="Year", min_value=2000,
                                  max_value=2100)
    reason = forms.CharField(
        max_length=300, widget=forms.Textarea, label="Why is this case being audited?",
        help_text="For example, who asked for it and why, or the theme.",
        error_messages={"required": "Enter why the case is being audited",
                        "max_length": "Why the case is being audited must be 300 characters "
                                      "or fewer"})
    covers_family = forms.BooleanField(
        required=False, label="The audit covers the whole family",
        help_text="Every child with the same family reference in the case register.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {v.tool.key: v for v in selectors.case_audit_tool_versions()}
        in_use = set(framework_settings_row().tools or [])
        self.fields["tool"].choices = [  # type: ignore[attr-defined]
            (key, f"{v.tool.name} (version {v.number})"
                  + ("" if key in in_use else ", not one of the framework's tools"))
            for key, v in self.versions.items()]
        pool = selectors.auditor_pool()
        self.fields["first_auditor"].queryset = pool  # type: ignore[attr-defined]
        self.fields["second_auditor"].queryset = pool  # type: ignore[attr-defined]
        self.case: Case | None = None

    def clean_reference(self) -> str:
        text = self.cleaned_data["reference"].strip()
        forms_of = {text, text.upper()}
        found = list(Case.objects.filter(Q(reference__in=forms_of)
                                         | Q(child_identifier__in=forms_of))[:2])
        if not found:
            if Case.objects.filter(family_identifier__in=forms_of).exists():
                raise forms.ValidationError(
                    "This is a family reference: enter the case reference of one child in "
                    "the family, and choose ‘The audit covers the whole family’")
            raise forms.ValidationError(
                "No case has this reference: check it against the case register")
        if len(found) > 1:
            raise forms.ValidationError(
                "More than one case has this reference: enter the case reference")
        self.case = found[0]
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._clean_due(data)
        first, second = data.get("first_auditor"), data.get("second_auditor")
        if first and second and first == second:
            self.add_error("second_auditor", "Choose a different second auditor, or none")
        if self.case is not None:
            chosen = {name: data[name] for name in ("first_auditor", "second_auditor")
                      if data.get(name) is not None and name not in self.errors}
            found = conflicts_of_interest(
                [p.pk for p in chosen.values()],
                {self.case.pk: Subject(self.case.pk, period_end=timezone.localdate(),
                                       family=bool(data.get("covers_family")))})
            for name, person in chosen.items():
                reasons = found.get((person.pk, self.case.pk))
                if reasons:
                    self.add_error(name, refusal(person.full_name, reasons))
        return data

    def _clean_due(self, data: dict[str, Any]) -> None:
        parts = [data.get("due_day"), data.get("due_month"), data.get("due_year")]
        if any(f in self.errors for f in ("due_day", "due_month", "due_year")):
            return
        if not any(parts):
            self.add_error("due_day", "Enter the date the audit is due")
            return
        if not all(parts):
            self.add_error("due_day", "The due date must include a day, month and year")
            return
        try:
            due = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))  # type: ignore[arg-type]
        except ValueError:
            self.add_error("due_day", "The due date must be a real date")
            return
        if due < timezone.localdate():
            self.add_error("due_day", "The due date must be today or in the future")
            return
        data["due_on"] = due

    @property
    def tool_version(self) -> Any:
        key = self.cleaned_data["tool"]
        return latest_version(key) if key in self.versions else None

