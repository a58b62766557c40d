"""Where an action came from, as links its reader may follow: the plan it belongs to, and
whatever the apps above registered (an audit and its case). An action knows nothing of
audits, so the audits app registers a finder when it starts (its AppConfig.ready)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from auditloop.actions.models import Action, ActionPlanAction


@dataclass(frozen=True)
class Origin:
    """One place an action came from: "the audit of NM123", and its page. `back` marks the
    page the action page's back link leads to."""

    text: str
    url: str
    back: bool = False
    intro: str = "From"  # how the action page's list introduces it: "Part of", "About"
    back_text: str = ""  # the back link's words, where they differ from `text`


OriginFinder = Callable[[Action, Any], list[Origin]]
_FINDERS: list[OriginFinder] = []


def register_origin_finder(finder: OriginFinder) -> OriginFinder:
    """Register a finder: given an action and the user reading it, the places it came from
    that this user may open (never a link that would be 404 for them)."""
    if finder not in _FINDERS:
        _FINDERS.append(finder)
    return finder


def origins_of(action: Action, user: Any) -> list[Origin]:
    """Every place the action came from that the reader may open, the back link's first."""
    found = []
    link = ActionPlanAction.objects.select_related("plan").filter(action=action).first()
    if link is not None:
        found.append(Origin(link.plan.title, reverse("actions:plan_detail",
                                                     args=[link.plan_id]),
                            back=True, intro="Part of the action plan",
                            back_text=f"the action plan “{link.plan.title}”"))
    for finder in _FINDERS:
        found += finder(action, user)
    return sorted(found, key=lambda o: not o.back)


def back_link(origins: list[Origin]) -> Origin:
    """Where the action page's back link leads: where it came from, else your actions."""
    for origin in origins:
        if origin.back:
            return Origin(origin.back_text or origin.text, origin.url, back=True)
    return Origin("your actions", reverse("actions:my_actions"), back=True)
