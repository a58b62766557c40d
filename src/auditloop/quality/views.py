"""Tier 1 quality control (003): the central team's queue, a check's page (the checklist,
pass or send back, the lead professional's fix, the confirmation) and the lead
professional's list of checks to put right. Every view of a check is logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.actions.deadline import action_deadline
from auditloop.common.access import log_access, log_access_many
from auditloop.common.errors import DomainError
from auditloop.people.models import Person
from auditloop.people.roles import Capability
from auditloop.quality import checklist as tool
from auditloop.quality import selectors, services
from auditloop.quality.findings import register_findings
from auditloop.quality.forms import ChecklistForm, ConfirmForm, FixForm, QueueFilterForm
from auditloop.quality.models import QualityCheck

QS = QualityCheck.Status
OBJECT_TYPE = "quality_check"
PAGE_SIZE = 50


def _person(request: HttpRequest) -> Person | None:
    return request.user.person_or_none  # type: ignore[union-attr]


def _log_list(request: HttpRequest, ids: list[int]) -> None:
    """One access-log row for each check a list shows (one query, however many rows)."""
    log_access_many(request, object_type=OBJECT_TYPE, object_ids=ids)


# ---------------------------------------------------------------------------------------
# The queue


def _in_words(labels: list[str]) -> str:
    """"CAF assessment, Team Around the Family meeting and closure"."""
    words = [tool.in_sentence(w) for w in labels]
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def _periods(today: dt.date, labels: dict[str, str]) -> list[tuple[str, selectors.QualityCounts]]:
    # 001: "12 audit cycles per calendar year": the year runs from 1 January.
    year_start = today.replace(month=1, day=1)
    return [
        ("This month", selectors.quality_control_counts(start=today.replace(day=1), end=today,
                                                      labels=labels)),
        (f"Since {year_start.day} {year_start:%B %Y}",
         selectors.quality_control_counts(start=year_start, end=today, labels=labels)),
    ]


@require_GET
def quality_queue(request: HttpRequest) -> HttpResponse:
    """The central team's (and the service managers') Tier 1 queue, and the counts."""
    person = _person(request)
    if not selectors.is_checker(person):
        raise PermissionDenied
    # Reads only: records join the queue as each import finishes (quality/handlers.py),
    # and `auditloop quality_queue` catches up on every record.
    versions = tool.quality_tools_by_kind()
    kinds = tool.kind_labels(versions)
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
    checks = selectors.quality_checks_queue(person=person, **criteria).defer(
        "answers", "tool_version__definition", "tool_version__source")
    page = Paginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    _log_list(request, [c.pk for c in rows])
    return render(request, "quality/queue.html", {
        "filters": filters, "page": page, "rows": rows, "kinds": kinds,
        "periods": _periods(timezone.localdate(), kinds),
        "checked_kinds": _in_words([kinds[k] for k in versions]),
    })


@require_GET
def quality_to_fix(request: HttpRequest) -> HttpResponse:
    """The lead professional's records sent back by quality control."""
    person = _person(request)
    rows = list(selectors.quality_checks_to_fix(person)) if person else []
    _log_list(request, [c.pk for c in rows])
    return render(request, "quality/to_fix.html", {
        "rows": rows, "labels": {c.pk: tool.kind_label(c) for c in rows}})


# ---------------------------------------------------------------------------------------
# A check


