"""Pages of staff surveys and of feedback on the audit process (002)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from auditloop.common.access import capability_required, log_access
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import create_once
from auditloop.people.roles import Capability
from auditloop.voice import survey_forms, surveys
from auditloop.voice.questions import DRAFT_NOTE
from auditloop.voice.survey_models import (
    AuditProcessParticipation,
    Survey,
    SurveyParticipation,
)

OPENERS = (Capability.RUN_CYCLE,)  # the QA team
READERS = (Capability.VIEW_REPORTS, Capability.RUN_CYCLE)  # the QA team, senior leaders


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _person(request: HttpRequest) -> Any:
    return request.user.person_or_none  # type: ignore[union-attr]


def _sees_drafts(request: HttpRequest) -> bool:
    return request.user.has_capability(Capability.MANAGE_FRAMEWORK)  # type: ignore[union-attr]


@require_GET
@capability_required(*READERS)
def survey_list(request: HttpRequest) -> HttpResponse:
    rows = [(s, surveys.answered_share(s, s.answered))  # type: ignore[attr-defined]
            for s in surveys.surveys_listed()[:100]]
    return render(request, "voice/surveys/list.html", {
        "rows": rows, "today": timezone.localdate(),
        "may_open": request.user.has_capability(Capability.RUN_CYCLE)})  # type: ignore[union-attr]


@require_http_methods(["GET", "POST"])
@capability_required(*OPENERS)
def survey_new(request: HttpRequest) -> HttpResponse:
    sets = surveys.staff_question_sets()
    today = timezone.localdate()
    form = survey_forms.SurveyOpenForm(
        _posted(request), sets=sets,
        initial={"opens_on": today, "closes_on": today + dt.timedelta(days=21),
                 "anonymous": "yes", "invites": Survey.Invites.ALL_STAFF})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = {s.key: s for s in sets}[d["question_set"]]
        try:
            survey, _ = create_once(form.token, Survey, lambda: surveys.survey_open(
                actor=_person(request), name=d["name"], kind=d["kind"], question_set=chosen,
                opens_on=d["opens_on"], closes_on=d["closes_on"],
                anonymous=d["anonymous"] == "yes", invites=d["invites"],
                service=d["service"], teams=list(d["teams"])))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"The survey is open to {survey.invited_count} people. "
                                      "Each has it in their tray.")
            return redirect("voice:survey_results", survey.pk)
    return render(request, "voice/surveys/new.html", {
        "form": form, "sets": sets, "sees_drafts": _sees_drafts(request),
        "draft_note": DRAFT_NOTE})


@require_GET
@capability_required(*READERS)
def survey_results(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = surveys.get_survey(survey_id)
    grouping = request.GET.get("by", "")
    grouping = grouping if grouping in surveys.GROUPINGS else ""
    results = surveys.survey_results(survey, grouping)
    answered = SurveyParticipation.objects.filter(survey=survey).count()
    return render(request, "voice/surveys/results.html", {
        "survey": survey, "results": results, "grouping": grouping,
        "groupings": surveys.GROUPINGS, "answered": surveys.answered_share(survey, answered),
        "sees_drafts": _sees_drafts(request) and survey.question_set.has_drafts,
        "draft_note": DRAFT_NOTE})


@require_GET
def my_surveys(request: HttpRequest) -> HttpResponse:
    """The surveys and audits waiting for this person's answers: theirs only."""
    person = _person(request)
    to_answer = list(surveys.surveys_to_answer(person)) if person else []
    audits = surveys.audits_to_give_feedback_on(person) if person else []
    return render(request, "voice/surveys/mine.html", {"to_answer": to_answer,
                                                       "audits": audits})


def _answered(request: HttpRequest, title: str, text: str) -> HttpResponse:
    return render(request, "voice/surveys/answered.html", {"title": title, "text": text})


@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, survey_id: int) -> HttpResponse:
    person = _person(request)
    survey = surveys.get_survey(survey_id)
    if not surveys.may_answer(survey, person):
        if person and SurveyParticipation.objects.filter(survey=survey, person=person).exists():
            return _answered(request, survey.name, "You have answered this survey. Thank you.")
        raise Http404
    form = survey_forms.AnswersForm(_posted(request), questions=survey.question_set.questions)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.survey_answer(survey=survey, person=person, answers=form.answers())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return _answered(request, survey.name, "Thank you: your answers are sent.")
    return render(request, "voice/surveys/answer.html", {
        "form": form, "title": survey.name, "anonymous": survey.anonymous,
        "closes_on": survey.closes_on})


@require_http_methods(["GET", "POST"])
def audit_feedback(request: HttpRequest, audit_id: int) -> HttpResponse:
    """The practitioner's or auditor's answers on the audit process, once per audit."""
    person = _person(request)
    title = "Feedback on the audit process"
    try:
        audit = surveys.audit_asking(audit_id, person)
    except Http404:
        if person and AuditProcessParticipation.objects.filter(audit_id=audit_id,
                                                               person=person).exists():
            return _answered(request, title, "You have given your feedback on this audit. "
                                             "Thank you.")
        raise
    log_access(request, object_type="audit", object_id=audit.pk)
    question_set = surveys.audit_process_set()
    if question_set is None:
        raise Http404
    form = survey_forms.AnswersForm(_posted(request), questions=question_set.questions)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.audit_process_answer(audit=audit, person=person, answers=form.answers())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return _answered(request, title, "Thank you: your feedback is sent.")
    return render(request, "voice/surveys/answer.html", {
        "form": form, "title": title, "anonymous": True, "audit": audit,
        "side": surveys.side_for(audit, person)})


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def audit_feedback_results(request: HttpRequest) -> HttpResponse:
    current = _quarter_start(timezone.localdate())
    quarters = [add_months(current, -3 * n) for n in range(8)]
    chosen = next((q for q in quarters if request.GET.get("quarter") == q.isoformat()),
                  current)
    end = add_months(chosen, 3) - dt.timedelta(days=1)
    grouping = "service" if request.GET.get("by") == "service" else "side"
    return render(request, "voice/surveys/audit_results.html", {
        "results": surveys.audit_process_results(chosen, end, grouping), "chosen": chosen,
        "chosen_end": end, "grouping": grouping,
        "quarters": [(q, add_months(q, 3) - dt.timedelta(days=1)) for q in quarters]})
