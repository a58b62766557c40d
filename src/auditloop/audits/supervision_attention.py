"""Home-page panel: cases waiting for a team manager's next supervisions."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from auditloop.audits.models import SupervisionItem
from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.people.roles import Capability


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@register
def supervision_waiting(user: Any) -> list[AttentionPanel]:
    person = user.person_or_none
    if person is None or not user.has_capability(Capability.SIGN_OFF_ACTIONS):
        return []
    counts = SupervisionItem.objects.filter(supervisor=person, discussed_at__isnull=True) \
        .aggregate(total=Count("id"), concerns=Count(
            "id", filter=Q(reason=SupervisionItem.Reason.IMMEDIATE_CONCERN)))
    total, urgent = counts["total"] or 0, counts["concerns"] or 0
    if not total:
        return []
    href = reverse("audits:supervision")
    items = []
    if urgent:
        items.append(AttentionItem(
            _plural(urgent, "immediate safeguarding concern", "immediate safeguarding concerns")
            + " to discuss at supervision", href, urgent))
    items.append(AttentionItem(_plural(total, "thing", "things") + " to discuss at supervision",
                               href, total))
    return [AttentionPanel(title="Supervision", items=items, order=16)]
