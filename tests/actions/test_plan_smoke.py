import pytest

from auditloop.actions import selectors, services
from auditloop.people.roles import Role
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_smoke():
    lead = PersonFactory(roles=[Role.STRATEGIC_LEAD])
    plan = services.action_plan_create(title="T", recommendation="R", source="qa_meeting",
                                       source_label="QA meeting", source_key="cycle:1",
                                       strategic_lead=lead, actor=None)
    again = services.action_plan_create(title="T", recommendation="R", source="qa_meeting",
                                        source_label="QA meeting", source_key="cycle:1",
                                        strategic_lead=lead, actor=None)
    assert plan == again and list(selectors.action_plans_from(source_key="cycle:1")) == [plan]
    f = services.finding_create(text="x", tags=["policy"], source="qa_meeting",
                                source_label="l", source_key="cycle:1", actor=None, plan=plan)
    assert list(selectors.findings_from(source_key="cycle:1")) == [f]
