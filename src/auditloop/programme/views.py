"""The QA manager's pages for a cycle: the list of cycles, a new cycle or programme, the
cycle's page, choosing the cases (propose, re-run the draw, swap, add, confirm), themes,
coverage, and the page where managers put cases forward."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.actions.selectors import made_from, may_make_plans
from auditloop.cases.selectors import cases_for_user
from auditloop.common.access import capability_required, log_access_many
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import create_once
from auditloop.common.models import AccessLog
from auditloop.people.roles import Capability, Role
from auditloop.programme import forms, selectors, services
from auditloop.programme.coverage import coverage as coverage_of
from auditloop.programme.models import CaseRequest, Cycle, CycleCase
from auditloop.programme.services.meeting import OpenAuditDecision, still_open
from auditloop.programme.services.selection import proposal_initial, sample_size_range
from auditloop.standards.selectors import framework_settings_row

RUN = Capability.RUN_CYCLE
C = Cycle.Status
CANNOT_START = "Cannot start yet"


def person_of(request: HttpRequest) -> Any:
    return request.user.person_or_none  # type: ignore[union-attr]


def posted(request: HttpRequest) -> Any:
    """The form's data on a POST (even an empty one), None on a GET."""
    return request.POST if request.method == "POST" else None


def form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def steps(cycle: Cycle, counts: dict[str, int], run: Any,
          has_meeting: bool) -> list[dict[str, Any]]:
    """The cycle's steps as a GOV.UK task list."""
    done = {
        "cases": not cycle.is_planning,
        "allocate": cycle.is_allocated_or_later,
        "meeting": cycle.is_reviewed_or_later,
    }

    def item(title: str, href: str | None, status: str, hint: str = "") -> dict[str, Any]:
        return {"title": title, "href": href, "status": status, "hint": hint,
                "cannot_start": status == CANNOT_START}

    url = reverse
    pk = cycle.pk
    cases_status = ("Confirmed" if done["cases"]
                    else ("Proposed" if counts.get("proposed") else "Not started"))
    alloc_status = ("Confirmed" if done["allocate"]
                    else "Proposed" if run else CANNOT_START if not done["cases"]
                    else "Not started")
    return [
        item("Choose the cases", url("programme:propose", args=[pk])
             if cycle.is_planning else None, cases_status,
             f"{counts.get('current', 0)} on the list"),
        item("Allocate auditors", url("programme:allocation", args=[pk])
             if done["cases"] else None, alloc_status),
        item("Send notices", url("programme:notices", args=[pk])
             if done["allocate"] else None,
             "Sent" if counts.get("notices") else
             ("Not started" if done["allocate"] else CANNOT_START)),
        item("Hold the QA meeting" if has_meeting else "Review the audits",
             url("programme:meeting", args=[pk]) if done["allocate"] else None,
             "Done" if done["meeting"] else
             ("Not started" if done["allocate"] else CANNOT_START)),
        item("Export the case notes", url("programme:case_notes", args=[pk])
             if done["meeting"] else None,
             "Ready" if done["meeting"] else CANNOT_START),
    ]


@require_GET
@capability_required(RUN)
def cycle_list(request: HttpRequest) -> HttpResponse:
    row = framework_settings_row()
    return render(request, "programme/cycle_list.html", {
        "cycles": list(selectors.cycles()), "settings": row,
        "requests": selectors.open_requests().count(),
    })


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def cycle_new(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    row = framework_settings_row()
    initial = {"year": today.year,
               "number": min(today.month * (row.cycles_per_year or 12) // 12 + 1,
                             row.cycles_per_year or 12)}
    form = forms.CycleForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            cycle, _ = create_once(form.token, Cycle, lambda: services.cycle_create(
                year=d["year"], number=d["number"], theme=d["theme"],
                theme_reason=d["theme_reason"], actor=person_of(request)))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"The {cycle.title} has been created.")
            return redirect("programme:cycle_detail", cycle.pk)
    return render(request, "programme/cycle_new.html", {"form": form, "settings": row},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def programme_new(request: HttpRequest) -> HttpResponse:
    form = forms.ProgrammeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            cycle, _ = create_once(form.token, Cycle, lambda: services.cycle_create(
                year=d["period_start"].year, kind=d["kind"], name=d["name"],
                period_start=d["period_start"], period_end=d["period_end"],
                meeting_on=d["meeting_on"], theme=d["theme"],
                lead_auditor=d["lead_auditor"], auditor_roles=d["auditor_roles"],
                follow_up_of=d["follow_up_of"], actor=person_of(request)))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"{cycle.title} has been created.")
            return redirect("programme:cycle_detail", cycle.pk)
    return render(request, "programme/programme_new.html", {"form": form},
                  status=400 if form.errors else 200)


