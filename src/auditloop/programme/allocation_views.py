"""Allocation pages: the solver's proposal, overrides, confirming it; the cycle's notices;
an auditor's audits (and declining one); an auditor's absence; who audits what as CSV."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.errors import DomainError
from auditloop.common.exports import ExportStamp, ask_for_reason, stamp_csv
from auditloop.common.models import AccessLog
from auditloop.people.models import Person
from auditloop.people.roles import Capability
from auditloop.programme import exports, forms, selectors, services
from auditloop.programme.models import Cycle, CycleNotice
from auditloop.programme.services.allocation import build_problem, may_decline
from auditloop.programme.services.notices import audit_link, is_late, late_message
from auditloop.programme.views import _detail, form_error, person_of, posted, run_step
from auditloop.standards.selectors import framework_settings_row

RUN = Capability.RUN_CYCLE
C = Cycle.Status


@require_GET
@capability_required(RUN)
def allocation(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    if cycle.is_planning:
        return _detail(request, cycle, ["Confirm the cases before allocating auditors."],
                       status=400)
    run = selectors.latest_run(cycle)
    lines = selectors.allocation_lines(run) if run else []
    log_access_many(request, object_type="case", action=AccessLog.Action.LIST,
                    object_ids=[v.line.cycle_case.case_id for v in lines])
    return render(request, "programme/allocation.html", {
        "cycle": cycle, "run": run, "lines": lines,
        "short_of_minimum": selectors.short_of_minimum(lines),
        "settings": framework_settings_row(),
        "confirm_form": forms.ConfirmAllocationForm(),
        "editable": run is not None and run.is_proposed and cycle.is_cases_confirmed,
    })


@require_POST
@capability_required(RUN)
def allocation_propose(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    return run_step(request, cycle,
                    lambda: services.allocation_propose(cycle=cycle, actor=person_of(request)),
                    "Auditors proposed. Check the pairings and any blocked case, then confirm.",
                    then="programme:allocation")


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def allocation_override(request: HttpRequest, cycle_id: int, line_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    run = selectors.latest_run(cycle)
    if run is None:
        raise Http404
    line = selectors.get_line(run, line_id)
    if not run.is_proposed or not cycle.is_cases_confirmed:
        return _detail(request, cycle, ["This allocation is confirmed: it can no longer be "
                                        "changed here."], status=400)
    form = forms.OverrideForm(posted(request), choices=selectors.pool_choices(run),
                              initial={"auditors": line.auditor_ids})
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_override(line=line, auditor_ids=form.cleaned_data["auditors"],
                                         reason=form.cleaned_data["reason"],
                                         actor=person_of(request))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"The auditors for {line.cycle_case.case.reference} "
                                      "have been changed.")
            return redirect("programme:allocation", cycle.pk)
    log_access(request, object_type="case", object_id=line.cycle_case.case_id)
    return render(request, "programme/allocation_override.html", {
        "cycle": cycle, "line": line, "form": form,
    }, status=400 if form.errors else 200)


@require_POST
@capability_required(RUN)
def allocation_confirm(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    run = selectors.latest_run(cycle)
    form = forms.ConfirmAllocationForm(request.POST)
    form.is_valid()
    if run is None:
        return _detail(request, cycle, ["Propose an allocation first."], status=400)
    try:
        made = services.allocation_confirm(
            run=run, actor=person_of(request),
            leave_out_blocked=form.cleaned_data.get("leave_out_blocked", False))
    except DomainError as exc:
        return _detail(request, selectors.get_cycle(cycle.pk), [exc.message], status=400)
    messages.success(request, f"{len(made)} audits have been made. Next, send the notices.")
    return redirect("programme:cycle_detail", cycle.pk)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def allocations_csv(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    asked = ask_for_reason(request, what=f"who audits what: {cycle.title}",
                           back_url=reverse("programme:cycle_detail", args=[cycle.pk]),
                           back_text=f"Back to the {cycle.title}" if cycle.is_monthly
                           else f"Back to {cycle.title}")
    if isinstance(asked, HttpResponse):
        return asked
    log_access(request, object_type="cycle_allocations", object_id=cycle.pk,
               action=AccessLog.Action.EXPORT, reason=asked)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="allocations-{cycle.pk}.csv"'
    response.write("\ufeff")
    exports.write_allocations(response, cycle=cycle)
    stamp_csv(response, ExportStamp.now(request.user))
    return response


# Notices -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def notices(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    form = forms.NoticesForm(posted(request), initial={"kinds": ["allocation",
                                                                      "audit_selected"]})
    if request.method == "POST" and form.is_valid():
        try:
            services.notices_queue(cycle=cycle, kinds=form.cleaned_data["kinds"],
                                   actor=person_of(request),
                                   late_reason=form.cleaned_data["late_reason"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "The notices are being sent. This page shows when "
                                      "they have gone.")
            return redirect("programme:notices", cycle.pk)
    today = timezone.localdate()
    return render(request, "programme/notices.html", {
        "cycle": cycle, "form": form, "batches": list(selectors.notice_batches(cycle)[:20]),
        "settings": framework_settings_row(),
        "late": [late_message(cycle, k) for k in (CycleNotice.Kind.ALLOCATION,
                                                 CycleNotice.Kind.AUDIT_SELECTED)
                 if is_late(cycle, k, today)],
    }, status=400 if form.errors else 200)


@require_GET
@capability_required(RUN)
def notices_status(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    return render(request, "programme/_notices_status.html", {
        "cycle": cycle, "batches": list(selectors.notice_batches(cycle)[:20])})


# The auditor's side --------------------------------------------------------------------


@require_GET
def my_audits(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    rows = list(selectors.my_assignments(person)) if person else []
    cycles = selectors.cycle_titles_for_audits([r.audit_id for r in rows])
    log_access_many(request, object_type="audit", action=AccessLog.Action.LIST,
                    object_ids=list(dict.fromkeys(r.audit_id for r in rows)))
    return render(request, "programme/my_audits.html", {
        "rows": rows, "cycles": cycles, "may_decline": may_decline(framework_settings_row()),
        "links": {r.audit_id: audit_link(r.audit) for r in rows},
    })


@require_http_methods(["GET", "POST"])
def decline(request: HttpRequest, assignment_id: int) -> HttpResponse:
    person = person_of(request)
    row = selectors.get_my_assignment(person, assignment_id)
    form = forms.ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_decline(assignment=row, actor=person,
                                        reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "You no longer audit this case. It has gone to "
                                      "another auditor, or to the QA manager to allocate.")
            return redirect("programme:my_audits")
    return render(request, "programme/reason.html", {
        "form": form, "title": "Decline this audit", "submit": "Decline the audit",
        "caption": row.audit.case.reference,
        "hint": "Say why you cannot audit this case, for example because you were involved "
                "with it. The QA manager sees your reason.",
        "back": "programme:my_audits",
        "back_text": "Back to your allocated audits",
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def assignment_absent(request: HttpRequest, cycle_id: int, assignment_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    row = selectors.get_cycle_assignment(cycle, assignment_id)
    form = forms.ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_absent(assignment=row, actor=person_of(request),
                                       reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"{row.person.full_name} no longer audits "
                                      f"{row.audit.case.reference}.")
            return redirect("programme:cycle_detail", cycle.pk)
    settings = framework_settings_row()
    hint = ("The partner completes the audit alone and the record says so; without a "
            "partner the case is re-allocated." if settings.partner_completes_alone_if_absent
            else "The case is re-allocated under the framework's rules.")
    return render(request, "programme/reason.html", {
        "cycle": cycle, "form": form, "title": f"{row.person.full_name} is absent",
        "caption": row.audit.case.reference, "submit": "Record the absence", "hint": hint,
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def choose_auditor(request: HttpRequest, cycle_id: int, cycle_case_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    row = selectors.get_cycle_case(cycle, cycle_case_id)
    if row.audit is None:
        return _detail(request, cycle, ["This case has no audit yet: allocate it first."],
                       status=400)
    built = build_problem(cycle, seed=cycle.pk, only=[row])
    choices = [(p.pk, p.full_name) for p in sorted(built.people.values(),
                                                   key=lambda p: p.full_name)]
    form = forms.ChooseAuditorForm(posted(request), choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_choose(
                audit=row.audit, person=Person.objects.get(pk=form.cleaned_data["person"]),
                reason=form.cleaned_data["reason"], actor=person_of(request))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "The auditor has been added.")
            return redirect("programme:cycle_detail", cycle.pk)
    log_access(request, object_type="case", object_id=row.case_id)
    return render(request, "programme/choose_auditor.html",
                  {"cycle": cycle, "row": row, "form": form},
                  status=400 if form.errors else 200)

