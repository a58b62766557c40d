"""Practice alerts for tests: a case with its team manager (and the managers above), the
IRO who chairs it, and an alert raised through the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from auditloop.cases.models import Involvement
from auditloop.people.roles import Role
from auditloop.practice.models import PracticeAlert
from auditloop.practice.services import practice_alert_raise
from tests.factories import CaseFactory, PersonFactory


def chaired_case(**kwargs: Any) -> dict[str, Any]:
    """A case whose team manager reports to a service manager, who reports to a head of
    service; an IRO chairs it."""
    head = PersonFactory(roles=[Role.ASSISTANT_DIRECTOR])
    sm = PersonFactory(roles=[Role.SERVICE_MANAGER], line_manager=head)
    tm = PersonFactory(roles=[Role.TEAM_MANAGER], line_manager=sm)
    iro = PersonFactory(roles=[Role.IRO])
    case = CaseFactory(team_manager=tm, **kwargs)
    Involvement.objects.create(case=case, person=iro, role=Involvement.Role.IRO,
                               started_on=dt.date(2026, 1, 5))
    return {"case": case, "tm": tm, "sm": sm, "head": head, "iro": iro}


def make_alert(world: dict[str, Any] | None = None, *, days: int = 7,
               **kwargs: Any) -> PracticeAlert:
    world = world or chaired_case()
    values = {"seen": "The child protection plan has not been reviewed since March.",
              "theme": PracticeAlert.Theme.PLANNING,
              "severity": PracticeAlert.Severity.SERIOUS,
              "response_wanted": "Review the plan and tell me when the core group meets.",
              "respond_by": timezone.localdate() + dt.timedelta(days=days)}
    values.update(kwargs)
    return practice_alert_raise(case=world["case"], actor=world["iro"], **values)
