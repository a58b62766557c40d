"""Home-page panels from the case register."""

from typing import Any

from django.urls import reverse

from auditloop.cases.models import Case
from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.people.roles import Capability


@register
def my_cases(user: Any) -> list[AttentionPanel]:
    person = user.person_or_none
    if person is None or not user.has_capability(Capability.HOLD_CASES):
        return []
    count = Case.objects.filter(key_worker=person, status=Case.Status.OPEN).count()
    return [
        AttentionPanel(
            title="Your cases",
            items=[AttentionItem(f"{count} open cases you hold", reverse("cases:case_list"),
                                 count)] if count else [],
            empty_text="You hold no open cases.",
            order=50,
        )
    ]
