"""The reports' pages for the role matrix (tests/common/test_role_matrix.py): who may open
each, on a draft report of the whole council made by someone else (its figures not made
yet) with one quote chosen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditloop.insight import kinds, services
from auditloop.insight.models import ReportExcerpt
from auditloop.people.roles import Role
from tests.factories import PersonFactory

R = Role
NOBODY: frozenset[Role] = frozenset()
RUNNERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # the QA team writes the reports
READERS = frozenset({  # VIEW_REPORTS
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.SENIOR_LEADER, R.SENIOR_MANAGER, R.SERVICE_MANAGER,
    R.STRATEGIC_LEAD})

REPORTS_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    # The list: readers, and team managers who write their own team's report.
    "insight:report_list": ("get", READERS | {R.TEAM_MANAGER}),
    # A draft of the whole council: readers read it; the QA team writes on it.
    "insight:report": ("get", READERS),
    "insight:report_status": ("get", READERS),
    "insight:report_download": ("get", READERS),
    "insight:report_words": ("get", RUNNERS),
    "insight:report_quotes": ("get", RUNNERS),
    "insight:report_quote_remove": ("post", RUNNERS),
    "insight:report_refresh": ("post", RUNNERS),
    "insight:report_again": ("post", RUNNERS),
    "insight:report_send": ("post", RUNNERS),
    "insight:report_publish": ("get", RUNNERS),
    "insight:report_reopen": ("get", RUNNERS),
    # Nobody approves a draft: only a report sent for approval is returned.
    "insight:report_return": ("get", NOBODY),
    # Conferences and reviews: whoever reaches cases beyond their own reads the list; only
    # IROs and CP Chairs record one they chaired.
    "insight:meeting_list": ("get", frozenset({
        R.IRO, R.TEAM_MANAGER, R.SENIOR_MANAGER, R.SERVICE_MANAGER, R.ASSISTANT_TEAM_MANAGER,
        R.QA_MANAGER, R.HEAD_OF_QA, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
        R.PRINCIPAL_SOCIAL_WORKER})),
    "insight:meeting_new": ("get", frozenset({R.IRO})),
}
MEETING_PAGES = ("insight:meeting_list", "insight:meeting_new")


def reports_world() -> dict[str, dict[str, Any]]:
    writer = PersonFactory(roles=[R.QA_MANAGER])
    report, _ = services.report_open(kind="monthly", period=kinds.Period.month(
        dt.date(2026, 3, 1)), actor=writer)
    excerpt = ReportExcerpt.objects.create(report=report, audit_id=1, section="Planning",
                                           text="Clear plan", chosen_by=writer)
    args = {name: {"report_id": report.pk} for name in REPORTS_EXPECTED
            if name not in ("insight:report_list", *MEETING_PAGES)}
    args["insight:report_download"] = {"report_id": report.pk, "fmt": "pdf"}
    args["insight:report_quote_remove"] = {"report_id": report.pk, "excerpt_id": excerpt.pk}
    return args
