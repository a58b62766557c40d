"""The home page's "needs your attention" panels.

Each app registers a provider in its AppConfig.ready(); common calls them without
importing any app. A provider takes the user and returns panels (or nothing).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auditloop.common import per_page


@dataclass
class AttentionItem:
    text: str
    href: str
    count: int | None = None


@dataclass
class AttentionPanel:
    """A panel of links; or, where `template` is set, a panel drawn by that template with
    `context` (the home page includes it in place of the links)."""

    title: str
    items: list[AttentionItem] = field(default_factory=list)
    empty_text: str = "Nothing needs your attention here."
    order: int = 100
    template: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    # Urgent (an immediate safeguarding concern): drawn above the rest as a warning,
    # visually distinct from ordinary notices.
    warning: bool = False


Provider = Callable[[Any], list[AttentionPanel]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(user: Any) -> list[AttentionPanel]:
    """Every provider's panels, in order. What several providers read the same way (a
    manager's management subtree) is read once for the page (common.per_page)."""
    panels: list[AttentionPanel] = []
    with per_page.one_page():
        for provider in _providers:
            panels.extend(provider(user))
    return sorted(panels, key=lambda p: p.order)
