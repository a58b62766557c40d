"""Two people (or a person and a retrying caller) doing the same thing to a plan at once:
one plan, one review a day, one closing.

On PostgreSQL the calls run in two threads with their own connections. SQLite ignores row
locks: there the same calls run one after the other, which must give the same outcome.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from auditloop.actions import services
from auditloop.actions.models import ActionPlan, ActionPlanLead, ActionPlanReview
from auditloop.common.errors import DomainError, WorkflowError
from tests.actions.factories import make_plan, qa_reviewer, strategic_lead
from tests.concurrency import ON_POSTGRES, run_together

pytestmark = pytest.mark.django_db(transaction=ON_POSTGRES)


def test_two_identical_requests_make_one_plan():
    lead = strategic_lead()
    made = run_together([lambda: make_plan(lead=lead, source_key="cycle:7")] * 2)
    assert made[0].pk == made[1].pk
    assert ActionPlan.objects.count() == 1 and ActionPlanLead.objects.count() == 1


def test_two_reviews_of_the_same_day_record_one():
    plan = make_plan()
    qa, other = qa_reviewer(), qa_reviewer()
    today = timezone.localdate()
    results = run_together([
        lambda p=person: services.action_plan_review_record(
            plan=plan, actor=p, reviewed_on=today, rag="amber", progress="Going")
        for person in (qa, other)])
    assert sum(isinstance(r, ActionPlanReview) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert ActionPlanReview.objects.count() == 1


def test_two_closings_close_once():
    plan = make_plan()
    lead = plan.lead_rows.get().person
    results = run_together([
        lambda s=summary: services.action_plan_close(plan=plan, actor=lead, summary=s)
        for summary in ("First", "Second")])
    assert sum(isinstance(r, WorkflowError) for r in results) == 1
    plan.refresh_from_db()
    assert plan.status == "closed" and plan.closing_summary in {"First", "Second"}
    assert plan.events.filter(kind="closed").count() == 1
