"""Home-page panel: unread notices in the person's tray."""

from typing import Any

from django.urls import reverse

from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.notifications.models import Notification


@register
def unread_notices(user: Any) -> list[AttentionPanel]:
    person = user.person_or_none
    if person is None:
        return []
    unread = Notification.objects.filter(recipient=person, read_at__isnull=True)
    urgent = unread.filter(is_urgent=True).count()
    total = unread.count()
    items = []
    if urgent:
        items.append(AttentionItem(f"{urgent} urgent notice{'s' if urgent != 1 else ''}",
                                   reverse("notifications:tray"), urgent))
    if total:
        items.append(AttentionItem(f"{total} unread notice{'s' if total != 1 else ''}",
                                   reverse("notifications:tray"), total))
    return [AttentionPanel(title="Your tray", items=items, empty_text="Your tray is empty.",
                           order=10)]
