"""002: feedback on the audit process "to be obtained" from those involved in each audit: the
practitioner audited (once the audit's feedback has been shared with them) and the auditors
(once it is submitted) answer once for each audit; the answers keep only which side
answered, the month and the service, never the person or the audit; the results hide small
groups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from auditloop.audits import services as audit_services
from auditloop.audits.models import Audit
from auditloop.people.roles import Role
from auditloop.voice import surveys
from auditloop.voice.survey_models import AuditProcessParticipation, AuditProcessResponse
from tests.factories import CaseFactory, PersonFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
ANSWERS = {"notice_in_time": "yes", "conversation_useful": "4", "fair": "5",
           "next_steps_clear": "no", "will_change_practice": "3", "improve_process": ""}


def _audit(to: str = S.FEEDBACK_SENT):  # type: ignore[no-untyped-def]
    worker = PersonFactory(roles=[Role.PRACTITIONER])
    auditor = PersonFactory(roles=[Role.AUDITOR])
    audit = make_audit(case=CaseFactory(key_worker=worker), auditors=[auditor])
    return finish_audit(audit, to=to), worker, auditor


def test_the_auditor_after_submission_and_the_practitioner_after_feedback_answer_once(
        client_for):
    audit, worker, auditor = _audit(to=S.SUBMITTED)
    url = reverse("voice:audit_feedback", args=[audit.pk])
    # Submitted: the auditor is asked; the practitioner not until the feedback is shared.
    mine = client_for(auditor).get(reverse("voice:my_surveys")).content.decode()
    assert url in mine
    assert client_for(worker).get(url).status_code == 404
    assert url not in client_for(worker).get(reverse("voice:my_surveys")).content.decode()
    page = client_for(auditor).get(url).content.decode()
    assert "Was there enough notice of the audit?" in page and "where you were an auditor" in page
    assert client_for(auditor).post(url, ANSWERS).status_code == 200
    # The audit's feedback is shared with the practitioner: now they are asked too.
    audit_services.transition(audit=Audit.objects.get(pk=audit.pk), actor=None,
                              to=S.FEEDBACK_SENT)
    home = client_for(worker).get(reverse("home")).content.decode()
    assert "Feedback on an audit to give" in home
    page = client_for(worker).get(url).content.decode()
    assert "where you were the practitioner audited" in page
    assert client_for(worker).post(url, ANSWERS).status_code == 200
    assert sorted(AuditProcessResponse.objects.values_list("side", flat=True)) == [
        "audited", "auditor"]
    # Once each: a second answer records nothing.
    again = client_for(worker).post(url, ANSWERS)
    assert "You have given your feedback on this audit" in again.content.decode()
    assert AuditProcessResponse.objects.count() == 2
    assert AuditProcessParticipation.objects.count() == 2


def test_someone_not_involved_is_not_asked(client_for):
    audit, _, _ = _audit()
    stranger = PersonFactory(roles=[Role.QA_MANAGER])
    assert client_for(stranger).get(
        reverse("voice:audit_feedback", args=[audit.pk])).status_code == 404
    assert client_for(stranger).post(
        reverse("voice:audit_feedback", args=[audit.pk]), ANSWERS).status_code == 404
    assert not AuditProcessResponse.objects.exists()


def test_a_required_answer_is_asked_for(client_for):
    audit, worker, _ = _audit()
    response = client_for(worker).post(reverse("voice:audit_feedback", args=[audit.pk]),
                                       {**ANSWERS, "fair": ""})
    assert "Answer this question" in response.content.decode()
    assert not AuditProcessResponse.objects.exists()


def test_the_answers_name_neither_the_person_nor_the_audit():
    audit, worker, auditor = _audit()
    for person in (worker, auditor):
        surveys.audit_process_answer(audit=audit, person=person, answers=ANSWERS)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{AuditProcessResponse._meta.db_table}"')  # noqa: S608
        names = [c[0] for c in cursor.description]
    assert set(names) == {"id", "question_set_id", "answers", "side", "month", "service_id"}
    assert {r.month for r in AuditProcessResponse.objects.all()} == {
        dt.date.today().replace(day=1)}


def _answers(n: int, side_auditor: bool, **answers: str) -> None:
    for _ in range(n):
        audit, worker, auditor = _audit()
        surveys.audit_process_answer(audit=audit, person=auditor if side_auditor else worker,
                                     answers={**ANSWERS, **answers})


def test_results_by_side_hide_a_small_side_and_show_counts_and_intervals(client_for):
    _answers(6, side_auditor=False, fair="2")
    _answers(2, side_auditor=True)
    today = dt.date.today()
    results = surveys.audit_process_results(today.replace(day=1), today)
    assert results.shown and results.answers == 8
    fair = next(q for q in results.questions if q.key == "fair")
    assert (fair.positive.k, fair.positive.n) == (2, 8)
    rows = {g.name: g for g in results.groups}
    # Two groups, one small: both hidden, or the small one could be worked out.
    assert not rows["Auditors"].shown and not rows["Practitioners audited"].shown
    page = client_for(PersonFactory(roles=[Role.SENIOR_LEADER])).get(
        reverse("voice:audit_feedback_results")).content.decode()
    assert "(2 of 8; 95% interval" in page
    assert page.count("Fewer than 5 answers: not shown to keep answers anonymous") == 2
    assert client_for(PersonFactory(roles=[Role.PRACTITIONER])).get(
        reverse("voice:audit_feedback_results")).status_code == 403
