"""Pages of the voice app: the log of complaints and compliments (002)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from auditloop.cases.models import Case
from auditloop.cases.sections import CaseSection
from auditloop.cases.selectors import cases_for_user, get_case_for_user
from auditloop.cases.views import CASE_READERS
from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import create_once
from auditloop.common.models import AccessLog
from auditloop.people.roles import Capability
from auditloop.voice import forms, selectors, services
from auditloop.voice.models import ComplaintCompliment
from auditloop.voice.questions import DRAFT_NOTE, FAMILY_AUDIENCES

LOG = Capability.LOG_COMPLAINTS
PAGE_SIZE = 50
THEME_MONTHS = 12  # the themes table looks back a year, as 002's annual report does


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_GET
@capability_required(*selectors.READERS)
def complaint_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    theme_names = selectors.themes()
    filters = forms.LogFilterForm(request.GET or None, themes=theme_names, today=today)
    criteria: dict[str, Any] = {}
    if filters.is_valid():
        d = filters.cleaned_data
        criteria = {"kind": d["kind"], "theme": d["theme"],
                    "team_id": d["team"].pk if d["team"] else None,
                    "month": filters.month_start()}
    page = Paginator(selectors.complaints_compliments(**criteria),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    shown = selectors.case_ids_shown(request.user, entries)
    if shown:
        log_access_many(request, object_type="case", object_ids=sorted(shown),
                        action=AccessLog.Action.LIST)
    since = add_months(today, -THEME_MONTHS) + dt.timedelta(days=1)
    return render(request, "voice/complaint_list.html", {
        "filters": filters, "page": page, "entries": entries, "shown": shown,
        "may_log": request.user.has_capability(LOG),  # type: ignore[union-attr]
        "theme_counts": selectors.theme_counts(since=since, until=today), "since": since,
        "upheld": selectors.share_upheld(since=since, until=today),
    })


@require_http_methods(["GET", "POST"])
@capability_required(LOG)
def complaint_new(request: HttpRequest) -> HttpResponse:
    form = forms.ComplaintComplimentForm(_posted(request), themes=selectors.themes())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        case = None
        reference = d["case_reference"].strip()
        if reference:
            # Only a case this person may see can be named (sent by POST: no reference in
            # a URL or a server log).
            case = cases_for_user(user=request.user, reference=reference).first()
            if case is None:
                form.add_error("case_reference", "There is no case you can see with this "
                               "reference. Check it, or leave it empty.")
        if not form.errors:
            try:
                entry, _ = create_once(form.token, ComplaintCompliment,
                                       lambda: services.complaint_compliment_record(
                    actor=request.user.person_or_none,  # type: ignore[union-attr]
                    kind=d["kind"], source=d["source"], received_on=d["received_on"],
                    summary=d["summary"], theme=d["theme"], service=d["service"],
                    team=d["team"], case=case))
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"The {entry.get_kind_display().lower()} is "
                                          "logged.")
                return redirect("voice:complaint_detail", entry.pk)
    return render(request, "voice/complaint_new.html", {"form": form})


@require_GET
@capability_required(*selectors.READERS)
def complaint_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.get_complaint_compliment(entry_id)
    shown = selectors.case_ids_shown(request.user, [entry])
    case = None
    if entry.case_id in shown:
        case = cases_for_user(user=request.user).get(pk=entry.case_id)
        log_access(request, object_type="case", object_id=entry.case_id)
    return render(request, "voice/complaint_detail.html", {
        "entry": entry, "case": case,
        "may_log": request.user.has_capability(LOG),  # type: ignore[union-attr]
        "case_withheld": entry.case_id is not None and case is None,
    })


@require_http_methods(["GET", "POST"])
@capability_required(LOG)
def complaint_outcome(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.get_complaint_compliment(entry_id)
    form = forms.OutcomeForm(_posted(request), complaint=entry.is_complaint,
                             initial={"decision": entry.decision, "outcome": entry.outcome,
                                      "learning": entry.learning})
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_compliment_outcome(
                entry=entry, actor=request.user.person_or_none,  # type: ignore[union-attr]
                outcome=form.cleaned_data["outcome"], learning=form.cleaned_data["learning"],
                decision=form.cleaned_data.get("decision", ""))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The outcome and learning are recorded.")
            return redirect("voice:complaint_detail", entry.pk)
    return render(request, "voice/complaint_outcome.html", {"form": form, "entry": entry})


@require_GET
@capability_required(Capability.MANAGE_FRAMEWORK)
def question_set_list(request: HttpRequest) -> HttpResponse:
    return render(request, "voice/question_set_list.html",
                  {"sets": selectors.question_sets_current()})


@require_GET
@capability_required(Capability.MANAGE_FRAMEWORK)
def question_set_detail(request: HttpRequest, key: str) -> HttpResponse:
    versions = selectors.question_set_versions(key)
    return render(request, "voice/question_set_detail.html", {
        "qs": versions[0], "older": versions[1:], "draft_note": DRAFT_NOTE})


def _family_sets() -> list[Any]:
    return [s for s in selectors.question_sets_current() if s.audience in FAMILY_AUDIENCES]


def _set_for(key: str) -> Any:
    sets = {s.key: s for s in _family_sets()}
    if key not in sets:
        raise Http404
    return sets[key]


@require_http_methods(["GET", "POST"])
@capability_required(*CASE_READERS)
def case_feedback(request: HttpRequest, case_id: int) -> HttpResponse:
    """Invite a closed case's family to give feedback (000): a one-time link for a letter,
    or the form filled in now with the family."""
    case = get_case_for_user(request.user, case_id)
    log_access(request, object_type="case", object_id=case.pk)
    sets = _family_sets()
    form = forms.InviteForm(_posted(request), sets=sets)
    link = None
    if request.method == "POST" and form.is_valid():
        question_set = _set_for(form.cleaned_data["question_set"])
        if form.cleaned_data["how"] == "worker":
            return redirect("voice:case_feedback_record", case.pk, question_set.key)
        if form.cleaned_data["how"] == "email":
            try:
                services.feedback_invitation_email(
                    case=case, question_set=question_set,
                    actor=request.user.person_or_none,  # type: ignore[union-attr]
                    email=form.cleaned_data["email"])
            except DomainError as exc:
                _form_error(form, exc)
            else:
                # The address is not repeated: messages are kept in the session's row.
                messages.success(request, "The link is sent to the family by e-mail.")
                return redirect("voice:case_feedback", case.pk)
            return render(request, "voice/case_feedback.html", {
                "case": case, "form": form, "link": None,
                "closed": case.status == Case.Status.CLOSED,
                "responses": selectors.feedback_count(case)})
        try:
            invitation, token = services.feedback_invitation_create(
                case=case, question_set=question_set,
                actor=request.user.person_or_none)  # type: ignore[union-attr]
        except DomainError as exc:
            _form_error(form, exc)
        else:
            link = {"url": request.build_absolute_uri(reverse("voice:feedback", args=[token])),
                    "expires_at": invitation.expires_at}
    return render(request, "voice/case_feedback.html", {
        "case": case, "form": form, "link": link,
        "closed": case.status == Case.Status.CLOSED,
        "responses": selectors.feedback_count(case)})


@require_http_methods(["GET", "POST"])
@capability_required(*CASE_READERS)
def case_feedback_record(request: HttpRequest, case_id: int, key: str) -> HttpResponse:
    case = get_case_for_user(request.user, case_id)
    log_access(request, object_type="case", object_id=case.pk)
    question_set = _set_for(key)
    by_phone = request.GET.get("by") == "phone"  # from a random selection of calls (000)
    form = forms.FeedbackForm(_posted(request), question_set=question_set)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_record(
                case=case, question_set=question_set, answers=form.answers(),
                interpreter=form.cleaned_data["interpreter"],
                consent_to_quote=form.cleaned_data["consent_to_quote"],
                actor=request.user.person_or_none,  # type: ignore[union-attr]
                by_phone=by_phone)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The family's feedback is recorded.")
            return redirect("voice:case_feedback", case.pk)
    return render(request, "voice/feedback_form.html", {
        "form": form, "question_set": question_set, "case": case, "family": False,
        "by_phone": by_phone})


@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    """The family's form, from their one-time link: no account, nothing about the case."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "voice/feedback_closed.html", status=404)
    form = forms.FeedbackForm(_posted(request), question_set=invitation.question_set)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_record(
                case=invitation.case, question_set=invitation.question_set,
                answers=form.answers(), interpreter=form.cleaned_data["interpreter"],
                consent_to_quote=form.cleaned_data["consent_to_quote"], actor=None,
                invitation=invitation)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return render(request, "voice/feedback_thanks.html")
    return render(request, "voice/feedback_form.html", {
        "form": form, "question_set": invitation.question_set, "family": True})


