"""The leaders' headline on the home page: last month's audits graded and the
share good or better in their area, with its count and interval, and the two-year p-chart
of good or better, linking to the monthly report and to the audits behind the count.
Both are counted by month, tool version and grade in the database (figures.good_by_month):
the page never reads the two years of audits one by one.

A service manager's area is the service of their team; senior leaders, assistant
directors, the director and the head of service for QA see the whole council. Three or
four queries: the person's service, then the audits' counts and their tools' scales (the
figures' own two); the chart's drawing is cached by its points (common.charts).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from auditloop.common import charts
from auditloop.common.attention import AttentionPanel, register
from auditloop.insight import figures, sections
from auditloop.people.models import Service
from auditloop.people.roles import Capability, Role

COUNCIL_WIDE = frozenset({Role.SENIOR_LEADER, Role.ASSISTANT_DIRECTOR, Role.DIRECTOR,
                          Role.HEAD_OF_QA})
LEADERS = COUNCIL_WIDE | {Role.SERVICE_MANAGER}
CHART_TITLE = "Audits good or better each month"
TEMPLATE = "insight/_home_headline.html"


def area_of(user: Any) -> Service | None:
    """The service a leader's headline covers, or None for the whole council: a service
    manager's own service (their team's), unless another role of theirs sees the council.
    A service manager with no team recorded sees the whole council's figures."""
    if user.roles & COUNCIL_WIDE:
        return None
    person = user.person_or_none
    if person is None or person.team_id is None:
        return None
    return Service.objects.filter(teams__pk=person.team_id).first()


def last_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@register
def headline(user: Any) -> list[AttentionPanel]:
    roles: frozenset[str] = getattr(user, "roles", frozenset())
    if not roles & LEADERS or not user.has_capability(Capability.VIEW_REPORTS):
        return []
    service = area_of(user)
    first = last_month(timezone.localdate())
    scope = figures.Scope(start=first, end=figures.add_months(first, 1) - dt.timedelta(days=1),
                          service_id=service.pk if service else None)
    history = scope.earlier(figures.TREND_MONTHS)
    counts = figures.good_by_month(history)
    month = figures.month_key(first)
    graded = counts.get(month, figures.MonthGood(graded=0, good=0))
    trend = figures.good_trend_of(counts, figures.months_between(history.start, history.end))
    report = [("month", month)] + ([("service", str(service.pk))] if service else [])
    area = service.name if service else "the whole council"
    return [AttentionPanel(
        title=f"Last month's audits: {area}", order=10, template=TEMPLATE, context={
            "area": area,
            "month_label": f"{first:%B %Y}",
            "graded": graded.graded,
            "good": graded.share,
            "chart": (charts.draw(trend, title=CHART_TITLE, as_percent=True)
                      if trend.points else None),
            "report_url": f"{reverse('insight:monthly')}?{urlencode(report)}",
            "audits_url": f"{reverse('insight:audits')}?{urlencode(sections.drill(scope))}",
        })]
