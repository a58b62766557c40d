"""Observations of practice for tests: a small line-management tree (head of service, service
manager, team manager, practitioner), observations planned and recorded through the
services, and the role matrix's expectations for the observation pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditloop.people.roles import Role
from auditloop.practice import observations as obs
from auditloop.practice.models import Observation
from tests.factories import PersonFactory, TeamFactory

R = Role
K = Observation.Kind
NOBODY: frozenset[Role] = frozenset()
EVERYONE = frozenset(Role)
QA = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # MANAGE_FRAMEWORK
REPORT_READERS = frozenset({  # VIEW_REPORTS
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.SENIOR_LEADER, R.SENIOR_MANAGER, R.SERVICE_MANAGER,
    R.STRATEGIC_LEAD})
COMPLIANCE_READERS = REPORT_READERS | {R.TEAM_MANAGER, R.ASSISTANT_TEAM_MANAGER}
PRACTICE_WEEK_READERS = REPORT_READERS | set(obs.SENIOR_LEADER_ROLES)

OBSERVATION_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    # Every member of staff may be observed: the list shows each their own.
    "practice:observation_list": ("get", EVERYONE),
    "practice:observation_plan": ("get", EVERYONE),
    # A stranger's observation: only the QA team opens it.
    "practice:observation_detail": ("get", QA),
    # Only the observer records; only the observer, planner or QA team cancels (a post
    # without a reason is a 400, still allowed); only the person observed replies.
    "practice:observation_record": ("get", NOBODY),
    "practice:observation_cancel": ("post", QA),
    "practice:observation_reply": ("post", NOBODY),
    "practice:observation_compliance": ("get", COMPLIANCE_READERS),
    "practice:observation_summary": ("get", REPORT_READERS | QA),
    "practice:practice_week": ("get", PRACTICE_WEEK_READERS),
    "practice:observation_tools": ("get", QA),
    "practice:asye_years": ("get", QA),
}


def tree() -> dict[str, Any]:
    """A head of service over a service manager over a team manager over a practitioner,
    all in one team."""
    team = TeamFactory(name="Assessment team east")
    head = PersonFactory(roles=[R.ASSISTANT_DIRECTOR], team=team)
    sm = PersonFactory(roles=[R.SERVICE_MANAGER], line_manager=head, team=team)
    tm = PersonFactory(roles=[R.TEAM_MANAGER], line_manager=sm, team=team)
    worker = PersonFactory(roles=[R.PRACTITIONER], line_manager=tm, team=team)
    return {"team": team, "head": head, "sm": sm, "tm": tm, "worker": worker}


def plan(*, observed: Any, observer: Any, actor: Any = None, kind: str = K.DIRECT_WORK,
         planned_for: dt.date = dt.date(2026, 3, 10), **kwargs: Any) -> Observation:
    return obs.observation_plan(actor=actor or observer, observed=observed,
                                observer=observer, kind=kind, planned_for=planned_for,
                                **kwargs)


def answers_for(kind: str) -> dict[str, Any]:
    tool = obs.tool_for(kind)
    assert tool is not None
    return {q.key: (3 if q.answer == "scale" else "yes" if q.answer == "yes_no" else "Fine")
            for q in tool.questions}


def done(*, observed: Any, observer: Any, kind: str = K.DIRECT_WORK,
         on: dt.date = dt.date(2026, 3, 10), themes: tuple[str, ...] = (),
         **kwargs: Any) -> Observation:
    """An observation planned and recorded on the day."""
    o = plan(observed=observed, observer=observer, kind=kind, planned_for=on, **kwargs)
    return obs.observation_record(
        observation=o, actor=observer, observed_on=on, answers=answers_for(kind),
        strengths="Warm, clear work with the child.", areas_to_develop="Record sooner.",
        feedback_given="Talked it through afterwards.", themes=themes)


def observation_world() -> dict[str, dict[str, Any]]:
    t = tree()
    o = plan(observed=t["worker"], observer=t["tm"])
    return {f"practice:{n}": {"observation_id": o.pk} for n in (
        "observation_detail", "observation_record", "observation_cancel",
        "observation_reply")}
