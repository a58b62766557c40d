"""Home-page panel: the audits a person still has to do."""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from auditloop.audits import selectors
from auditloop.common.attention import AttentionItem, AttentionPanel, register


@register
def audits_to_do(user: Any) -> list[AttentionPanel]:
    person = user.person_or_none
    if person is None:
        return []
    to_do = selectors.audits_to_do(person=person)
    count = to_do.count()
    if not count:
        return []
    overdue = to_do.filter(due_on__lt=timezone.localdate()).count()
    href = reverse("audits:audit_list")
    items = []
    if overdue:
        items.append(AttentionItem(f"{overdue} overdue audit{'s' if overdue != 1 else ''}",
                                   href, overdue))
    items.append(AttentionItem(f"{count} audit{'s' if count != 1 else ''} to do", href, count))
    return [AttentionPanel(title="Audits to do", items=items, order=12)]


@register
def tracker_overdue(user: Any) -> list[AttentionPanel]:
    """The tracker's overdue audit actions (002: tracked at the monthly performance
    meeting): every case's for the QA team, their people's for managers."""
    from auditloop.audits import tracker

    if not tracker.may_read_tracker(user):
        return []
    today = timezone.localdate()
    overdue = tracker.tracker_actions(
        user=user, filters=tracker.TrackerFilters(overdue=True), today=today).count()
    if not overdue:
        return []
    href = reverse("audits:tracker_actions") + "?overdue=1"
    return [AttentionPanel(title="Audit actions", order=16, items=[AttentionItem(
        f"{overdue} overdue audit action{'s' if overdue != 1 else ''}", href, overdue)])]
