"""Action plans and findings: the pages strategic leads and the QA team work in (004 6.1)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from auditloop.actions import exports, forms, selectors, services
from auditloop.actions.models import Action, ActionPlan, ActionPlanReview, Finding
from auditloop.common.access import capability_required, log_access
from auditloop.common.errors import DomainError
from auditloop.common.exports import ExportStamp, ask_for_reason, stamp_csv, stamp_xlsx
from auditloop.common.idempotency import create_once
from auditloop.common.models import AccessLog
from auditloop.people.roles import Capability

C = Capability
READ = (C.VIEW_REPORTS, C.OWN_ACTION_PLANS, C.RUN_CYCLE, C.MANAGE_FRAMEWORK)
CREATE = selectors.PLAN_MAKERS


def _person(request: HttpRequest) -> Any:
    return request.user.person_or_none  # type: ignore[union-attr]


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _form_page(request: HttpRequest, form: Any, *, title: str, submit: str, back: str,
               back_text: str, caption: str = "", intro: str = "") -> HttpResponse:
    return render(request, "actions/plan_form.html", {
        "form": form, "title": title, "submit": submit, "back": back, "back_text": back_text,
        "caption": caption, "intro": intro,
    }, status=400 if form.is_bound and form.errors else 200)


def _valid_filters(filters: Any) -> dict[str, Any]:
    """The filters that are valid: one that no longer fits (a lead who has handed over, a
    date range the wrong way round) is dropped and shown with its error, not the rest."""
    if not filters.is_bound:
        return {}
    filters.is_valid()
    return dict(filters.cleaned_data)


# ---------------------------------------------------------------- plans


@require_GET
@capability_required(*READ)
def plan_list(request: HttpRequest) -> HttpResponse:
    filters = forms.PlanFilterForm(request.GET or None)
    data = _valid_filters(filters)
    lead = data.get("lead")
    plans = list(selectors.action_plan_list(
        status=data.get("status", ""), lead_id=lead.pk if lead else None,
        source=data.get("source", ""), overdue_only=data.get("overdue") == "yes"))
    person = _person(request)
    return render(request, "actions/plan_list.html", {
        "plans": plans, "filters": filters, "today": timezone.localdate(),
        "may_create": person is not None and services.may_create_plans(person),
        "tags": Finding.Tag.choices, "lists": Finding.TAG_LISTS,
    })


@require_http_methods(["GET", "POST"])
@capability_required(*CREATE)
def plan_new(request: HttpRequest) -> HttpResponse:
    form = forms.PlanForm(_posted(request), initial=forms.initial_from(request.GET))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan, _ = create_once(form.token, ActionPlan, lambda: services.action_plan_create(
                title=d["title"], recommendation=d["recommendation"], source=d["source"],
                source_label=d["source_label"], source_key=form.source_key(),
                theme=d["theme"], strategic_lead=d["strategic_lead"], actor=_person(request)))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The action plan has been made. Add its actions.")
            return redirect("actions:plan_detail", plan.pk)
    return _form_page(request, form, title="Make an action plan", submit="Make the plan",
                      back=reverse("actions:plan_list"), back_text="Back to action plans",
                      intro="A recommendation becomes an action plan owned by a strategic "
                      "lead. The strategic lead for Quality Assurance reviews its progress.")


@require_GET
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, plan_id)
    person = _person(request)
    open_ = plan.is_open
    return render(request, "actions/plan_detail.html", {
        "plan": plan,
        "actions": [link.action for link in plan.action_links.all()],
        "today": timezone.localdate(),
        "may_edit": open_ and person is not None
        and services.may_edit_plan(plan=plan, person=person),
        "may_review": open_ and person is not None
        and services.may_review_plan(plan=plan, person=person),
    })


def _plan_to_change(request: HttpRequest, plan_id: int, *, review: bool = False
                    ) -> ActionPlan:
    """The plan, 404 if the user cannot see it, 403 if they can see it but not change it."""
    plan = selectors.get_plan_for_user(request.user, plan_id)
    person = _person(request)
    allowed = services.may_review_plan if review else services.may_edit_plan
    if person is None or not allowed(plan=plan, person=person):
        raise PermissionDenied
    return plan


def _closed(request: HttpRequest, plan: ActionPlan) -> HttpResponse | None:
    """A form of a closed plan, opened from an old tab: back to the plan, saying why."""
    if request.method == "GET" and not plan.is_open:
        messages.error(request, "This action plan is closed, so it cannot be changed.")
        return redirect("actions:plan_detail", plan.pk)
    return None


@require_http_methods(["GET", "POST"])
def plan_action_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_to_change(request, plan_id)
    if (gone := _closed(request, plan)) is not None:
        return gone
    form = forms.PlanActionForm(_posted(request), initial={"owner": plan.lead})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            create_once(form.token, Action, lambda: services.action_plan_action_add(
                plan=plan, actor=_person(request), issue=d["issue"], action=d["action"],
                by_whom=d["by_whom"], owner=d["owner"], due_on=d["due_on"],
                desired_outcome=d["desired_outcome"], success_measure=d["success_measure"]))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The action has been added to the plan.")
            return redirect("actions:plan_detail", plan.pk)
    return _form_page(request, form, title="Add an action", submit="Add the action",
                      caption=plan.title, back=reverse("actions:plan_detail", args=[plan.pk]),
                      back_text="Back to the action plan",
                      intro="Every part is needed so the action can be tracked (SMART: "
                      "specific, measurable, achievable, realistic, timely).")


@require_http_methods(["GET", "POST"])
def plan_review_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_to_change(request, plan_id, review=True)
    if (gone := _closed(request, plan)) is not None:
        return gone
    cadence = services.review_cadence_months()
    form = forms.ReviewForm(_posted(request), cadence=cadence,
                            initial={"reviewed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            review, _ = create_once(form.token, ActionPlanReview,
                                    lambda: services.action_plan_review_record(
                plan=plan, actor=_person(request), reviewed_on=d["reviewed_on"],
                rag=d["rag"], progress=d["progress"], changes=d["changes"],
                next_review_on=d["next_review_on"]))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            nxt = (f" The next review is on {review.next_review_on:%-d %B %Y}."
                   if review.next_review_on else "")
            messages.success(request, "The review has been recorded." + nxt)
            return redirect("actions:plan_detail", plan.pk)
    return _form_page(request, form, title="Record a review", submit="Record the review",
                      caption=plan.title, back=reverse("actions:plan_detail", args=[plan.pk]),
                      back_text="Back to the action plan")


@require_http_methods(["GET", "POST"])
def plan_lead_change(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_to_change(request, plan_id)
    if (gone := _closed(request, plan)) is not None:
        return gone
    form = forms.LeadForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.action_plan_lead_change(plan=plan, lead=form.cleaned_data["lead"],
                                             actor=_person(request),
                                             note=form.cleaned_data["note"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['lead']} now leads the plan.")
            return redirect("actions:plan_detail", plan.pk)
    return _form_page(request, form, title="Change the strategic lead", submit="Change lead",
                      caption=plan.title, back=reverse("actions:plan_detail", args=[plan.pk]),
                      back_text="Back to the action plan",
                      intro=f"{plan.lead} leads it now." if plan.lead else "")


@require_http_methods(["GET", "POST"])
def plan_close(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_to_change(request, plan_id)
    if (gone := _closed(request, plan)) is not None:
        return gone
    form = forms.CloseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.action_plan_close(
                plan=plan, actor=_person(request), summary=form.cleaned_data["summary"],
                open_actions_reason=form.cleaned_data["open_actions_reason"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The action plan has been closed.")
            return redirect("actions:plan_detail", plan.pk)
    open_count = sum(1 for link in plan.action_links.all() if not link.action.is_done)
    return _form_page(
        request, form, title="Close the action plan", submit="Close the plan",
        caption=plan.title, back=reverse("actions:plan_detail", args=[plan.pk]),
        back_text="Back to the action plan",
        intro=(f"{open_count} of its actions {'is' if open_count == 1 else 'are'} not signed "
               "off yet." if open_count else "Every action of the plan is signed off."))


# ---------------------------------------------------------------- findings


def _tag(tag: str) -> Finding.Tag:
    try:
        return Finding.Tag(tag)
    except ValueError as exc:
        raise Http404 from exc


def _filtered_findings(request: HttpRequest, tag: Finding.Tag) -> tuple[Any, Any]:
    filters = forms.FindingFilterForm(request.GET or None)
    data = _valid_filters(filters)
    return filters, selectors.finding_list(tag=tag, theme=data.get("theme", ""),
                                           since=data.get("since"), until=data.get("until"))


@require_GET
@capability_required(*READ)
def finding_list(request: HttpRequest, tag: str) -> HttpResponse:
    chosen = _tag(tag)
    filters, findings = _filtered_findings(request, chosen)
    person = _person(request)
    return render(request, "actions/finding_list.html", {
        "tag": chosen, "tags": Finding.Tag.choices, "lists": Finding.TAG_LISTS,
        "findings": list(findings),
        "filters": filters, "counts": selectors.finding_tag_counts(),
        "query": request.GET.urlencode(),
        "may_create": person is not None and services.may_create_plans(person),
    })


@require_http_methods(["GET", "POST"])
@capability_required(*READ)
def findings_export(request: HttpRequest, tag: str, fmt: str) -> HttpResponse:
    chosen = _tag(tag)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    query = request.GET.urlencode()
    back = reverse("actions:finding_list", args=[chosen.value])
    asked = ask_for_reason(request, what=f"findings: {chosen.label.lower()}",
                           back_url=f"{back}?{query}" if query else back)
    if isinstance(asked, HttpResponse):
        return asked
    _, findings = _filtered_findings(request, chosen)
    log_access(request, object_type="findings", object_id=chosen.value,
               action=AccessLog.Action.EXPORT, reason=asked)
    stamp = ExportStamp.now(request.user)
    name = f"findings-{chosen.value.replace('_', '-')}-{timezone.localdate():%Y-%m-%d}"
    if fmt == "xlsx":
        response = HttpResponse(
            stamp_xlsx(exports.findings_xlsx(findings, title=chosen.label), stamp),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        exports.write_findings_csv(response, findings)
        stamp_csv(response, stamp)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
@capability_required(*CREATE)
def finding_new(request: HttpRequest) -> HttpResponse:
    tag = request.GET.get("tag", "")
    initial = forms.initial_from(request.GET)
    if tag in Finding.Tag.values:
        initial["tags"] = [tag]
    form = forms.FindingForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            finding, _ = create_once(form.token, Finding, lambda: services.finding_create(
                text=d["text"], tags=d["tags"], source=d["source"],
                source_label=d["source_label"], source_key=form.source_key(),
                theme=d["theme"], actor=_person(request), plan=d["plan"]))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The finding has been recorded.")
            return redirect("actions:finding_list", finding.tag_values[0])
    return _form_page(request, form, title="Record a finding", submit="Record the finding",
                      back=reverse("actions:finding_list",
                                   args=[tag if tag in Finding.Tag.values else
                                         Finding.Tag.TRAINING_NEED]),
                      back_text="Back to the findings")
