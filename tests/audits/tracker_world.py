"""Pages for the role matrix (tests/common/test_role_matrix.py): who may open each, and the
URL arguments of objects the signed-in person has nothing to do with.

The tracker has no object in its URLs: the world is an audited case of strangers with an
overdue action, so every role's page has a row to draw (or, for a manager, none of theirs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditloop.people.roles import Role

R = Role
# VIEW_ALL_CASES (the QA team, the AD and director, the PSW) and VIEW_TEAM_CASES (managers,
# for their people's cases at the monthly performance meeting, 002).
TRACKER_READERS = frozenset({
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.TEAM_MANAGER, R.SENIOR_MANAGER, R.SERVICE_MANAGER,
    R.ASSISTANT_TEAM_MANAGER,
})
# EXPORT_REGISTER: those who may take the register's personal data out of the service.
TRACKER_EXPORTERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})

TRACKER_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    "audits:tracker": ("get", TRACKER_READERS),
    "audits:tracker_actions": ("get", TRACKER_READERS),
    "audits:tracker_export_csv": ("get", TRACKER_EXPORTERS),
    "audits:tracker_export_xlsx": ("get", TRACKER_EXPORTERS),
}


def tracker_world() -> dict[str, dict[str, Any]]:
    from tests.audits.tracker_factories import audited_case, council, quick_action

    w = council(preset="")
    audit = audited_case(w)
    quick_action(audit, owner=w.kw, due_on=dt.date(2026, 1, 5))
    return {}
