"""Sections of the case page drawn by apps above the register (the audits of the case): the
register imports none of them, so each registers a provider in its AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auditloop.cases.models import Case


@dataclass
class CaseSection:
    """A part of the case page: a heading and the template that draws it with `context`."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100
    # The anchor that links to it (#audits): notices about the case can lead here.
    anchor: str = ""


# (request, case) -> its section, or None where the reader has nothing to see there.
SectionProvider = Callable[[Any, Case], CaseSection | None]
_providers: list[SectionProvider] = []


def register(provider: SectionProvider) -> SectionProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections_for(request: Any, case: Case) -> list[CaseSection]:
    found = [s for s in (p(request, case) for p in _providers) if s is not None]
    return sorted(found, key=lambda s: s.order)
