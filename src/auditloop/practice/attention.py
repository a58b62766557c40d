"""Home-page panels of the practice app, in one query: the practice alerts waiting for this
team manager's answer, drawn as a warning while one is urgent or past its date; and the
answered alerts waiting for the IRO or CP Chair who raised them to read the answer and
resolve them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.common.dates import gds_date

SHOWN = 20  # of each kind; the list page has the rest


@register
def practice_alerts(user: Any) -> list[AttentionPanel]:
    person = user.person_or_none
    if person is None:
        return []
    from auditloop.practice.models import PracticeAlert
    from auditloop.practice.selectors import on_my_desk

    to_answer, to_resolve = on_my_desk(person)
    panels = []
    if to_answer:
        items = [AttentionItem(
            f"Answer the practice alert on {a.case.reference} by {gds_date(a.respond_by)}"
            + (" (overdue)" if a.waiting_past_date else "")
            + (" (urgent)" if a.severity == PracticeAlert.Severity.URGENT else ""),
            reverse("practice:alert_detail", args=[a.pk])) for a in to_answer[:SHOWN]]
        warning = any(a.waiting_past_date or a.severity == PracticeAlert.Severity.URGENT
                      for a in to_answer)
        panels.append(AttentionPanel(title="Practice alerts to answer", items=items, order=12,
                                     warning=warning))
    if to_resolve:
        items = [AttentionItem(f"Read the answer to your practice alert on "
                               f"{a.case.reference} and resolve it",
                               reverse("practice:alert_detail", args=[a.pk]))
                 for a in to_resolve[:SHOWN]]
        panels.append(AttentionPanel(title="Practice alerts answered", items=items, order=13))
    return panels
