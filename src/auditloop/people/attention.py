"""Home-page panels about staff: records to complete, who is away, auditors in training."""

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.people.models import Absence, AuditorTraining, Person
from auditloop.people.roles import Capability


@register
def staff_records(user: Any) -> list[AttentionPanel]:
    if not user.has_capability(Capability.MANAGE_STAFF):
        return []
    today = timezone.localdate()
    counts = Person.objects.filter(is_active=True).aggregate(
        no_title=Count("pk", filter=Q(job_title__isnull=True)),
        no_account=Count("pk", filter=Q(user__isnull=True)),
    )
    away = Absence.objects.filter(starts_on__lte=today, ends_on__gte=today).count()
    shadowing = _latest_training_count(AuditorTraining.Status.SHADOWING)
    staff = reverse("people:staff_list")
    items = []
    if counts["no_title"]:
        items.append(AttentionItem(
            f"{counts['no_title']} staff with no job title, so no roles", staff))
    if away:
        items.append(AttentionItem(f"{away} staff away today", staff))
    if shadowing:
        items.append(AttentionItem(f"{shadowing} new auditors still shadowing", staff))
    return [AttentionPanel(title="Staff", items=items,
                           empty_text="Every staff record is complete.", order=40)]


def _latest_training_count(status: str) -> int:
    latest: dict[int, str] = {}
    for person_id, s in AuditorTraining.objects.order_by(
        "person_id", "recorded_on", "id"
    ).values_list("person_id", "status"):
        latest[person_id] = s
    return sum(1 for s in latest.values() if s == status)


