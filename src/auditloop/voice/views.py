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
from auditloop.voice import closures, forms, selectors, services
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


# --- Families' feedback when a case closes (000): voice.closures --------------------------


@require_GET
@capability_required(*CASE_READERS)
def closures_waiting(request: HttpRequest) -> HttpResponse:
    """Closed cases waiting for a feedback invitation, for their key worker (coordinator)
    and team manager."""
    dues = list(closures.dues_waiting_for(
        request.user.person_or_none)[:PAGE_SIZE])  # type: ignore[union-attr]
    if dues:
        log_access_many(request, object_type="case", object_ids=[d.case_id for d in dues],
                        action=AccessLog.Action.LIST)
    return render(request, "voice/closure/waiting.html", {"dues": dues})


def _letter_context(invitation: Any, token: str, code: str) -> dict[str, Any]:
    from django.conf import settings

    return {"council": settings.COUNCIL_NAME, "link": services.feedback_link(token),
            "entry": settings.SERVICE_BASE_URL.rstrip("/") + reverse("voice:feedback_code"),
            "code": closures.code_shown(code), "token": token, "raw_code": code,
            "expires_at": invitation.expires_at}


@require_http_methods(["GET", "POST"])
@capability_required(*CASE_READERS)
def closure_invite(request: HttpRequest, due_id: int) -> HttpResponse:
    """Invite one closed case's family (e-mail, text message or letter), or record that they
    declined."""
    due = closures.get_due(due_id)
    case = get_case_for_user(request.user, due.case_id)
    log_access(request, object_type="case", object_id=case.pk)
    sets = selectors.question_sets_current()
    form = forms.ClosureInviteForm(_posted(request), sets=sets)
    actor = request.user.person_or_none  # type: ignore[union-attr]
    waiting = due.state == due.State.WAITING
    if request.method == "POST" and waiting and form.is_valid():
        d = form.cleaned_data
        try:
            if d["how"] == "declined":
                closures.due_declined(due=due, actor=actor)
                messages.success(request, "Recorded: the family does not want to give "
                                          "feedback.")
                return redirect("voice:closures_waiting")
            question_set = _set_for(d["question_set"])
            if d["how"] == "email":
                invitation = services.feedback_invitation_email(
                    case=case, question_set=question_set, actor=actor, email=d["email"])
                closures.due_invited(due=due, invitation=invitation, actor=actor)
                messages.success(request, "The link is sent to the family by e-mail.")
                return redirect("voice:closures_waiting")
            if d["how"] == "sms":
                invitation = closures.feedback_invitation_sms(
                    case=case, question_set=question_set, actor=actor, mobile=d["mobile"])
                closures.due_invited(due=due, invitation=invitation, actor=actor)
                # The number is not repeated: messages are kept in the session's row.
                messages.success(request, "The link is sent to the family by text message.")
                return redirect("voice:closures_waiting")
            invitation, token, code = closures.feedback_invitation_letter(
                case=case, question_set=question_set, actor=actor)
            closures.due_invited(due=due, invitation=invitation, actor=actor)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            response = render(request, "voice/closure/letter.html", {
                "due": due, "case": case, **_letter_context(invitation, token, code)})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "voice/closure/invite.html", {
        "due": due, "case": case, "form": form, "waiting": waiting},
        status=400 if form.errors else 200)