def case_feedback_section(request: HttpRequest, case: Case) -> CaseSection:
    """On the case page: the way to the family's feedback. No query of its own."""
    return CaseSection(title="The family's feedback", template="voice/_case_feedback.html",
                       context={"closed": case.status == Case.Status.CLOSED}, order=60,
                       anchor="family-feedback")


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def feedback_summary(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    current = selectors.quarter_start(today)
    quarters = [add_months(current, -3 * n) for n in range(8)]
    chosen = current
    asked = request.GET.get("quarter", "")
    for q in quarters:
        if asked == q.isoformat():
            chosen = q
    summaries, answered = selectors.feedback_quarter(start=chosen)
    return render(request, "voice/feedback_summary.html", {
        "summaries": summaries, "answered": answered, "chosen": chosen,
        "chosen_end": add_months(chosen, 3) - dt.timedelta(days=1),
        "quarters": [(q, add_months(q, 3) - dt.timedelta(days=1)) for q in quarters]})


CALLERS = (Capability.VIEW_ALL_CASES, Capability.VIEW_EARLY_HELP_CASES)
CALL_SET = "000-early-help-service-user-feedback"


@require_http_methods(["GET", "POST"])
@capability_required(*CALLERS)
def calls(request: HttpRequest) -> HttpResponse:
    """000: the Early Help Team randomly select families to call for their views."""
    form = forms.CallDrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        eligible = list(cases_for_user(user=request.user, status=Case.Status.CLOSED).filter(
            closed_on__gte=d["closed_from"], closed_on__lte=d["closed_to"]))
        try:
            selection = services.call_selection_draw(
                eligible=eligible, closed_from=d["closed_from"], closed_to=d["closed_to"],
                size=d["size"], actor=request.user.person_or_none)  # type: ignore[union-attr]
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return redirect("voice:call_detail", selection.pk)
    return render(request, "voice/calls.html", {
        "form": form, "selections": selectors.call_selections()[:20]})


@require_GET
@capability_required(*CALLERS)
def call_detail(request: HttpRequest, selection_id: int) -> HttpResponse:
    selection = selectors.get_call_selection(selection_id)
    cases = list(cases_for_user(user=request.user).filter(pk__in=selection.case_ids))
    if cases:
        log_access_many(request, object_type="case", object_ids=[c.pk for c in cases],
                        action=AccessLog.Action.LIST)
    return render(request, "voice/call_detail.html", {
        "selection": selection, "cases": cases, "call_set": CALL_SET,
        "called": selectors.phoned_case_ids([c.pk for c in cases]),
        "hidden": len(selection.case_ids) - len(cases)})
