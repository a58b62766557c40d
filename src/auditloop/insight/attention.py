"""The home page's reports panel: for the QA team, the framework's reports due and the
drafts waiting; for approvers, reports waiting for their approval; for team and service
managers, their own report to write; for everyone who reads reports, the latest published
ones they may read."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from auditloop.common.attention import AttentionItem, AttentionPanel
from auditloop.insight import services
from auditloop.insight.models import Report
from auditloop.people.roles import Capability, Role
from auditloop.standards.models import FrameworkSettings

LATEST = 3


def reports_panel(user: Any) -> list[AttentionPanel]:
    """Two queries: the framework's settings (for the QA team) and the reports."""
    person = getattr(user, "person_or_none", None)
    if person is None:
        return []
    roles = person.roles
    runner = user.has_capability(Capability.RUN_CYCLE)
    # Read without making the settings row (the home page must not write).
    entries = services.framework_entries(FrameworkSettings.objects.filter(pk=1).values_list(
        "reports", flat=True).first() or []) if runner else {}
    periods = services.due_periods(timezone.localdate(), entries)
    q = Q(status__in=Report.workflow.groups["published"])
    if roles:
        q |= Q(status__in=Report.workflow.groups["awaiting_approval"],
               approver_role__in=roles)
    if periods:
        q |= services.due_q(periods)
    if runner:  # the QA team's drafts, whatever they are
        q |= Q(status__in=Report.workflow.groups["editable"])
    rows = list(Report.objects.filter(q).select_related("service", "team", "cycle")
                .order_by("-period_end", "-updated_at"))
    items: list[AttentionItem] = []
    reports_url = reverse("insight:report_list")
    for d in services.due_reports(timezone.localdate(), entries=entries, begun=rows):
        assert d.period is not None
        href = (reverse("insight:report", args=[d.report.pk]) if d.report
                else reports_url + "#due")
        state = d.report.get_status_display().lower() if d.report else "not begun"
        items.append(AttentionItem(text=f"Due: {d.name} for {d.period.label} ({state})",
                                   href=href))
    due_ids = {d.report.pk for d in services.due_reports(
        timezone.localdate(), entries=entries, begun=rows) if d.report}
    for r in rows:
        if runner and r.status_in("editable") and r.pk not in due_ids:
            items.append(AttentionItem(text=f"Draft: {r.title}, {r.period_label}",
                                       href=reverse("insight:report", args=[r.pk])))
        if r.status_in("awaiting_approval") and services.may_approve(r, person):
            items.append(AttentionItem(text=f"Waiting for your approval: {r.title}, "
                                            f"{r.period_label}",
                                       href=reverse("insight:report", args=[r.pk])))
    if (Role.TEAM_MANAGER in roles or Role.SERVICE_MANAGER in roles) and person.team_id \
            and not runner:
        items.append(AttentionItem(text="Write your team or service report", href=reports_url))
    shown = 0
    for r in rows:
        if shown == LATEST:
            break
        if r.status_in("published") and services.may_read(r, user):
            items.append(AttentionItem(text=f"Published: {r.title}, {r.period_label}",
                                       href=reverse("insight:report", args=[r.pk])))
            shown += 1
    if not items:
        return []
    return [AttentionPanel(title="Reports", items=items, order=14)]
