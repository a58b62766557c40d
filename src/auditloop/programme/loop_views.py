"""Closing the loop's pages: the revisits of each theme (due, started, postponed,
cancelled) for the QA manager, and the loop views (per theme and per action plan) that
show whether practice moved, with the audits as evidence, for those who read reports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.common.access import capability_required, log_access_many
from auditloop.common.errors import DomainError
from auditloop.people.roles import Capability
from auditloop.programme import loop, services
from auditloop.programme.forms import DateInput
from auditloop.programme.models import ThemeRevisit
from auditloop.programme.views import form_error, person_of, posted

RUN = Capability.RUN_CYCLE
READ = (Capability.RUN_CYCLE, Capability.VIEW_REPORTS)


class PostponeForm(forms.Form):
    to = forms.DateField(widget=DateInput, label="New date",
                         help_text="The day the revisit is due instead.",
                         error_messages={"required": "Enter the new date",
                                         "invalid": "Enter a real date"})
    reason = forms.CharField(widget=forms.Textarea, required=False, label="Why is it postponed?")


class CancelForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, required=False,
                             label="Why is the revisit cancelled?")


def log_case_rows(request: HttpRequest, case_ids: list[int]) -> None:
    """One access-log row per case shown with its identifier, in one insert."""
    log_access_many(request, object_type="case", object_ids=case_ids)


def _revisit_page(request: HttpRequest, revisit: ThemeRevisit, errors: list[str] | None = None,
                  status: int = 200) -> HttpResponse:
    rows = list(revisit.cases.select_related("earlier_audit", "revisit_audit")
                .order_by("pk"))
    refs = loop.case_references(request.user, [r.earlier_audit.case_id for r in rows])
    candidates = [] if rows else list(loop.audited_cycle_cases(revisit.cycle))
    if not rows:
        refs |= loop.case_references(request.user, [c.case_id for c in candidates])
    log_case_rows(request, sorted(refs))
    today = timezone.localdate()
    return render(request, "programme/loop_revisit.html", {
        "revisit": revisit, "rows": rows, "refs": refs, "candidates": candidates,
        "events": list(loop.revisit_events(revisit)), "errors": errors or [],
        "is_due": revisit.is_scheduled and revisit.due_on <= today,
        "scheduled": revisit.is_scheduled,
        "theme_slug": loop.theme_slug(revisit.theme),
    }, status=status)


@require_GET
@capability_required(RUN)
def revisit_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = list(loop.revisits())
    return render(request, "programme/loop_revisits.html", {
        "due": [r for r in rows if r.is_scheduled and r.due_on <= today],
        "later": [r for r in rows if r.is_scheduled and r.due_on > today],
        "done": [r for r in rows if not r.is_scheduled],
        "today": today,
    })


@require_GET
@capability_required(RUN)
def revisit_detail(request: HttpRequest, revisit_id: int) -> HttpResponse:
    return _revisit_page(request, loop.get_revisit(revisit_id))


@require_POST
@capability_required(RUN)
def revisit_start(request: HttpRequest, revisit_id: int) -> HttpResponse:
    revisit = loop.get_revisit(revisit_id)
    try:
        services.revisit_start(revisit=revisit, actor=person_of(request))
    except DomainError as exc:
        return _revisit_page(request, loop.get_revisit(revisit_id), [exc.message], status=400)
    messages.success(request, f"The revisit of {revisit.theme} is started: its audits join the "
                              "next monthly cycle's list as planned cases.")
    return redirect("programme:revisit_detail", revisit.pk)


def _reason_step(request: HttpRequest, revisit_id: int, form_class: type[forms.Form],
                 title: str, submit: str, run: Any, done: str) -> HttpResponse:
    revisit = loop.get_revisit(revisit_id)
    if not revisit.is_scheduled:
        return _revisit_page(request, revisit, [
            f"This revisit is {revisit.get_status_display().lower()}, so it cannot change "
            "now."], status=400)
    form = form_class(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            run(revisit, form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("programme:revisit_detail", revisit.pk)
    return render(request, "programme/reason.html", {
        "form": form, "title": title, "submit": submit, "back": "programme:revisit_list",
        "back_text": "Back to revisits of audited themes",
        "caption": f"Revisit of {revisit.theme}",
        "hint": f"It is due on {revisit.due_on:%-d %B %Y}. The reason is kept in its history.",
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def revisit_postpone(request: HttpRequest, revisit_id: int) -> HttpResponse:
    return _reason_step(
        request, revisit_id, PostponeForm, "Postpone the revisit", "Postpone",
        lambda r, d: services.revisit_postpone(revisit=r, actor=person_of(request), to=d["to"],
                                               reason=d["reason"]),
        "The revisit is postponed.")


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def revisit_cancel(request: HttpRequest, revisit_id: int) -> HttpResponse:
    return _reason_step(
        request, revisit_id, CancelForm, "Cancel the revisit", "Cancel the revisit",
        lambda r, d: services.revisit_cancel(revisit=r, actor=person_of(request),
                                             reason=d["reason"]),
        "The revisit is cancelled.")


# ---------------------------------------------------------------------------- loop views


def _plans_by_theme() -> dict[str, list[Any]]:
    from auditloop.actions.models import ActionPlan

    out: dict[str, list[Any]] = {}
    for plan in ActionPlan.objects.exclude(theme="").order_by("created_at", "pk"):
        out.setdefault(loop.theme_slug(plan.theme), []).append(plan)
    return out


@require_GET
@capability_required(*READ)
def loop_index(request: HttpRequest) -> HttpResponse:
    loops = loop.theme_loops(user=request.user)
    return render(request, "programme/loop_index.html", {
        "loops": loops, "plans": _plans_by_theme(), "percent": loop.percent,
        "runs_cycle": request.user.has_capability(RUN),  # type: ignore[union-attr]
    })


@require_GET
@capability_required(*READ)
def loop_theme(request: HttpRequest, theme_slug: str) -> HttpResponse:
    theme = loop.theme_for_slug(theme_slug)
    loops = loop.theme_loops(user=request.user, theme=theme)
    if not loops:
        raise Http404
    log_case_rows(request, loop.shown_case_ids(loops))
    from auditloop.actions.selectors import action_plans_for_theme

    return render(request, "programme/loop_theme.html", {
        "t": loops[0], "percent": loop.percent, "Outcome": loop.Outcome,
        "plans": [p for p in action_plans_for_theme(theme=theme)],
        "runs_cycle": request.user.has_capability(RUN),  # type: ignore[union-attr]
    })


@require_GET
@capability_required(*READ)
def loop_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Since the plan was made, did practice on its theme move?"""
    from auditloop.actions.models import ActionPlan

    plan = (ActionPlan.objects.prefetch_related("action_links__action", "lead_rows__person")
            .filter(pk=plan_id).first())
    if plan is None:
        raise Http404
    loops = loop.theme_loops(user=request.user, theme=plan.theme,
                             since=plan.created_at) if plan.theme else []
    t = loops[0] if loops else None
    log_case_rows(request, loop.shown_case_ids(loops))
    rag: dict[str, int] = {}
    for link in plan.action_links.all():
        rag[link.action.status] = rag.get(link.action.status, 0) + 1
    before = [p for p in t.points if not p.after_plan] if t else []
    after = [p for p in t.points if p.after_plan] if t else []
    return render(request, "programme/loop_plan.html", {
        "plan": plan, "t": t, "rag": rag, "percent": loop.percent,
        "share_before": loop.share_good(before), "share_after": loop.share_good(after),
        "before_points": before, "after_points": after,
        "theme_slug": loop.theme_slug(plan.theme) if plan.theme else "",
    })