def _answer_rows(check: QualityCheck, checklist: tool.Checklist) -> list[dict[str, Any]]:
    """The recorded answers, section by section, in words."""
    sections = []
    for section in checklist.sections:
        rows = []
        for q in section["questions"]:
            entry = check.answers.get(tool.answer_key(section, q)) or {}
            labels = dict(tool.answer_choices(q, checklist.definition))
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
    checklist = tool.checklist_for(check)
    may_check = selectors.may_check(person, check)
    is_lead = person is not None and check.sent_to_id == person.pk
    if form is None and may_check and check.is_waiting:
        form = ChecklistForm(checklist, initial=_initial_due())
    if fix_form is None and is_lead and check.may_become(QS.REPORTED):
        fix_form = FixForm()
    if confirm_form is None and may_check and check.may_become(QS.FIXED):
        confirm_form = ConfirmForm()
    errors = any(f is not None and f.errors for f in (form, fix_form, confirm_form))
    return render(request, "quality/check.html", {
        "check": check, "case": check.event.case, "event": check.event,
        "label": tool.kind_label(check), "checklist": checklist,
        "lead": selectors.lead_professional_for(check.event),
        "register": register_findings(check),
        "answers": _answer_rows(check, checklist) if check.is_checked else [],
        "history": selectors.quality_check_history(check),
        "form": form, "fix_form": fix_form, "confirm_form": confirm_form,
        "may_check": may_check, "is_lead": is_lead, "problem": problem,
        # Drafted wording is flagged to those who may change the checklist, never to the
        # checker working through it.
        "can_manage": request.user.has_capability(  # type: ignore[union-attr]
            Capability.MANAGE_FRAMEWORK),
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
    check = selectors.get_quality_check_for_user(request.user, check_id)
    log_access(request, object_type=OBJECT_TYPE, object_id=check.pk)
    if request.method == "GET":
        return _check_page(request, check)
    person = _person(request)
    if person is None or not selectors.may_check(person, check):
        raise PermissionDenied
    if not check.is_waiting:
        return _check_page(request, check, status=409, problem=(
            f"This check is {check.get_status_display().lower()} already: it was recorded by "
            f"{check.checked_by or 'someone else'}. Nothing you entered was saved."))
    checklist = tool.checklist_for(check)
    form = ChecklistForm(checklist, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == tool.PASSED:
                services.quality_check_pass(check=check, actor=person, answers=form.answers())
                message = f"The {tool.in_sentence(tool.kind_label(check))} passed."
            else:
                check = services.quality_check_fail(
                    check=check, actor=person, answers=form.answers(), to_fix=data["to_fix"],
                    action_due_on=data["action_due_on"] if data["agree_action"] else None)
                message = (f"The {tool.in_sentence(tool.kind_label(check))} was sent "
                           f"back to {check.sent_to} to put right.")
        except DomainError as exc:
            name = (exc.field or "").replace(".", "__")
            form.add_error(name if name in form.fields else None, exc.message)
        else:
            messages.success(request, message)
            return redirect("quality:queue")
    return _check_page(request, check, form=form, status=400)


@require_POST
def quality_check_fixed(request: HttpRequest, check_id: int) -> HttpResponse:
    """The lead professional says what they put right."""
    check = selectors.get_quality_check_for_user(request.user, check_id)
    log_access(request, object_type=OBJECT_TYPE, object_id=check.pk)
    person = _person(request)
    if person is None or check.sent_to_id != person.pk:
        raise PermissionDenied
    form = FixForm(request.POST)
    if form.is_valid():
        try:
            services.quality_check_report_fixed(check=check, actor=person,
                                               note=form.cleaned_data["note"])
        except DomainError as exc:
            form.add_error("note" if exc.field == "note" else None, exc.message)
        else:
            messages.success(request, "Thank you. The central team will check it and confirm.")
            return redirect("quality:to_fix")
    return _check_page(request, check, fix_form=form, status=400)


@require_POST
def quality_check_confirm(request: HttpRequest, check_id: int) -> HttpResponse:
    """The central team confirms the fix, or sends the record back again."""
    check = selectors.get_quality_check_for_user(request.user, check_id)
    log_access(request, object_type=OBJECT_TYPE, object_id=check.pk)
    person = _person(request)
    if person is None or not selectors.may_check(person, check):
        raise PermissionDenied
    form = ConfirmForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "fixed":
                services.quality_check_confirm_fixed(check=check, actor=person, note=data["note"])
                message = "Confirmed as put right."
            else:
                services.quality_check_send_back(check=check, actor=person, to_fix=data["note"])
                message = "Sent back to the lead professional."
        except DomainError as exc:
            form.add_error("note" if exc.field == "note" else None, exc.message)
        else:
            messages.success(request, message)
            return redirect("quality:queue")
    return _check_page(request, check, confirm_form=form, status=400)
