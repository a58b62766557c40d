"""Home-page panel: a person's open and overdue actions, and actions to sign off."""

from typing import Any

from django.urls import reverse

from auditloop.actions import selectors
from auditloop.common.attention import AttentionItem, AttentionPanel, register


@register
def my_actions(user: Any) -> list[AttentionPanel]:
    person = user.person_or_none
    if person is None:
        return []
    owned = selectors.actions_owned_by(person)
    open_count = owned.count()
    overdue = selectors.overdue(owned).count()
    to_sign = selectors.actions_awaiting_sign_off_by(person).count()
    if not (open_count or to_sign):
        return []
    href = reverse("actions:my_actions")
    items = []
    if overdue:
        items.append(AttentionItem(f"{overdue} overdue action{'s' if overdue != 1 else ''}",
                                   href, overdue))
    if open_count:
        items.append(AttentionItem(f"{open_count} open action{'s' if open_count != 1 else ''}",
                                   href, open_count))
    if to_sign:
        items.append(AttentionItem(f"{to_sign} action{'s' if to_sign != 1 else ''} to sign off",
                                   href, to_sign))
    return [AttentionPanel(title="Actions", items=items, order=15)]
