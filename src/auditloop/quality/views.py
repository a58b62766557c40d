"""Tier 1 quality control (003): the central team's queue, a check's page (the checklist,
pass or send back, the lead professional's fix, the confirmation) and the lead
professional's list of checks to put right. Every view of a check is logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.actions.deadline import action_deadline
from auditloop.audits import quality
from auditloop.audits.models import QualityCheck
from auditloop.audits.quality_findings import register_findings
from auditloop.common.access import client_ip, log_access
from auditloop.common.errors import DomainError
from auditloop.common.models import AccessLog
from auditloop.people.models import Person, Team

QS = QualityCheck.Status
OBJECT_TYPE = "quality_check"
PAGE_SIZE = 50
DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d %m %Y", "%Y-%m-%d"]


def _person(request: HttpRequest) -> Person | None:
    return request.user.person_or_none  # type: ignore[union-attr]


def _log_list(request: HttpRequest, ids: list[int]) -> None:
    """One access-log row for each check a list shows (one query, however many rows)."""
    AccessLog.objects.bulk_create([
        AccessLog(user=request.user,  # type: ignore[misc] # signed in: the middleware says so
                  action=AccessLog.Action.VIEW, object_type=OBJECT_TYPE,
                  object_id=str(pk), ip_address=client_ip(request), path=request.path[:300])
        for pk in ids
    ])


# ---------------------------------------------------------------------------------------
# Forms


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False,
        choices=[(QS.WAITING, "Waiting for a check"),
                 (QS.REPORTED, "Put right: to confirm"),
                 (QS.FAILED, "With the lead professional"),
                 (QS.PASSED, "Passed"), (QS.FIXED, "Fixed and passed"), ("all", "Any")])
    kind = forms.ChoiceField(label="Record", required=False)
    team = forms.ModelChoiceField(Team.objects.order_by("name"), required=False,
                                  empty_label="Any")
    age = forms.ChoiceField(label="Date of the record", required=False,
                            choices=[("", "Any")] + [(k, v[0]) for k, v in quality.AGES.items()])

    def __init__(self, *args: Any, kinds: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any"), *kinds.items()]  # type: ignore[attr-defined]


def _answer_field(question: dict[str, Any], definition: dict[str, Any]) -> forms.Field:
    kind = question["answer"]
    required = bool(question.get("required", True)) and not isinstance(
        question.get("applies_when"), dict)
    common: dict[str, Any] = {
        "label": question["text"], "required": required,
        "help_text": question.get("guidance") or "",
        "error_messages": {"required": f"Answer “{question['text']}”",
                           "invalid_choice": f"Choose an answer for “{question['text']}”"},
    }
    choices = quality.answer_choices(question, definition)
    if kind == "multiple_choice":
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple,
                                         **common)
    if choices:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "number":
        return forms.IntegerField(min_value=question.get("min"), max_value=question.get("max"),
                                  **common)
    if kind == "date":
        common["help_text"] = common["help_text"] or "For example, 27/3/2026"
        return forms.DateField(input_formats=DATE_FORMATS, **common)
    return forms.CharField(widget=forms.Textarea, **common)


class ChecklistForm(forms.Form):
    """The tool's checklist for one record, then pass or send back."""

    def __init__(self, checklist: quality.Checklist, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.sections: list[tuple[dict[str, Any], list[tuple[dict[str, Any], str, str]]]] = []
        for section in checklist.sections:
            rows = []
            for q in section["questions"]:
                name = f"{section['key']}__{q['key']}"
                self.fields[name] = _answer_field(q, checklist.definition)
                comment = ""
                if q.get("comment", "none") != "none" and q["answer"] != "text":
                    comment = f"{name}__comment"
                    self.fields[comment] = forms.CharField(
                        widget=forms.Textarea, label="Comment",
                        required=q.get("comment") == "required",
                        error_messages={"required": f"Add a comment for “{q['text']}”"})
                rows.append((q, name, comment))
            self.sections.append((section, rows))
        outcome = checklist.outcome or {}
        self.fields["outcome"] = forms.ChoiceField(
            label=outcome.get("text") or "Outcome of quality control", widget=forms.RadioSelect,
            choices=[(k, checklist.outcome_label(k)) for k in (quality.PASSED, quality.RETURNED)],
            error_messages={"required": "Choose whether it passed or goes back to the lead "
                                        "professional"})
        self.fields["to_fix"] = forms.CharField(
            label=(checklist.to_fix or {}).get("text") or "What needs to be put right",
            widget=forms.Textarea, required=False,
            help_text="Needed if you send it back. The lead professional reads this on the "
                      "check's page; their notice says only which checks were not met.")
        self.fields["agree_action"] = forms.BooleanField(
            label="Also agree an action for the lead professional", required=False,
            help_text="It appears in their actions, for you to sign off.")
        self.fields["action_due_on"] = forms.DateField(
            label="Action to be done by", required=False, input_formats=DATE_FORMATS,
            help_text="Needed if you agree an action. For example, 27/3/2026",
            error_messages={"invalid": "Enter the date as day/month/year, like 27/3/2026"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == quality.RETURNED:
            if not (data.get("to_fix") or "").strip():
                self.add_error("to_fix", "Say what the lead professional needs to put right")
            if data.get("agree_action") and not data.get("action_due_on") and not self.has_error(
                    "action_due_on"):
                self.add_error("action_due_on", "Enter the date the action is to be done by")
        if not self.errors:
            for key, message in quality.checklist_problems(self.checklist,
                                                           self.answers()).items():
                name = key.replace(".", "__")
                self.add_error(name if name in self.fields else None, message)
        return data

    def answers(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        data = getattr(self, "cleaned_data", {})
        for section, rows in self.sections:
            for q, name, comment in rows:
                value = data.get(name)
                if isinstance(value, dt.date):
                    value = value.isoformat()
                result[quality.answer_key(section, q)] = {
                    "value": value if value not in ("", None) else None,
                    "comment": (data.get(comment) or "") if comment else "",
                }
        return result


class FixForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea, label="What have you put right?",
        error_messages={"required": "Say what you put right"},
        help_text="For example: consent record completed and signed on 12 May.")


class ConfirmForm(forms.Form):
    decision = forms.ChoiceField(
        widget=forms.RadioSelect, label="Is it put right?",
        choices=[("fixed", "Yes, it is put right"),
                 ("send_back", "No, send it back to the lead professional")],
        error_messages={"required": "Choose whether it is put right"})
    note = forms.CharField(
        widget=forms.Textarea, required=False, label="What still needs to be put right",
        help_text="Needed if you send it back.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "send_back" and not (data.get("note") or "").strip():
            self.add_error("note", "Say what still needs to be put right")
        return data


# ---------------------------------------------------------------------------------------
# The queue


def _in_words(labels: list[str]) -> str:
    """"CAF assessment, Team Around the Family meeting and closure"."""
    words = [quality.in_sentence(w) for w in labels]
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def _periods(today: dt.date, labels: dict[str, str]) -> list[tuple[str, quality.QualityCounts]]:
    # 001: "12 audit cycles per calendar year": the year runs from 1 January.
    year_start = today.replace(month=1, day=1)
    return [
        ("This month", quality.quality_control_counts(start=today.replace(day=1), end=today,
                                                      labels=labels)),
        (f"Since {year_start.day} {year_start:%B %Y}",
         quality.quality_control_counts(start=year_start, end=today, labels=labels)),
    ]


@require_GET
def quality_queue(request: HttpRequest) -> HttpResponse:
    """The central team's (and the service managers') Tier 1 queue, and the counts."""
    person = _person(request)
    if not quality.is_checker(person):
        raise PermissionDenied
    # Records imported since anyone last looked join the queue now (an index lookup when
    # none are new); `auditloop quality_queue` looks at every record.
    versions = quality.quality_tools_by_kind()
    added = quality.quality_checks_create_for_new_events(by_kind=versions, only_newer=True)
    kinds = quality.kind_labels(versions)
    filters = QueueFilterForm(request.GET or None, kinds=kinds)
    criteria: dict[str, Any] = {"status": QS.WAITING}
    if filters.is_valid():
        data = filters.cleaned_data
        status = data["status"] or QS.WAITING
        criteria = {
            "status": None if status == "all" else status,
            "kind": data["kind"] or None,
            "team_id": data["team"].pk if data["team"] else None,
            "age": data["age"] or None,
        }
    checks = quality.quality_checks_queue(person=person, **criteria).defer(
        "answers", "tool_version__definition", "tool_version__source")
    page = Paginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    _log_list(request, [c.pk for c in rows])
    return render(request, "audits/quality_queue.html", {
        "filters": filters, "page": page, "rows": rows, "kinds": kinds, "added": added,
        "periods": _periods(timezone.localdate(), kinds),
        "checked_kinds": _in_words([kinds[k] for k in versions]),
    })


@require_GET
def quality_to_fix(request: HttpRequest) -> HttpResponse:
    """The lead professional's records sent back by quality control."""
    person = _person(request)
    rows = list(quality.quality_checks_to_fix(person)) if person else []
    _log_list(request, [c.pk for c in rows])
    return render(request, "audits/quality_to_fix.html", {
        "rows": rows, "labels": {c.pk: quality.kind_label(c) for c in rows}})


# ---------------------------------------------------------------------------------------
# A check


def _answer_rows(check: QualityCheck, checklist: quality.Checklist) -> list[dict[str, Any]]:
    """The recorded answers, section by section, in words."""
    sections = []
    for section in checklist.sections:
        rows = []
        for q in section["questions"]:
            entry = check.answers.get(quality.answer_key(section, q)) or {}
            labels = dict(quality.answer_choices(q, checklist.definition))
            value = entry.get("value")
            values = value if isinstance(value, list) else [value]
            text = ", ".join(labels.get(str(v), str(v)) for v in values if v not in (None, ""))
            rows.append({"question": q["text"], "answer": text or "Not answered",
                         "comment": entry.get("comment") or "", "value": value})
        sections.append({"title": section["title"], "rows": rows})
    return sections


def _check_page(request: HttpRequest, check: QualityCheck, *, status: int = 200,
                form: ChecklistForm | None = None, fix_form: FixForm | None = None,
                confirm_form: ConfirmForm | None = None, problem: str = "") -> HttpResponse:
    person = _person(request)
    checklist = quality.checklist_for(check)
    may_check = quality.may_check(person, check)
    is_lead = person is not None and check.sent_to_id == person.pk
    if form is None and may_check and check.status == QS.WAITING:
        form = ChecklistForm(checklist, initial=_initial_due())
    if fix_form is None and is_lead and check.status == QS.FAILED:
        fix_form = FixForm()
    if confirm_form is None and may_check and check.status == QS.REPORTED:
        confirm_form = ConfirmForm()
    errors = any(f is not None and f.errors for f in (form, fix_form, confirm_form))
    return render(request, "audits/quality_check.html", {
        "check": check, "case": check.event.case, "event": check.event,
        "label": quality.kind_label(check), "checklist": checklist,
        "lead": quality.lead_professional_for(check.event),
        "register": register_findings(check),
        "answers": _answer_rows(check, checklist) if check.status != QS.WAITING else [],
        "history": quality.quality_check_history(check),
        "form": form, "fix_form": fix_form, "confirm_form": confirm_form,
        "may_check": may_check, "is_lead": is_lead, "problem": problem,
        "page_has_errors": errors or bool(problem),
    }, status=status)


def _initial_due() -> dict[str, Any]:
    due = action_deadline().latest_due_on(timezone.localdate())
    if due is None:
        return {}
    return {"action_due_on": f"{due.day}/{due.month}/{due.year}"}


@require_http_methods(["GET", "POST"])
def quality_check(request: HttpRequest, check_id: int) -> HttpResponse:
    """A check: the Tier 1 checklist for the central team; the result for everyone else."""
    check = quality.get_quality_check_for_user(request.user, check_id)
    log_access(request, object_type=OBJECT_TYPE, object_id=check.pk)
    if request.method == "GET":
        return _check_page(request, check)
    person = _person(request)
    if person is None or not quality.may_check(person, check):
        raise PermissionDenied
    if check.status != QS.WAITING:
        return _check_page(request, check, status=409, problem=(
            f"This check is {check.get_status_display().lower()} already: it was recorded by "
            f"{check.checked_by or 'someone else'}. Nothing you entered was saved."))
    checklist = quality.checklist_for(check)
    form = ChecklistForm(checklist, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == quality.PASSED:
                quality.quality_check_pass(check=check, actor=person, answers=form.answers())
                message = f"The {quality.in_sentence(quality.kind_label(check))} passed."
            else:
                check = quality.quality_check_fail(
                    check=check, actor=person, answers=form.answers(), to_fix=data["to_fix"],
                    action_due_on=data["action_due_on"] if data["agree_action"] else None)
                message = (f"The {quality.in_sentence(quality.kind_label(check))} was sent "
                           f"back to {check.sent_to} to put right.")
        except DomainError as exc:
            name = (exc.field or "").replace(".", "__")
            form.add_error(name if name in form.fields else None, exc.message)
        else:
            messages.success(request, message)
            return redirect("audits:quality_queue")
    return _check_page(request, check, form=form, status=400)


@require_POST
def quality_check_fixed(request: HttpRequest, check_id: int) -> HttpResponse:
    """The lead professional says what they put right."""
    check = quality.get_quality_check_for_user(request.user, check_id)
    log_access(request, object_type=OBJECT_TYPE, object_id=check.pk)
    person = _person(request)
    if person is None or check.sent_to_id != person.pk:
        raise PermissionDenied
    form = FixForm(request.POST)
    if form.is_valid():
        try:
            quality.quality_check_report_fixed(check=check, actor=person,
                                               note=form.cleaned_data["note"])
        except DomainError as exc:
            form.add_error("note" if exc.field == "note" else None, exc.message)
        else:
            messages.success(request, "Thank you. The central team will check it and confirm.")
            return redirect("audits:quality_to_fix")
    return _check_page(request, check, fix_form=form, status=400)


@require_POST
def quality_check_confirm(request: HttpRequest, check_id: int) -> HttpResponse:
    """The central team confirms the fix, or sends the record back again."""
    check = quality.get_quality_check_for_user(request.user, check_id)
    log_access(request, object_type=OBJECT_TYPE, object_id=check.pk)
    person = _person(request)
    if person is None or not quality.may_check(person, check):
        raise PermissionDenied
    form = ConfirmForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "fixed":
                quality.quality_check_confirm_fixed(check=check, actor=person, note=data["note"])
                message = "Confirmed as put right."
            else:
                quality.quality_check_send_back(check=check, actor=person, to_fix=data["note"])
                message = "Sent back to the lead professional."
        except DomainError as exc:
            form.add_error("note" if exc.field == "note" else None, exc.message)
        else:
            messages.success(request, message)
            return redirect("audits:quality_queue")
    return _check_page(request, check, confirm_form=form, status=400)


urlpatterns: list[URLPattern] = [
    path("quality-control/", quality_queue, name="quality_queue"),
    path("quality-control/to-fix/", quality_to_fix, name="quality_to_fix"),
    path("quality-control/<int:check_id>/", quality_check, name="quality_check"),
    path("quality-control/<int:check_id>/put-right", quality_check_fixed,
         name="quality_check_fixed"),
    path("quality-control/<int:check_id>/confirm", quality_check_confirm,
         name="quality_check_confirm"),
]
