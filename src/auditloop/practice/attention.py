"""Home-page panels of the practice app: the practice alerts waiting for this team manager's
answer, drawn as a warning while one is urgent or past its date; and the answered alerts
waiting for the IRO or CP Chair who raised them to read the answer and resolve them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.common.dates import gds_date


@register
def alerts_waiting(user: Any) -> list[AttentionPanel]:
    """One query: the alerts waiting for this person's answer."""
    person = user.person_or_none
    if person is None:
        return []
    from auditloop.practice.models import PracticeAlert
    from auditloop.practice.selectors import waiting_for

    alerts = list(waiting_for(person)[:20])
    if not alerts:
        return []
    items = [AttentionItem(
        f"Answer the practice alert on {a.case.reference} by {gds_date(a.respond_by)}"
        + (" (overdue)" if a.waiting_past_date else "")
        + (" (urgent)" if a.severity == PracticeAlert.Severity.URGENT else ""),
        reverse("practice:alert_detail", args=[a.pk])) for a in alerts]
    warning = any(a.waiting_past_date or a.severity == PracticeAlert.Severity.URGENT
                  for a in alerts)
    return [AttentionPanel(title="Practice alerts to answer", items=items, order=12,
                           warning=warning)]


@register
def alerts_answered(user: Any) -> list[AttentionPanel]:
    """One query: the answered alerts this person raised."""
    person = user.person_or_none
    if person is None:
        return []
    from auditloop.practice.selectors import answered_for

    alerts = list(answered_for(person)[:20])
    if not alerts:
        return []
    items = [AttentionItem(f"Read the answer to your practice alert on {a.case.reference} "
                           "and resolve it", reverse("practice:alert_detail", args=[a.pk]))
             for a in alerts]
    return [AttentionPanel(title="Practice alerts answered", items=items, order=13)]
