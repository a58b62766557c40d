"""The voice app's pages for the role matrix (tests/common/test_role_matrix.py): who may
open each, and the URL arguments of an entry that names a case the signed-in person has
nothing to do with."""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditloop.people.roles import Role
from auditloop.voice import closures, services, surveys
from auditloop.voice.models import ClosureFeedbackDue, ComplaintCompliment, QuestionSetVersion
from auditloop.voice.survey_models import Survey
from tests.factories import CaseFactory, ClosedCaseFactory, PersonFactory, make_audit

R = Role
LOGGERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # LOG_COMPLAINTS
FRAMEWORK_MANAGERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # MANAGE_FRAMEWORK
EVERY_CASE = frozenset({R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER,
                        R.ASSISTANT_DIRECTOR, R.DIRECTOR, R.PRINCIPAL_SOCIAL_WORKER})
LOG_READERS = LOGGERS | frozenset({  # VIEW_REPORTS: the log without the cases
    R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR, R.PRINCIPAL_SOCIAL_WORKER,
    R.SENIOR_LEADER, R.SENIOR_MANAGER, R.SERVICE_MANAGER, R.STRATEGIC_LEAD})
RUNNERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # RUN_CYCLE
CASE_READERS = EVERY_CASE | frozenset({  # cases.views.CASE_READERS: their own cases
    R.PRACTITIONER, R.TEAM_MANAGER, R.SENIOR_MANAGER, R.SERVICE_MANAGER, R.IRO,
    R.PARTNER_AGENCY_LEAD, R.SENIOR_PRACTITIONER, R.ASSISTANT_TEAM_MANAGER,
    R.PRACTICE_ASSESSOR_LEAD, R.PERSONAL_ADVISER})

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
    # So does the page where a family types the short code from their letter.
    "voice:feedback_code": ("get", frozenset(Role)),
    # Families' feedback when a case closes (000): each person's own list of closed cases
    # (whoever reads cases); a stranger's closed case, its letter and its closure forms:
    # whoever sees every case (the case's own rule).
    "voice:closures_waiting": ("get", CASE_READERS),
    "voice:closure_invite": ("get", EVERY_CASE),
    "voice:closure_letter_pdf": ("post", EVERY_CASE),
    "voice:closure_forms": ("get", EVERY_CASE),
    "voice:closure_form_new": ("get", EVERY_CASE),
    "voice:closure_form_detail": ("get", EVERY_CASE),
    # Complaint themes: counts only, for whoever reads the log or runs the cycle.
    "voice:complaint_themes": ("get", LOG_READERS | RUNNERS),
    # Staff surveys (002): the QA team opens them; report readers read the results; every
    # member of staff has their own page, and answers a survey that invites all staff.
    "voice:survey_list": ("get", LOG_READERS | RUNNERS),
    "voice:survey_new": ("get", RUNNERS),
    "voice:survey_results": ("get", LOG_READERS | RUNNERS),
    "voice:my_surveys": ("get", frozenset(Role)),
    "voice:survey_answer": ("get", frozenset(Role)),
    # Feedback on the audit process: only those audited and their auditors answer, about
    # their own audit; report readers read the figures.
    "voice:audit_feedback": ("get", frozenset()),
    "voice:audit_feedback_results": ("get", LOG_READERS),
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
    waiting = ClosedCaseFactory()  # not invited yet: it waits for an invitation
    closures.closures_scan(case_ids=[waiting.pk])
    due = ClosureFeedbackDue.objects.get(case=waiting)
    closure_form = closures.closure_form_record(
        case=closed, answers={"reason_for_closure": "Met", "support_received": "A course",
                              "impact": "Calmer", "better_now": "4",
                              "know_where_to_go": "yes"},
        interpreter="none", completed_on=closed.closed_on, actor=None)
    PersonFactory()  # a survey invites somebody
    survey = surveys.survey_open(
        actor=None, name="Staff survey", kind=Survey.Kind.ANNUAL,
        question_set=surveys.staff_question_sets()[0], opens_on=dt.date.today(),
        closes_on=dt.date.today() + dt.timedelta(days=14), anonymous=True,
        invites=Survey.Invites.ALL_STAFF)
    return {"voice:closure_invite": {"due_id": due.pk},
            "voice:closure_letter_pdf": {"due_id": due.pk},
            "voice:closure_forms": {"case_id": closed.pk},
            "voice:closure_form_new": {"case_id": closed.pk},
            "voice:closure_form_detail": {"case_id": closed.pk, "form_id": closure_form.pk},
            "voice:survey_results": {"survey_id": survey.pk},
            "voice:survey_answer": {"survey_id": survey.pk},
            "voice:audit_feedback": {"audit_id": make_audit().pk},
            "voice:complaint_detail": e, "voice:complaint_outcome": e,
            "voice:question_set_detail": {"key": "002-family-feedback"},
            "voice:case_feedback": {"case_id": closed.pk},
            "voice:case_feedback_record": {"case_id": closed.pk, "key": "002-family-feedback"},
            "voice:feedback": {"token": token},
            "voice:call_detail": {"selection_id": services.call_selection_draw(
                eligible=[closed], closed_from=dt.date(2026, 1, 1),
                closed_to=dt.date(2026, 12, 31), size=1, actor=None).pk}}
