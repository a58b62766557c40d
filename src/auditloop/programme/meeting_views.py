"""The QA meeting's pages (or, where the framework has no meeting, the review of the
cycle's audits): the agenda, minutes for each case, the prevalent issue, the follow-ups of
the previous cycle, and the case notes afterwards."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.actions.selectors import made_from, may_make_plans
from auditloop.audits.blinding import blind_audit_ids
from auditloop.audits.models import Audit
from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.errors import DomainError
from auditloop.common.exports import ExportStamp, ask_for_reason, stamp_csv
from auditloop.common.models import AccessLog
from auditloop.people.roles import Capability
from auditloop.programme import exports, forms, selectors, services
from auditloop.programme.models import Cycle
from auditloop.programme.services.meeting import still_open
from auditloop.programme.services.notices import audit_link
from auditloop.programme.views import _detail, form_error, person_of, posted, run_step
from auditloop.standards.selectors import framework_settings_row

RUN = Capability.RUN_CYCLE
C = Cycle.Status
# The follow-up the meeting escalates, in fixed words: notices carry no child's details.
NOT_RECORDED = "a supervision note for a 'requires improvement' audit was not recorded"


def _meeting(request: HttpRequest, cycle: Cycle,
             details_form: forms.MeetingDetailsForm | None = None,
             status: int = 200, close_error: str = "") -> HttpResponse:
    items = list(selectors.agenda(cycle))
    follow_ups = selectors.follow_ups(cycle)
    # Each audit the meeting page names (the agenda and the follow-ups), in one insert.
    log_access_many(request, object_type="audit", action=AccessLog.Action.LIST,
                    object_ids=list(dict.fromkeys([*(i.audit_id for i in items),
                                                   *(f.audit.pk for f in follow_ups)])))
    minutes = sum(i.minutes_allotted or 0 for i in items)
    form = details_form or forms.MeetingDetailsForm(initial={
        "attendance": cycle.meeting_attendance, "prevalent_issue": cycle.prevalent_issue,
        "sets_next_theme": cycle.prevalent_issue_sets_next_theme
        or framework_settings_row().next_theme_from_qa_meeting,
    })
    return render(request, "programme/meeting.html", {
        "cycle": cycle, "items": items, "total_minutes": minutes,
        "ready": selectors.ready_for_agenda(cycle), "details_form": form,
        "follow_ups": follow_ups, "open": cycle.is_allocated,
        "discussed": sum(1 for i in items if i.discussed_at),
        "made": made_from(source_key=f"cycle:{cycle.pk}"),
        "may_make": may_make_plans(request.user),
        # A panel member who has yet to grade an audit blind must not read its grade here.
        "blind": blind_audit_ids(request.user.person_or_none,  # type: ignore[union-attr]
                                 [i.audit_id for i in items]),
        # Audits not submitted yet: marking the review done asks to confirm how many.
        "still_open": still_open(cycle).count() if cycle.is_allocated else 0,
        "close_error": close_error, "page_has_errors": bool(close_error),
    }, status=status)


@require_GET
@capability_required(RUN)
def meeting(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    if cycle.is_before_allocation:
        return _detail(request, cycle, ["Allocate the audits before the meeting."], status=400)
    return _meeting(request, cycle)


@require_POST
@capability_required(RUN)
def agenda_build(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    return run_step(request, cycle,
                    lambda: services.agenda_build(cycle=cycle, actor=person_of(request)),
                    "The submitted audits are on the agenda.", then="programme:meeting")


@require_POST
@capability_required(RUN)
def agenda_move(request: HttpRequest, cycle_id: int, item_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    item = selectors.get_item(cycle, item_id)
    try:
        services.agenda_move(item=item, up=request.POST.get("direction") == "up",
                             actor=person_of(request))
    except DomainError as exc:
        return _detail(request, cycle, [exc.message], status=400)
    return redirect(reverse("programme:meeting", args=[cycle.pk]) + f"#item-{item.pk}")


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def minutes(request: HttpRequest, cycle_id: int, item_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    item = selectors.get_item(cycle, item_id)
    if not cycle.is_allocated:
        return _detail(request, cycle, ["The meeting is over: its minutes can no longer "
                                        "change."], status=400)
    form = forms.MinutesForm(posted(request), initial={
        "impact": item.impact, "needs_met": item.needs_met, "strengths": item.strengths,
        "development": item.development, "actions_agreed": item.actions_agreed,
        "discussed": item.discussed_at is not None})
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(item=item, actor=person_of(request), **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"Minutes saved for {item.audit.case.reference}.")
            return redirect(reverse("programme:meeting", args=[cycle.pk]) + f"#item-{item.pk}")
    log_access(request, object_type="audit", object_id=item.audit_id)
    return render(request, "programme/minutes.html", {
        "cycle": cycle, "item": item, "form": form,
        "audit_link": audit_link(item.audit),
    }, status=400 if form.errors else 200)


@require_POST
@capability_required(RUN)
def meeting_details(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    form = forms.MeetingDetailsForm(request.POST)
    if not cycle.is_allocated:
        return _detail(request, cycle, ["The meeting is over: its record can no longer "
                                        "change."], status=400)
    if form.is_valid():
        try:
            services.meeting_details_save(cycle=cycle, actor=person_of(request),
                                          **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("programme:meeting", cycle.pk)
    return _meeting(request, cycle, form, status=400)


@require_POST
@capability_required(RUN)
def meeting_close(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    form = forms.ConfirmReviewDoneForm(request.POST)
    form.is_valid()
    seen = form.cleaned_data.get("open_count")
    confirmed = seen if form.cleaned_data.get("confirm_open") else None
    try:
        services.meeting_close(cycle=cycle, actor=person_of(request), open_confirmed=confirmed)
    except DomainError as exc:
        if not cycle.is_allocated:
            return _detail(request, selectors.get_cycle(cycle.pk), [exc.message], status=400)
        return _meeting(request, cycle, status=400, close_error=exc.message)
    messages.success(request, "The meeting is recorded. The audit reports are going to the "
                              "practitioners' managers; the case notes are ready to export.")
    return redirect("programme:cycle_detail", cycle.pk)


@require_POST
@capability_required(RUN)
def follow_up_escalate(request: HttpRequest, cycle_id: int, audit_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    audit = Audit.objects.filter(pk=audit_id).select_related("case").first()
    if audit is None or audit.pk not in {f.audit.pk for f in selectors.follow_ups(cycle)}:
        raise Http404
    try:
        told = services.follow_up_escalate(cycle=cycle, audit=audit, actor=person_of(request),
                                           what=NOT_RECORDED)
    except DomainError as exc:
        return _detail(request, cycle, [exc.message], status=400)
    messages.success(request, f"Escalated: {told} {'person' if told == 1 else 'people'} told.")
    return redirect("programme:meeting", cycle.pk)


def _notes_ready(cycle: Cycle) -> bool:
    return cycle.is_reviewed_or_later


@require_GET
@capability_required(RUN)
def case_notes(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    if not _notes_ready(cycle):
        return _detail(request, cycle, ["The case notes are ready after the meeting."],
                       status=400)
    rows = selectors.case_note_rows(cycle)
    log_access(request, object_type="cycle_case_notes", object_id=cycle.pk)
    return render(request, "programme/case_notes.html", {"cycle": cycle, "rows": rows})


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def case_notes_csv(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    if not _notes_ready(cycle):
        return _detail(request, cycle, ["The case notes are ready after the meeting."],
                       status=400)
    asked = ask_for_reason(request, what=f"the case notes: {cycle.title}",
                           back_url=reverse("programme:case_notes", args=[cycle.pk]),
                           back_text="Back to the case notes")
    if isinstance(asked, HttpResponse):
        return asked
    log_access(request, object_type="cycle_case_notes", object_id=cycle.pk,
               action=AccessLog.Action.EXPORT, reason=asked)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="case-notes-{cycle.pk}.csv"'
    response.write("\ufeff")
    exports.write_case_notes(response, cycle=cycle)
    stamp_csv(response, ExportStamp.now(request.user))
    return response
