"""Action plans and findings made through their services, as the app makes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditloop.actions import services
from auditloop.actions.models import Action, ActionPlan, Finding
from auditloop.people.models import Person
from auditloop.people.roles import Role
from tests.factories import PersonFactory

SMART = {
    "issue": "Management oversight is not recorded on the file",
    "action": "Team managers record oversight at each supervision",
    "by_whom": "Early Help team managers",
    "desired_outcome": "Every file shows the manager's oversight and direction",
    "success_measure": "The next thematic audit finds oversight recorded on 9 in 10 files",
}


def strategic_lead(**kwargs: Any) -> Person:
    return PersonFactory(roles=[Role.STRATEGIC_LEAD], **kwargs)


def qa_reviewer(**kwargs: Any) -> Person:
    return PersonFactory(roles=[Role.HEAD_OF_QA], **kwargs)


def make_plan(*, lead: Person | None = None, actor: Person | None = None,
              **kwargs: Any) -> ActionPlan:
    values: dict[str, Any] = {
        "title": "Management oversight in Early Help",
        "recommendation": "Managers make their oversight visible on every file.",
        "source": ActionPlan.Source.QA_MEETING, "source_label": "QA meeting, June 2026",
        "theme": "Management oversight",
    }
    values.update(kwargs)
    return services.action_plan_create(strategic_lead=lead or strategic_lead(), actor=actor,
                                       **values)


def add_plan_action(plan: ActionPlan, *, actor: Person | None = None,
                    owner: Person | None = None, due_on: dt.date = dt.date(2026, 9, 30),
                    **kwargs: Any) -> Action:
    lead = plan.lead_rows.get(ended_at__isnull=True).person
    values = {**SMART, **kwargs}
    return services.action_plan_action_add(plan=plan, actor=actor or lead,
                                           owner=owner or lead, due_on=due_on, **values)


def make_finding(*, tags: list[str] | None = None, **kwargs: Any) -> Finding:
    values: dict[str, Any] = {
        "text": "Practitioners are unsure how to use the graded care profile.",
        "source": Finding.Source.QA_MEETING, "source_label": "QA meeting, June 2026",
        "theme": "Neglect", "actor": None,
    }
    values.update(kwargs)
    return services.finding_create(tags=tags or [Finding.Tag.TRAINING_NEED], **values)
