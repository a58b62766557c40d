"""The home page's reports panel: for the QA team, the framework's reports due and the
drafts waiting; for approvers, reports waiting for their approval; for team and service
managers, their own report to write; for everyone who reads reports, the latest published
ones they may read."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from auditloop.common.attention import AttentionItem, AttentionPanel
from auditloop.insight import services
from auditloop.insight.models import Report
from auditloop.people.roles import Capability, Role

LATEST = 3


def reports_panel(user: Any) -> list[AttentionPanel]:
    person = getattr(user, "person_or_none", None)
    if person is None:
        return []
    items: list[AttentionItem] = []
    reports_url = reverse("insight:report_list")
    if user.has_capability(Capability.RUN_CYCLE):
        due = services.due_reports(timezone.localdate())
        for d in due:
            assert d.period is not None
            href = (reverse("insight:report", args=[d.report.pk]) if d.report
                    else reports_url + "#due")
            state = d.report.get_status_display().lower() if d.report else "not begun"
            items.append(AttentionItem(text=f"Due: {d.name} for {d.period.label} ({state})",
                                       href=href))
    waiting = Report.objects.filter(status__in=Report.workflow.groups["awaiting_approval"],
                                    approver_role__in=person.roles)
    for r in waiting[:10]:
        if services.may_approve(r, person):
            items.append(AttentionItem(text=f"Waiting for your approval: {r.title}, "
                                            f"{r.period_key}",
                                       href=reverse("insight:report", args=[r.pk])))
    roles = person.roles
    if (Role.TEAM_MANAGER in roles or Role.SERVICE_MANAGER in roles) and person.team_id \
            and not user.has_capability(Capability.RUN_CYCLE):
        items.append(AttentionItem(text="Write your team or service report", href=reports_url))
    if user.has_capability(Capability.VIEW_REPORTS) or roles:
        published = Report.objects.filter(
            status__in=Report.workflow.groups["published"]).select_related(
            "service", "team", "cycle").order_by("-period_end", "-updated_at")[:20]
        shown = 0
        for r in published:
            if shown == LATEST:
                break
            if services.may_read(r, user):
                items.append(AttentionItem(text=f"Published: {r.title}, {r.period_key}",
                                           href=reverse("insight:report", args=[r.pk])))
                shown += 1
    if not items:
        return []
    return [AttentionPanel(title="Reports", items=items, order=14)]