@require_http_methods(["POST"])
@capability_required(*CASE_READERS)
def closure_letter_pdf(request: HttpRequest, due_id: int) -> HttpResponse:
    """The letter just made, as a PDF: its link and code come back in the form (never in an
    address) and must be the invitation's own."""
    from django.template.loader import render_to_string

    from auditloop.common.pdf import html_to_pdf

    due = closures.get_due(due_id)
    case = get_case_for_user(request.user, due.case_id)
    log_access(request, object_type="case", object_id=case.pk, action=AccessLog.Action.EXPORT)
    form = forms.LetterPdfForm(request.POST)
    invitation = due.invitation
    if invitation is None or not form.is_valid() or not closures.letter_matches(
            invitation, form.cleaned_data["token"], form.cleaned_data["code"]):
        return HttpResponse("The letter's link and code do not match this invitation.",
                            status=400, content_type="text/plain")
    code = closures.code_normalise(form.cleaned_data["code"])
    html = render_to_string("voice/closure/letter_pdf.html",
                            _letter_context(invitation, form.cleaned_data["token"], code))
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="feedback-letter.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def feedback_code(request: HttpRequest) -> HttpResponse:
    """The family types the short code from their letter: no account, nothing about the
    case. Wrong codes are counted for each address and refused past a few."""
    if request.method == "POST" and closures.code_guesses_left(request) <= 0:
        return render(request, "voice/closure/code_locked.html", {
            "minutes": closures.WRONG_CODES_WINDOW_SECONDS // 60}, status=429)
    form = forms.CodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        invitation = closures.invitation_for_code(request, form.cleaned_data["code"])
        if invitation is None:
            form.add_error("code", "The code is not right, or it has been used or has "
                                   "expired. Check the letter and try again.")
        else:
            code = closures.code_normalise(form.cleaned_data["code"])
            # The code alone opens the questions; the answers come back with the code.
            answers = forms.FeedbackForm(request.POST if "answering" in request.POST
                                         else None, question_set=invitation.question_set)
            if answers.is_bound and answers.is_valid():
                try:
                    services.feedback_record(
                        case=invitation.case, question_set=invitation.question_set,
                        answers=answers.answers(),
                        interpreter=answers.cleaned_data["interpreter"],
                        consent_to_quote=answers.cleaned_data["consent_to_quote"],
                        actor=None, invitation=invitation)
                except DomainError as exc:
                    _form_error(answers, exc)
                else:
                    return render(request, "voice/feedback_thanks.html")
            return render(request, "voice/feedback_form.html", {
                "form": answers, "question_set": invitation.question_set, "family": True,
                "code": code}, status=400 if answers.errors else 200)
    return render(request, "voice/closure/code.html", {"form": form},
                  status=400 if form.errors else 200)


@require_GET
@capability_required(*CASE_READERS)
def closure_forms(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, case_id)
    log_access(request, object_type="case", object_id=case.pk)
    return render(request, "voice/closure/forms.html", {
        "case": case, "forms": list(closures.closure_forms_of(case))})


@require_http_methods(["GET", "POST"])
@capability_required(*CASE_READERS)
def closure_form_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """000: the coordinator completes the closure form with the family."""
    case = get_case_for_user(request.user, case_id)
    log_access(request, object_type="case", object_id=case.pk)
    asked = closures.ClosureFormQuestions(closures.CLOSURE_FORM)
    form = forms.ClosureFormForm(_posted(request), question_set=asked,
                                 initial={"completed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            record = closures.closure_form_record(
                case=case, answers=form.answers(), interpreter=form.cleaned_data["interpreter"],
                completed_on=form.cleaned_data["completed_on"],
                actor=request.user.person_or_none)  # type: ignore[union-attr]
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The closure form is recorded.")
            return redirect("voice:closure_form_detail", case.pk, record.pk)
    drafts = {q.key for q in asked.questions if not q.from_seed}
    return render(request, "voice/closure/form_new.html", {
        "case": case, "form": form, "drafts": drafts, "draft_note": DRAFT_NOTE,
        "about": closures.CLOSURE_FORM["about"]}, status=400 if form.errors else 200)


@require_GET
@capability_required(*CASE_READERS)
def closure_form_detail(request: HttpRequest, case_id: int, form_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, case_id)
    record = closures.get_closure_form(case, form_id)
    log_access(request, object_type="case", object_id=case.pk)
    return render(request, "voice/closure/form_detail.html", {
        "case": case, "record": record, "rows": closures.closure_form_rows(record),
        "draft_note": DRAFT_NOTE})
