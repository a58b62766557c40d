"""The information governance lead's home panel: the access log and the sign-in events,
with the lockouts of the past week."""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.people.models import SignInEvent
from auditloop.people.roles import Capability


@register
def information_governance(user: Any) -> list[AttentionPanel]:
    if not user.has_capability(Capability.VIEW_ACCESS_LOG):
        return []
    since = timezone.now() - dt.timedelta(days=7)
    locked = SignInEvent.objects.filter(kind=SignInEvent.Kind.LOCKED_OUT, at__gte=since).count()
    events = reverse("governance:sign_in_events")
    items = [
        AttentionItem("Access log: who looked at which record", reverse("governance:access_log")),
        AttentionItem("Sign-in events", events),
    ]
    if locked:
        items.append(AttentionItem(
            f"{locked} sign-in{'s' if locked != 1 else ''} refused by the lock in the past "
            "7 days", f"{events}?kind={SignInEvent.Kind.LOCKED_OUT}", count=locked))
    return [AttentionPanel(title="Information governance", items=items, order=10)]
