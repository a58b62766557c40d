"""Pages for the role matrix (tests/common/test_role_matrix.py): who may open each, and the
URL arguments of objects the signed-in person has nothing to do with.

Action plans and findings hold no child's record. The QA team, strategic leads, senior
leaders and directors read them (VIEW_REPORTS, OWN_ACTION_PLANS); the QA team and those who
own action plans make them; on a plan led by someone else, only the QA team who keep the
plans change it, and only those who run the cycle (the strategic lead for QA) review it.
"""

from __future__ import annotations

from typing import Any

from auditloop.actions.services import action_plan_create
from auditloop.people.roles import Role
from tests.factories import PersonFactory

R = Role
READERS = frozenset({
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.SENIOR_MANAGER, R.SERVICE_MANAGER,
    R.ASSISTANT_DIRECTOR, R.DIRECTOR, R.PRINCIPAL_SOCIAL_WORKER, R.STRATEGIC_LEAD,
    R.SENIOR_LEADER,
})
# RUN_CYCLE / MANAGE_FRAMEWORK, and OWN_ACTION_PLANS (004 6.1: strategic leads produce plans).
CREATORS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
                      R.STRATEGIC_LEAD})
QA_TEAM = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})

ACTION_PLANS_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    "actions:plan_list": ("get", READERS),
    "actions:plan_new": ("get", CREATORS),
    "actions:plan_detail": ("get", READERS),
    # Someone else's plan: the QA team edit it; its lead would too (tests/actions).
    "actions:plan_action_new": ("get", QA_TEAM),
    "actions:plan_lead_change": ("get", QA_TEAM),
    "actions:plan_close": ("get", QA_TEAM),
    # The strategic lead for QA: the head of service for QA or a QA manager.
    "actions:plan_review_new": ("get", QA_TEAM),
    "actions:finding_list": ("get", READERS),
    "actions:finding_new": ("get", CREATORS),
    "actions:findings_export": ("get", READERS),
}


def action_plans_world() -> dict[str, dict[str, Any]]:
    lead = PersonFactory(roles=[R.STRATEGIC_LEAD])
    plan = action_plan_create(
        title="Management oversight", recommendation="Record the manager's oversight.",
        source="qa_meeting", source_label="QA meeting, June 2026", strategic_lead=lead,
        actor=None)
    on_plan = {"plan_id": plan.pk}
    return {
        "actions:plan_list": {},
        "actions:plan_new": {},
        "actions:finding_new": {},
        **{f"actions:{name}": on_plan for name in (
            "plan_detail", "plan_action_new", "plan_lead_change", "plan_close",
            "plan_review_new")},
        "actions:finding_list": {"tag": "training_need"},
        "actions:findings_export": {"tag": "training_need", "fmt": "csv"},
    }
