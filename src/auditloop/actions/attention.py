"""Home-page panels: your actions, actions to sign off, and action plans to lead or review."""

from typing import Any

from django.urls import reverse

from auditloop.actions import selectors
from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.people.roles import Capability


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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@register
def action_plans(user: Any) -> list[AttentionPanel]:
    """The plans a strategic lead leads, and the reviews overdue for them and for the
    strategic lead for QA who reviews them (004 6.1)."""
    person = user.person_or_none
    if person is None:
        return []
    items = []
    led = selectors.plans_led_by(person)
    led_count = led.count()
    if led_count:
        led_overdue = selectors.plans_overdue(led).count()
        href = reverse("actions:plan_list") + f"?lead={person.pk}"
        if led_overdue:
            items.append(AttentionItem(
                f"{_plural(led_overdue, 'plan')} you lead overdue for review",
                href + "&status=open&overdue=yes", led_overdue))
        items.append(AttentionItem(f"{_plural(led_count, 'action plan')} you lead",
                                   href + "&status=open", led_count))
    if user.has_capability(Capability.RUN_CYCLE):
        overdue = selectors.plans_overdue().count()
        if overdue:
            items.append(AttentionItem(
                f"{_plural(overdue, 'action plan')} overdue for review",
                reverse("actions:plan_list") + "?status=open&overdue=yes", overdue))
    if not items:
        return []
    return [AttentionPanel(title="Action plans", items=items, order=16)]
