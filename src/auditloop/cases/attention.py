"""Home-page panels from the case register: what each person should look at today."""

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from auditloop.cases import selectors
from auditloop.cases.models import Case, ImportJob
from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.people.roles import Capability


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@register
def register_overview(user: Any) -> list[AttentionPanel]:
    """Cases this person can see: open, and open without a key worker."""
    if not any(user.has_capability(c) for c in (
        Capability.VIEW_ALL_CASES, Capability.VIEW_EARLY_HELP_CASES,
        Capability.VIEW_TEAM_CASES, Capability.HOLD_CASES, Capability.OVERSEE_CASES,
    )):
        return []
    counts = selectors.cases_for_user(user=user, status=Case.Status.OPEN).aggregate(
        open=Count("pk"), unallocated=Count("pk", filter=Q(key_worker__isnull=True))
    )
    cases_url = reverse("cases:case_list")
    items = [AttentionItem(f"{_plural(counts['open'], 'open case')} you can see", cases_url,
                           counts["open"])]
    if counts["unallocated"]:
        items.append(AttentionItem(
            f"{_plural(counts['unallocated'], 'open case')} with no key worker",
            f"{cases_url}?status=open&allocation=unallocated", counts["unallocated"]))
    person = user.person_or_none
    if person and user.has_capability(Capability.HOLD_CASES):
        held = Case.objects.filter(key_worker=person, status=Case.Status.OPEN).count()
        items.insert(0, AttentionItem(f"{_plural(held, 'open case')} you hold",
                                      f"{cases_url}?status=open&allocation=mine", held))
    return [AttentionPanel(title="Cases", items=items, order=20)]


@register
def recent_imports(user: Any) -> list[AttentionPanel]:
    if not user.has_capability(Capability.IMPORT_CASES):
        return []
    jobs = list(ImportJob.objects.order_by("-created_at")[:3])
    items = []
    for job in jobs:
        href = reverse("cases:import_detail", args=[job.pk])
        items.append(AttentionItem(
            f"{job.get_format_display()}: {job.get_status_display().lower()}"
            + (f", {_plural(len(job.problems), 'problem')} to look at" if job.problems else ""),
            href))
    return [AttentionPanel(title="Imports", items=items,
                           empty_text="No imports yet. Import this month's cases to start.",
                           order=30)]

