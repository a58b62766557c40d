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
