"""The demo council's practice alerts: the demo IRO reviews or chairs at least one open case
of the demo team manager, so the demo can show an alert raised and answered between them,
and links with that team manager's team (002's team link). Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from auditloop.cases.models import Case, Involvement
from auditloop.people.models import Person
from auditloop.practice.models import TeamLink

IRO = Involvement.Role.IRO


@transaction.atomic
def build(today: dt.date) -> Case | None:
    iro = Person.objects.filter(user__username="demo-iro", user__is_demo=True).first()
    tm = Person.objects.filter(user__username="demo-team_manager", user__is_demo=True).first()
    if iro is None or tm is None:
        return None
    if tm.team_id is not None:
        TeamLink.objects.get_or_create(person=iro, ended_on=None,
                                       defaults={"team_id": tm.team_id, "started_on": today})
    cases = Case.objects.filter(team_manager=tm, status=Case.Status.OPEN).order_by("reference")
    chaired = cases.filter(involvements__person=iro, involvements__role=IRO,
                           involvements__ended_on__isnull=True).first()
    if chaired is not None:
        return chaired
    # Hand over a case another IRO or CP Chair reviews now; else any open case of the team.
    case = (cases.filter(involvements__role=IRO, involvements__ended_on__isnull=True).first()
            or cases.first())
    if case is None:
        return None
    start = today - dt.timedelta(days=30)
    for row in Involvement.objects.filter(case=case, role=IRO, ended_on__isnull=True):
        row.ended_on = max(row.started_on, start - dt.timedelta(days=1))
        row.save(update_fields=["ended_on", "updated_at"])
    Involvement.objects.get_or_create(case=case, person=iro, role=IRO, started_on=start)
    return case
