"""Home-page panel of moderation: the reviews waiting for this moderator."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from auditloop.common.attention import AttentionItem, AttentionPanel, register


@register
def reviews_waiting(user: Any) -> list[AttentionPanel]:
    """One query: this person's blind reviews and those waiting for their decisions."""
    person = user.person_or_none
    if person is None:
        return []
    from auditloop.moderation.selectors import waiting_count

    blind, deciding = waiting_count(person)
    if not blind and not deciding:
        return []
    items = []
    link = reverse("moderation:my_reviews")
    if blind:
        items.append(AttentionItem(
            f"{blind} audit{'s' if blind != 1 else ''} to grade blind", link, blind))
    if deciding:
        items.append(AttentionItem(
            f"{deciding} moderation review{'s' if deciding != 1 else ''} to finish: agree or "
            "change the auditor's grades", link, deciding))
    return [AttentionPanel(title="Moderation", items=items, order=15)]
