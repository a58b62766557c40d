"""The practice app's pages for the role matrix (tests/common/test_role_matrix.py): who may
open each, on a practice alert about a case the signed-in person has nothing to do with."""

from __future__ import annotations

from typing import Any

from auditloop.people.roles import Role
from tests.practice.observation_world import OBSERVATION_EXPECTED, observation_world

R = Role
NOBODY: frozenset[Role] = frozenset()
# OVERSEE_CASES, VIEW_TEAM_CASES or VIEW_ALL_CASES: those who reach cases beyond their own.
ALERT_LIST_READERS = frozenset({
    R.IRO, R.TEAM_MANAGER, R.SENIOR_MANAGER, R.SERVICE_MANAGER, R.ASSISTANT_TEAM_MANAGER,
    R.QA_MANAGER, R.HEAD_OF_QA, R.ASSISTANT_DIRECTOR, R.DIRECTOR, R.PRINCIPAL_SOCIAL_WORKER})
# A stranger's alert: whoever sees every case (the world's case is an Early Help case).
EVERY_CASE = frozenset({
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER})
REPORT_READERS = frozenset({  # VIEW_REPORTS, and the IROs and CP Chairs themselves
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.SENIOR_LEADER, R.SENIOR_MANAGER, R.SERVICE_MANAGER,
    R.STRATEGIC_LEAD, R.IRO})

PRACTICE_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    "practice:alert_list": ("get", ALERT_LIST_READERS),
    # Only IROs and CP Chairs raise alerts (on the cases they chair: tests/practice).
    "practice:alert_new": ("get", frozenset({R.IRO})),
    "practice:alert_detail": ("get", EVERY_CASE),
    # Only the case's team manager answers; only the raiser resolves.
    "practice:alert_answer": ("post", NOBODY),
    "practice:alert_resolve": ("post", NOBODY),
    "practice:monthly_report": ("get", REPORT_READERS),
    # Team links are kept with the staff records (MANAGE_STAFF).
    "practice:team_links": ("get", frozenset({R.QA_MANAGER, R.HEAD_OF_QA})),
    **OBSERVATION_EXPECTED,  # observations of practice (002)
}


def practice_world() -> dict[str, dict[str, Any]]:
    from tests.practice.factories import make_alert

    alert = make_alert()
    a = {"alert_id": alert.pk}
    return {**{f"practice:{n}": a for n in ("alert_detail", "alert_answer", "alert_resolve")},
            **observation_world()}
