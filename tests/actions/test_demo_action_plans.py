"""The demo council's action plans: made once from its sign-ins, at every RAG, with review
history and one review overdue, and removed with the council."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine

from auditloop.actions import selectors
from auditloop.actions.models import Action, ActionPlan, Finding
from auditloop.demo import action_plans
from auditloop.people.roles import Role
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


def demo_council() -> None:
    for role in (Role.HEAD_OF_QA, Role.STRATEGIC_LEAD, Role.ASSISTANT_DIRECTOR, Role.DIRECTOR):
        PersonFactory(roles=[role], staff_number=f"DEMO-{role}",
                      user=UserFactory(username=f"demo-{role}"))
    for i, role in enumerate([Role.SERVICE_MANAGER] * 3 + [Role.TEAM_MANAGER] * 3):
        PersonFactory(roles=[role], staff_number=f"DEMO-{i:04d}")


@time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False)
def test_the_demo_makes_plans_at_every_rag_with_reviews_once():
    demo_council()
    made = action_plans.build(random.Random(1), TODAY)
    assert len(made.plans) == 4 and made.reviews == 5 and made.findings == 8
    statuses = set(Action.objects.values_list("status", flat=True))
    assert statuses == {"red", "amber", "green"}
    lead = PersonFactory._meta.model.objects.get(user__username="demo-strategic_lead")
    assert selectors.plans_led_by(lead).count() == 2
    overdue = list(selectors.plans_overdue())
    assert [p.title for p in overdue] == ["Hearing the child's voice in plans"]
    assert ActionPlan.objects.filter(status="closed").count() == 1
    # Overdue actions exist too: the tracker and the plan page show them.
    assert Action.objects.filter(due_on__lt=TODAY).exclude(status="green").exists()
    assert {t for f in Finding.objects.all() for t in f.tag_values} == set(Finding.Tag.values)
    assert action_plans.build(random.Random(1), TODAY).plans == []
    assert ActionPlan.objects.count() == 4


@time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False)
def test_removing_the_demo_leaves_nothing_that_protects_its_staff():
    demo_council()
    action_plans.build(random.Random(1), TODAY)
    assert action_plans.remove() > 0
    assert not ActionPlan.objects.exists() and not Action.objects.exists()
    assert not Finding.objects.exists()
    PersonFactory._meta.model.objects.filter(staff_number__startswith="DEMO-").delete()


@time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False)
def test_the_generated_council_gets_plans_led_by_its_sign_ins_and_resets_cleanly():
    from auditloop.demo.generator import generate_council, reset_council

    generate_council(scale="small", seed=3, reference_date=TODAY)
    made = action_plans.build(random.Random(3), TODAY)
    assert len(made.plans) == 4
    leads = {p.lead_rows.get(ended_at__isnull=True).person.user.username for p in made.plans}
    assert leads == {"demo-strategic_lead", "demo-assistant_director", "demo-director"}
    reset_council()
    assert not ActionPlan.objects.exists() and not Finding.objects.exists()


@time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False)
def test_a_history_for_an_earlier_reference_date_builds_its_plans_dated_back():
    """`auditloop demo --reference-date 2026-03-31` on a later day: the actions' dates are
    the reference date's, although the service takes no date in the past."""
    demo_council()
    then = dt.date(2026, 3, 31)
    made = action_plans.build(random.Random(1), then)
    assert len(made.plans) == 4
    due = sorted(Action.objects.values_list("due_on", flat=True))
    assert due[0] < then < due[-1] < TODAY
