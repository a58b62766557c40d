"""Home-page panels for Tier 1 quality control: the queue for the central team and the
service managers, and each lead professional's records to put right."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.quality import checklist as tool
from auditloop.quality import selectors
from auditloop.quality.models import QualityCheck

QS = QualityCheck.Status
SHOWN = 5


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _queue_panel(counts: dict[str, int]) -> AttentionPanel:
    href = reverse("quality:queue")
    items = [AttentionItem(f"{_plural(counts['waiting'], 'record')} waiting for a check",
                           href, counts["waiting"])]
    if counts["reported"]:
        items.append(AttentionItem(
            f"{_plural(counts['reported'], 'record')} put right, to confirm",
            f"{href}?status={QS.REPORTED}", counts["reported"]))
    return AttentionPanel(title="Quality control", items=items, order=25)


def _to_fix_panel(person: Any) -> AttentionPanel | None:
    rows = list(selectors.quality_checks_to_fix(person)[:SHOWN + 1])
    if not rows:
        return None
    items = [
        AttentionItem(
            f"{tool.kind_label(c)} of {_day(c.event.occurred_on)}, case "
            f"{c.event.case.reference}"
            + (": waiting for the central team" if c.awaits_confirmation else ""),
            reverse("quality:check", args=[c.pk]))
        for c in rows[:SHOWN]
    ]
    if len(rows) > SHOWN:
        items.append(AttentionItem("See them all", reverse("quality:to_fix")))
    return AttentionPanel(title="Quality control: to fix", items=items, order=12)


@register
def quality_control(user: Any) -> list[AttentionPanel]:
    person = user.person_or_none
    if person is None or not person.is_active:
        return []
    panels = []
    to_fix = Q(sent_to=person,
               status__in=QualityCheck.workflow.groups["being_put_right"])
    if selectors.is_checker(person):
        # One query for the queue's counts and whether anything was sent back to them.
        scope = selectors.checker_scope(person) or Q()
        counts = QualityCheck.objects.aggregate(
            waiting=Count("pk", filter=scope & Q(status=QS.WAITING)),
            reported=Count("pk", filter=scope & Q(status=QS.REPORTED)),
            to_fix=Count("pk", filter=to_fix))
        panels.append(_queue_panel(counts))
        if not counts["to_fix"]:
            return panels
    panel = _to_fix_panel(person)
    if panel is not None:
        panels.append(panel)
    return panels