def _detail(request: HttpRequest, cycle: Cycle, errors: list[str] | None = None,
            status: int = 200) -> HttpResponse:
    rows = list(selectors.cycle_cases(cycle))
    run = selectors.latest_run(cycle)
    batches = list(selectors.notice_batches(cycle))
    row = framework_settings_row()
    counts = {"current": len(rows),
              "proposed": sum(r.is_proposed for r in rows),
              "notices": sum(b.is_sent for b in batches)}
    changed, contacts = list(selectors.changed_cases(cycle)), list(selectors.contacts(cycle))
    # Each case the page names (the list, the changes, the coordinators' contacts), at once.
    log_access_many(request, object_type="case", action=AccessLog.Action.LIST,
                    object_ids=list(dict.fromkeys([*(r.case_id for r in rows),
                                                   *(r.case_id for r in changed),
                                                   *(c.case_id for c in contacts)])))
    return render(request, "programme/cycle_detail.html", {
        "cycle": cycle, "rows": rows, "changed": changed,
        "draw": selectors.latest_draw(cycle), "contacts": contacts,
        "batches": batches, "run": run, "settings": row,
        "history": list(selectors.cycle_history(cycle)[:50]),
        "indicator_themes": list(cycle.indicator_themes.all()),
        "steps": steps(cycle, counts, run, bool(cycle.meeting_on)),
        "errors": errors or [], "page_has_errors": bool(errors),
        "may_change": cycle.is_before_allocation,
        "today": timezone.localdate(),
        # Where there is no QA meeting, recommendations are made from the cycle's page.
        "made": None if cycle.meeting_on else made_from(source_key=f"cycle:{cycle.pk}"),
        "may_make": may_make_plans(request.user),
    }, status=status)


@require_GET
@capability_required(RUN)
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _detail(request, selectors.get_cycle(cycle_id))


def run_step(request: HttpRequest, cycle: Cycle, step: Any, done: str,
             then: str = "programme:cycle_detail") -> HttpResponse:
    """A button with no fields: do it, or show the cycle's page with the error."""
    try:
        step()
    except DomainError as exc:
        return _detail(request, selectors.get_cycle(cycle.pk), [exc.message], status=400)
    messages.success(request, done)
    return redirect(then, cycle.pk)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def propose(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    row = framework_settings_row()
    # An accepted themed-audit proposal's filter (programme.proposals) is where it starts.
    form = forms.ProposeForm(posted(request),
                             initial={**proposal_initial(row), **cycle.selection_filter},
                             size_range=sample_size_range(row))
    if not cycle.is_planning:
        return _detail(request, cycle, ["The cases are confirmed. Open the list again to "
                                        "propose new ones."], status=400)
    if request.method == "POST" and form.is_valid():
        try:
            services.selection_propose(cycle=cycle, ask=form.ask(), actor=person_of(request))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "Cases proposed. Check each reason, swap any case that "
                                      "should not be audited, then confirm the list.")
            return redirect("programme:cycle_detail", cycle.pk)
    return render(request, "programme/propose.html", {
        "cycle": cycle, "form": form, "settings": row,
        "requests": list(selectors.open_requests()),
    }, status=400 if form.errors else 200)


