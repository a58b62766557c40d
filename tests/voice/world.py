"""The voice app's pages for the role matrix (tests/common/test_role_matrix.py): who may
open each, and the URL arguments of an entry that names a case the signed-in person has
nothing to do with."""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditloop.people.roles import Role
from auditloop.voice import services
from auditloop.voice.models import ComplaintCompliment, QuestionSetVersion
from tests.factories import CaseFactory, ClosedCaseFactory

R = Role
LOGGERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # LOG_COMPLAINTS
FRAMEWORK_MANAGERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # MANAGE_FRAMEWORK
EVERY_CASE = frozenset({R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER,
                        R.ASSISTANT_DIRECTOR, R.DIRECTOR, R.PRINCIPAL_SOCIAL_WORKER})
LOG_READERS = LOGGERS | frozenset({  # VIEW_REPORTS: the log without the cases
    R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR, R.PRINCIPAL_SOCIAL_WORKER,
    R.SENIOR_LEADER, R.SENIOR_MANAGER, R.SERVICE_MANAGER, R.STRATEGIC_LEAD})

VOICE_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    # 002: complaints and compliments feed the annual report: report readers read the log;
    # the QA manager and head of QA log them and record the outcome.
    "voice:complaint_list": ("get", LOG_READERS),
    "voice:complaint_detail": ("get", LOG_READERS),
    "voice:complaint_new": ("get", LOGGERS),
    "voice:complaint_outcome": ("get", LOGGERS),
    # The draft feedback questions: whoever manages the framework reviews them.
    "voice:question_set_list": ("get", FRAMEWORK_MANAGERS),
    "voice:question_set_detail": ("get", FRAMEWORK_MANAGERS),
    # A stranger's closed case: whoever sees every case may invite its family or fill the
    # form in with them (the case's own rule, tests/voice/test_family_feedback.py).
    "voice:case_feedback": ("get", EVERY_CASE),
    "voice:case_feedback_record": ("get", EVERY_CASE),
    # The quarter's summary of families' feedback: figures for report readers.
    "voice:feedback_summary": ("get", LOG_READERS),
    # 000's calls to families drawn at random: whoever sees every case (or every Early Help
    # case: the Early Help Team); a draw shows only the cases each may see.
    "voice:calls": ("get", EVERY_CASE),
    "voice:call_detail": ("get", EVERY_CASE),
    # The family's one-time link needs no account: anyone holding it may open it.
    "voice:feedback": ("get", frozenset(Role)),
}


def voice_world() -> dict[str, dict[str, Any]]:
    entry = services.complaint_compliment_record(
        actor=None, kind=ComplaintCompliment.Kind.COMPLAINT,
        source=ComplaintCompliment.Source.PARENT_OR_CARER, received_on=dt.date(2026, 3, 2),
        summary="The plan was not shared with the family.", theme="Neglect",
        case=CaseFactory())
    e = {"entry_id": entry.pk}
    closed = ClosedCaseFactory()
    family_set = QuestionSetVersion.objects.filter(key="002-family-feedback").first()
    assert family_set is not None
    _, token = services.feedback_invitation_create(case=closed, question_set=family_set,
                                                   actor=None)
    return {"voice:complaint_detail": e, "voice:complaint_outcome": e,
            "voice:question_set_detail": {"key": "002-family-feedback"},
            "voice:case_feedback": {"case_id": closed.pk},
            "voice:case_feedback_record": {"case_id": closed.pk, "key": "002-family-feedback"},
            "voice:feedback": {"token": token},
            "voice:call_detail": {"selection_id": services.call_selection_draw(
                eligible=[closed], closed_from=dt.date(2026, 1, 1),
                closed_to=dt.date(2026, 12, 31), size=1, actor=None).pk}}
