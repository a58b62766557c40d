"""Pages of the practice app: practice alerts (raise, list, read, answer, resolve) and the
alerts part of the Safeguarding Unit's monthly report. Every page that shows an alert writes
an access-log row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError
from auditloop.people.models import Team
from auditloop.people.roles import Capability
from auditloop.practice import selectors, services
from auditloop.practice.forms import AlertForm, AnswerForm, ResolveForm, TeamLinkForm
from auditloop.practice.models import PracticeAlert

C = Capability
LIST_LIMIT = 200
# Who may open the list: whoever reaches cases beyond their own caseload by role.
ALERT_READERS = (C.OVERSEE_CASES, C.VIEW_TEAM_CASES, C.VIEW_ALL_CASES)


def _person(request: HttpRequest) -> Any:
    return request.user.person_or_none  # type: ignore[union-attr]


def _month(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None


def _months(count: int = 12) -> list[dt.date]:
    first = timezone.localdate().replace(day=1)
    return [add_months(first, -i) for i in range(count)]


@require_GET
@capability_required(*ALERT_READERS)
def alert_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    try:
        team_id = int(request.GET.get("team", "") or 0) or None
    except ValueError:
        team_id = None
    month = _month(request.GET.get("month", ""))
    alerts = list(selectors.alerts_for_user(user=request.user, status=status, team_id=team_id,
                                            month=month)[:LIST_LIMIT + 1])
    more = len(alerts) > LIST_LIMIT
    alerts = alerts[:LIST_LIMIT]
    log_access_many(request, object_type="practice_alert", object_ids=[a.pk for a in alerts])
    statuses = [("", "Any status"), *PracticeAlert.Status.choices,
                (selectors.OVERDUE, "Waiting past the date"),
                (selectors.ESCALATED, "Escalated")]
    return render(request, "practice/alert_list.html", {
        "alerts": alerts, "more": more, "limit": LIST_LIMIT, "status": status,
        "statuses": statuses, "team_id": team_id, "teams": Team.objects.order_by("name"),
        "month": month, "months": _months(),
        "may_raise": request.user.has_capability(C.OVERSEE_CASES),  # type: ignore[union-attr]
        "may_see_months": any(request.user.has_capability(c)  # type: ignore[union-attr]
                              for c in (C.VIEW_REPORTS, C.OVERSEE_CASES)),
    })


@require_http_methods(["GET", "POST"])
@capability_required(C.OVERSEE_CASES)
def alert_new(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if person is None:
        raise PermissionDenied
    cases = list(selectors.cases_chaired_by(person))
    choices = [(c.pk, f"{c.reference} (team manager: "
                      f"{c.team_manager.full_name if c.team_manager else 'none on record'})")
               for c in cases]
    form = AlertForm(request.POST or None, cases=choices)
    if request.method == "POST" and form.is_valid():
        case = next(c for c in cases if c.pk == form.cleaned_data["case"])
        try:
            alert = services.practice_alert_raise(
                case=case, actor=person, seen=form.cleaned_data["seen"],
                theme=form.cleaned_data["theme"], severity=form.cleaned_data["severity"],
                response_wanted=form.cleaned_data["response_wanted"],
                respond_by=form.cleaned_data["respond_by"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Practice alert raised. It is in the team manager's "
                                      "tray now.")
            return redirect("practice:alert_detail", alert.pk)
    return render(request, "practice/alert_new.html", {"form": form, "cases": cases},
                  status=400 if form.errors else 200)


def _detail(request: HttpRequest, alert: PracticeAlert, *, answer: AnswerForm | None = None,
            resolve: ResolveForm | None = None, status: int = 200) -> HttpResponse:
    person = _person(request)
    may_answer = services.may_answer(alert=alert, person=person)
    may_resolve = services.may_resolve(alert=alert, person=person)
    return render(request, "practice/alert_detail.html", {
        "alert": alert,
        "answer_form": answer or (AnswerForm() if may_answer else None),
        "resolve_form": resolve or (ResolveForm() if may_resolve else None),
        "escalations": list(alert.escalations.all()), "steps": services.STEPS,
    }, status=status)


@require_GET
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.get_alert_for_user(request.user, alert_id)
    log_access(request, object_type="practice_alert", object_id=alert.pk)
    return _detail(request, alert)


@require_POST
def alert_answer(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.get_alert_for_user(request.user, alert_id)
    person = _person(request)
    if not services.may_answer(alert=alert, person=person):
        raise PermissionDenied
    log_access(request, object_type="practice_alert", object_id=alert.pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.practice_alert_answer(
                alert=alert, actor=person, response=d["response"], action_text=d["action"],
                action_due_on=d["action_due_on"], desired_outcome=d["desired_outcome"],
                success_measure=d["success_measure"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Response sent. The IRO or CP Chair has it in their tray.")
            return redirect("practice:alert_detail", alert.pk)
    return _detail(request, alert, answer=form, status=400)


@require_POST
def alert_resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.get_alert_for_user(request.user, alert_id)
    person = _person(request)
    if not services.may_resolve(alert=alert, person=person):
        raise PermissionDenied
    log_access(request, object_type="practice_alert", object_id=alert.pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        services.practice_alert_resolve(alert=alert, actor=person,
                                        resolution=form.cleaned_data["resolution"])
        messages.success(request, "Practice alert resolved.")
        return redirect("practice:alert_detail", alert.pk)
    return _detail(request, alert, resolve=form, status=400)


@require_GET
@capability_required(C.VIEW_REPORTS, C.OVERSEE_CASES)
def monthly_report(request: HttpRequest) -> HttpResponse:
    """Figures only: no case and no child, so no access-log row."""
    month = _month(request.GET.get("month", "")) or timezone.localdate().replace(day=1)
    return render(request, "practice/monthly_report.html", {
        "report": selectors.monthly_report(month=month), "months": _months(),
    })


@require_http_methods(["GET", "POST"])
@capability_required(C.MANAGE_STAFF)
def team_links(request: HttpRequest) -> HttpResponse:
    """Each IRO's and CP Chair's team link (002), set by whoever keeps the staff records."""
    people = list(selectors.iros_and_chairs())
    teams = list(Team.objects.order_by("name"))
    form = TeamLinkForm(request.POST or None, people=[(p.pk, p.full_name) for p in people],
                        teams=[(t.pk, t.name) for t in teams])
    if request.method == "POST" and form.is_valid():
        person = next(p for p in people if p.pk == form.cleaned_data["person"])
        team = next(t for t in teams if t.pk == form.cleaned_data["team"])
        try:
            services.team_link_set(person=person, team=team, actor=_person(request))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{person.full_name}'s team link is now {team.name}.")
            return redirect("practice:team_links")
    links = selectors.current_team_links()
    return render(request, "practice/team_links.html", {
        "form": form, "rows": [(p, links.get(p.pk)) for p in people],
    }, status=400 if form.errors else 200)