@require_GET
@capability_required(RUN)
def draw_check(request: HttpRequest, cycle_id: int, draw_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    rerun = selectors.draw_rerun(selectors.get_draw(cycle, draw_id))
    refs = dict(CycleCase.objects.filter(case_id__in=rerun.again).values_list(
        "case_id", "case__reference").distinct())
    return render(request, "programme/draw_check.html", {
        "cycle": cycle, "rerun": rerun, "refs": [refs.get(i, str(i)) for i in rerun.again]})


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def change_case(request: HttpRequest, cycle_id: int, cycle_case_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    row = selectors.get_cycle_case(cycle, cycle_case_id)
    if not row.is_current or not cycle.is_before_allocation:
        return _detail(request, cycle, ["This case can no longer be changed."], status=400)
    form = forms.ChangeCaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        actor = person_of(request)
        try:
            if d["how"] == "remove":
                services.selection_remove(cycle_case=row, actor=actor, reason=d["reason"])
                done = f"{row.case.reference} has been taken off the list."
            else:
                new = services.selection_swap(
                    cycle_case=row, actor=actor, reason=d["reason"],
                    replacement=d["reference"] if d["how"] == "named" else None)
                done = f"{row.case.reference} has been swapped for {new.case.reference}."
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("programme:cycle_detail", cycle.pk)
    log_access_many(request, object_type="case", object_ids=[row.case_id])
    return render(request, "programme/change_case.html",
                  {"cycle": cycle, "row": row, "form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def add_case(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    if not cycle.is_before_allocation:
        return _detail(request, cycle, ["Cases can no longer be added to this cycle."],
                       status=400)
    form = forms.AddCaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.selection_add(cycle=cycle, case=form.cleaned_data["reference"],
                                   reason=form.cleaned_data["reason"], actor=person_of(request))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "The case has been added to the list.")
            return redirect("programme:cycle_detail", cycle.pk)
    return render(request, "programme/add_case.html", {"cycle": cycle, "form": form},
                  status=400 if form.errors else 200)


@require_POST
@capability_required(RUN)
def confirm_cases(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    return run_step(request, cycle,
                    lambda: services.selection_confirm(cycle=cycle, actor=person_of(request)),
                    "The cases are confirmed. Next, allocate the auditors.")


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def reopen_cases(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    if not cycle.is_cases_confirmed:
        return _detail(request, cycle, ["The list can only be opened again before the "
                                        "allocation is confirmed."], status=400)
    form = forms.ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.selection_reopen(cycle=cycle, actor=person_of(request),
                                      reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "The list is open again.")
            return redirect("programme:cycle_detail", cycle.pk)
    return render(request, "programme/reason.html", {
        "cycle": cycle, "form": form, "title": "Open the list of cases again",
        "submit": "Open the list again"}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def themes(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    if not cycle.is_planning:
        return _detail(request, cycle, ["The theme can only change while cases are being "
                                        "chosen."], status=400)
    theme_form = forms.ThemeForm(initial={"theme": cycle.theme, "reason": cycle.theme_reason})
    indicator_form = forms.IndicatorThemeForm()
    if request.method == "POST":
        actor = person_of(request)
        try:
            if request.POST.get("form") == "indicator":
                indicator_form = forms.IndicatorThemeForm(request.POST)
                if indicator_form.is_valid():
                    services.indicator_theme_add(cycle=cycle, actor=actor,
                                                 **indicator_form.cleaned_data)
                    messages.success(request, "The theme has been added.")
                    return redirect("programme:themes", cycle.pk)
            else:
                theme_form = forms.ThemeForm(request.POST)
                if theme_form.is_valid():
                    services.cycle_set_theme(cycle=cycle, actor=actor,
                                             **theme_form.cleaned_data)
                    messages.success(request, "The cycle's theme has been changed.")
                    return redirect("programme:cycle_detail", cycle.pk)
        except DomainError as exc:
            form_error(indicator_form if request.POST.get("form") == "indicator"
                       else theme_form, exc)
    errors = bool(theme_form.errors or indicator_form.errors)
    return render(request, "programme/themes.html", {
        "cycle": cycle, "theme_form": theme_form, "indicator_form": indicator_form,
        "indicator_themes": list(cycle.indicator_themes.select_related("created_by")),
        "page_has_errors": errors,
    }, status=400 if errors else 200)


@require_POST
@capability_required(RUN)
def contact_done(request: HttpRequest, cycle_id: int, contact_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    contact = selectors.contacts(cycle).filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    form = forms.ContactDoneForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.contact_done(contact=contact, actor=person_of(request), note=note)
    messages.success(request, "Marked as done.")
    return redirect(reverse("programme:cycle_detail", args=[cycle.pk]) + "#contacts")


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def close_cycle(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Close a reviewed cycle, saying what happens to each audit not submitted yet."""
    cycle = selectors.get_cycle(cycle_id)
    if not cycle.may_become(C.CLOSED):
        return _detail(request, cycle, [
            "The cycle is closed already." if cycle.is_closed else
            "Finish the review of the cycle's audits before closing it."], status=400)
    form = forms.CloseCycleForm(posted(request), audits=list(still_open(cycle)))
    if request.method == "POST" and form.is_valid():
        decisions = {pk: OpenAuditDecision(str(request.POST.get(f"choice-{pk}", "")),
                                           str(request.POST.get(f"reason-{pk}", "")))
                     for pk in form.shown_ids()}
        try:
            services.cycle_close(cycle=cycle, actor=person_of(request), decisions=decisions)
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                # The list changed under the page: show it afresh with the message.
                return render(request, "programme/cycle_close.html", {
                    "cycle": cycle, "errors": [exc.message], "page_has_errors": True,
                    "form": forms.CloseCycleForm(audits=list(still_open(cycle)))},
                    status=400)
        else:
            messages.success(request, "The cycle is closed.")
            return redirect("programme:cycle_detail", cycle.pk)
    log_access_many(request, object_type="audit", action=AccessLog.Action.LIST,
                    object_ids=[a.pk for a in form.audits])
    return render(request, "programme/cycle_close.html", {
        "cycle": cycle, "form": form, "errors": [], "page_has_errors": False},
        status=400 if form.errors else 200)


@require_GET
@capability_required(RUN)
def coverage(request: HttpRequest) -> HttpResponse:
    return render(request, "programme/coverage.html",
                  {"coverage": coverage_of(on=timezone.localdate())})


# Putting cases forward: requests and nominations -----------------------------------------

PUT_FORWARD = (RUN, Capability.VIEW_TEAM_CASES, Capability.VIEW_ALL_CASES,
               Capability.VIEW_EARLY_HELP_CASES)
K = CaseRequest.Kind


def request_kinds(user: Any) -> list[str]:
    """What this person may put a case forward as: team managers nominate for the theme
    (001), service managers to showcase good practice (002), early help officers request
    (000); the QA team records any request."""
    if user.has_capability(RUN):
        return list(K.values)
    kinds: list[str] = []
    if user.has_role(Role.EARLY_HELP_OFFICER):
        kinds.append(K.EARLY_HELP_OFFICER)
    if user.has_role(Role.TEAM_MANAGER) or user.has_role(Role.ASSISTANT_TEAM_MANAGER):
        kinds.append(K.TEAM_MANAGER)
    if user.has_role(Role.SERVICE_MANAGER) or user.has_role(Role.SENIOR_MANAGER):
        kinds.append(K.SERVICE_MANAGER)
    return kinds or [K.OTHER]


@require_http_methods(["GET", "POST"])
@capability_required(*PUT_FORWARD)
def put_forward(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    if person is None:
        raise PermissionDenied
    form = forms.RequestForm(posted(request), kinds=request_kinds(request.user))
    if request.method == "POST" and form.is_valid():
        case = form.cleaned_data["reference"]
        if not cases_for_user(user=request.user).filter(pk=case.pk).exists():
            form.add_error("reference", "You can only put forward a case you can see in the "
                                        "register")
        else:
            try:
                create_once(form.token, CaseRequest, lambda: services.case_request_create(
                    case=case, kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"], requested_by=person))
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"{case.reference} has been put forward for the "
                                          "next cycle.")
                return redirect("programme:put_forward")
    current = selectors.current_cycle()
    mine = list(selectors.requests_by(person)[:50])
    log_access_many(request, object_type="case", action=AccessLog.Action.LIST,
                    object_ids=list(dict.fromkeys(r.case_id for r in mine)))
    return render(request, "programme/put_forward.html", {
        "form": form, "mine": mine, "cycle": current,
    }, status=400 if form.errors else 200)


@require_POST
@capability_required(*PUT_FORWARD)
def withdraw_request(request: HttpRequest, request_id: int) -> HttpResponse:
    person = person_of(request)
    row = CaseRequest.objects.filter(pk=request_id, requested_by=person).first() \
        if person else None
    if row is None:
        raise Http404
    try:
        services.case_request_withdraw(request=row, actor=person)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Withdrawn.")
    return redirect("programme:put_forward")
