"""Reads of the practice app, each scoped to what the user may see: an alert is seen by
whoever may see its case (the raiser chairs it, the team manager and the managers above
manage it, the QA team sees every case)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from auditloop.cases.models import Case, Involvement
from auditloop.cases.selectors import cases_for_user
from auditloop.common.dates import add_months
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.people.selectors import staff_directory
from auditloop.practice.models import PracticeAlert, TeamLink

S = PracticeAlert.Status
# The list's status filter: the workflow's states, and those waiting past their date.
OVERDUE = "overdue"
ESCALATED = "escalated"


def alerts_for_user(*, user: Any, status: str = "", team_id: int | None = None,
                    month: dt.date | None = None) -> QuerySet[PracticeAlert]:
    visible = cases_for_user(user=user).order_by().values("pk")
    qs = (PracticeAlert.objects.filter(case__in=visible)
          .select_related("case", "raised_by", "team_manager", "team"))
    if status == OVERDUE:
        qs = qs.filter(status=S.RAISED, respond_by__lt=timezone.localdate())
    elif status == ESCALATED:
        qs = qs.filter(escalations__isnull=False).distinct()
    elif status in S.values:
        qs = qs.filter(status=status)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if month is not None:
        qs = qs.filter(created_at__date__gte=month,
                       created_at__date__lt=add_months(month, 1))
    return qs.order_by("-created_at", "-pk")


def get_alert_for_user(user: Any, alert_id: int) -> PracticeAlert:
    """The alert, or 404 for missing and forbidden alike. Callers log the view."""
    try:
        return alerts_for_user(user=user).prefetch_related("escalations__told").get(
            pk=alert_id)
    except PracticeAlert.DoesNotExist as exc:
        raise Http404 from exc


def on_my_desk(person: Person) -> tuple[list[PracticeAlert], list[PracticeAlert]]:
    """In one query: the alerts waiting for this team manager's answer (soonest due first),
    and the answered alerts this IRO or CP Chair raised, waiting for them to resolve."""
    rows = list(PracticeAlert.objects
                .filter(Q(status=S.RAISED, team_manager=person)
                        | Q(status=S.ANSWERED, raised_by=person))
                .select_related("case").order_by("respond_by", "pk"))
    return ([a for a in rows if a.status == S.RAISED and a.team_manager_id == person.pk],
            [a for a in rows if a.status == S.ANSWERED and a.raised_by_id == person.pk])


def cases_chaired_by(person: Person) -> QuerySet[Case]:
    """The open cases this IRO or CP Chair reviews or chairs now."""
    ids = Involvement.objects.filter(person=person, role=Involvement.Role.IRO,
                                     ended_on__isnull=True).values("case_id")
    return (Case.objects.filter(pk__in=ids, status=Case.Status.OPEN)
            .select_related("team_manager").order_by("reference"))


@dataclass
class MonthlyReport:
    """The practice alerts part of the Safeguarding Unit's monthly report (002)."""

    month: dt.date
    total: int = 0
    by_theme: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    escalated: int = 0
    # Each IRO and CP Chair who raised an alert: their team link (002) and how many.
    raisers: list[tuple[str, str, int]] = field(default_factory=list)


def monthly_report(*, month: dt.date) -> MonthlyReport:
    """Figures only: no case, no child. Three queries."""
    rows = list(PracticeAlert.objects
                .filter(created_at__date__gte=month, created_at__date__lt=add_months(month, 1))
                .values_list("theme", "status", "raised_by_id"))
    report = MonthlyReport(month=month, total=len(rows))
    themes = Counter(theme for theme, _, _ in rows)
    report.by_theme = [(str(label), themes[value]) for value, label
                       in PracticeAlert.Theme.choices if themes[value]]
    statuses = Counter(status for _, status, _ in rows)
    report.by_status = [(str(label), statuses[value]) for value, label in S.choices]
    report.escalated = (PracticeAlert.objects
                        .filter(created_at__date__gte=month,
                                created_at__date__lt=add_months(month, 1),
                                escalations__isnull=False).distinct().count())
    raised = Counter(r for _, _, r in rows)
    links = current_team_links()
    people = Person.objects.filter(pk__in=raised).order_by("full_name")
    report.raisers = [(p.full_name, links[p.pk].name if p.pk in links else "No team link",
                       raised[p.pk]) for p in people]
    return report


def current_team_links() -> dict[int, Any]:
    """Each IRO's and CP Chair's team now, by person id: one query."""
    return {link.person_id: link.team for link in
            TeamLink.objects.filter(ended_on__isnull=True).select_related("team")}


def iros_and_chairs() -> QuerySet[Person]:
    """Every IRO and CP Chair in post, with what the directory needs to show their roles."""
    return staff_directory(role=Role.IRO).filter(is_active=True)
