"""Pages for the role matrix (tests/common/test_role_matrix.py): who may open each, and the
URL arguments of objects the signed-in person has nothing to do with.

The tracker has no object in its URLs: the world is an audited case of strangers with an
overdue action, so every role's page has a row to draw (or, for a manager, none of theirs).
A large export made in the background belongs to the person who asked for it: the world's
is a stranger's, so nobody else opens its page or its file."""

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
    # Someone else's export: 404 for those who may export, 403 for everyone else.
    "audits:tracker_export": ("get", frozenset()),
    "audits:tracker_export_status": ("get", frozenset()),
    "audits:tracker_export_download": ("get", frozenset()),
    "audits:tracker_export_again": ("post", frozenset()),
}


def tracker_world() -> dict[str, dict[str, Any]]:
    from auditloop.audits.tracker_export_models import TrackerExport
    from tests.audits.tracker_factories import audited_case, council, quick_action

    w = council(preset="")
    audit = audited_case(w)
    quick_action(audit, owner=w.kw, due_on=dt.date(2026, 1, 5))
    export = TrackerExport.objects.create(
        requested_by=w.qa.user, view="cases", format="csv", as_of=dt.date(2026, 1, 5),
        reason="The performance meeting", state=TrackerExport.State.FAILED,
        error="It could not be made")
    return {f"audits:{name}": {"export_id": export.pk}
            for name in ("tracker_export", "tracker_export_status", "tracker_export_download",
                         "tracker_export_again")}
