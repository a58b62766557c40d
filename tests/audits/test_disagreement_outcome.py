"""Recording a disagreement's outcome: the person who settles it lands back on the
disagreement page, and the outcome may change a section's grade as well as the overall
grade (001 2.18: the head of service for QA; 002: the moderation panel)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits import exports, voices
from auditloop.audits.models import Answer, Audit, AuditTransition, Disagreement, SectionGradeChange
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.common.models import StatusChange
from auditloop.people.roles import Role
from auditloop.standards.services import preset_apply
from tests.factories import CaseFactory, PersonFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
D = Disagreement.Outcome
NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
AREA = "assessment"


@pytest.fixture
def w():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        preset_apply(key="002-six-key-areas")
        tm = PersonFactory(roles=[Role.TEAM_MANAGER])
        kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm)
        auditor = PersonFactory(roles=[Role.AUDITOR])
        audit = make_audit(case=CaseFactory(key_worker=kw, team_manager=tm),
                           auditors=[auditor])
        Answer.objects.create(audit=audit, section_key=AREA, question_key=Answer.GRADE,
                              value="requires_improvement", updated_by=auditor)
        finish_audit(audit, grade="requires_improvement")
        yield SimpleNamespace(tm=tm, kw=kw, auditor=auditor, audit=audit,
                              head=PersonFactory(roles=[Role.HEAD_OF_QA]),
                              moderator=PersonFactory(roles=[Role.MODERATOR]))


def _raise(w):  # type: ignore[no-untyped-def]
    return voices.disagreement_raise(audit=w.audit, actor=w.tm, reason="The assessment is good")


def test_a_moderator_who_settles_lands_on_the_disagreement_page(w, client_for):
    # 002: the panel settles; once settled the audit leaves moderation, which alone would
    # hide it from a moderator who does not see every case.
    d = _raise(w)
    url = reverse("audits:disagreement_settle", args=[d.pk])
    moderator = client_for(w.moderator)
    done = moderator.post(url, {"outcome": "upheld", "note": "Grade stands"})
    assert done.status_code == 302 and done["Location"] == url
    page = moderator.get(url)
    assert page.status_code == 200
    assert "The audit&#39;s findings stand" in page.content.decode()
    w.audit.refresh_from_db()
    assert w.audit.status == S.FEEDBACK_SENT
    # Another moderator, who did not settle it, no longer sees the settled audit.
    assert client_for(PersonFactory(roles=[Role.MODERATOR])).get(url).status_code == 404


def test_the_outcome_changes_a_section_grade_with_history(w, client_for):
    d = _raise(w)
    url = reverse("audits:disagreement_settle", args=[d.pk])
    moderator = client_for(w.moderator)
    form = moderator.get(url).content.decode()
    assert f'name="section-{AREA}"' in form
    done = moderator.post(url, {"outcome": "changed", f"section-{AREA}": "good",
                                "note": "The assessment covers both parents"})
    assert done.status_code == 302
    change = SectionGradeChange.objects.get()
    assert (change.audit, change.disagreement, change.section_key, change.before,
            change.after, change.changed_by, change.created_at) == (
        w.audit, d, AREA, "requires_improvement", "good", w.moderator, NOW)
    d.refresh_from_db()
    assert d.outcome == D.CHANGED
    assert "Assessment: Requires improvement to be good to Good" in d.outcome_note
    history = AuditTransition.objects.get(audit=w.audit, reason__contains="Grades changed")
    assert (history.actor, history.from_status, history.to_status) == (
        w.moderator, S.IN_MODERATION, S.IN_MODERATION)
    assert "Assessment: Requires improvement to be good to Good" in history.reason
    # The auditor's own grade is kept; the findings show the settled grade beside it.
    assert Answer.objects.get(audit=w.audit, section_key=AREA).value == "requires_improvement"
    page = moderator.get(url).content.decode()
    assert "Good (changed from Requires improvement to be good" in page
    w.audit.refresh_from_db()
    assert w.audit.final_grade == "requires_improvement"
    # The audit's document (PDF and Word) says the same.
    document = exports.render_html(exports.audit_document(w.audit))
    assert ("Grade: Good (changed from Requires improvement to be good when a disagreement "
            "was settled)") in document


def test_a_section_grade_changes_only_when_the_findings_change(w):
    d = _raise(w)
    with pytest.raises(DomainError, match="Leave the grades"):
        voices.disagreement_settle(disagreement=d, actor=w.moderator, outcome=D.UPHELD,
                                   note="", section_grades={AREA: "good"})
    with pytest.raises(DomainError, match="scale"):
        voices.disagreement_settle(disagreement=d, actor=w.moderator, outcome=D.CHANGED,
                                   note="Better", section_grades={AREA: "brilliant"})
    with pytest.raises(DomainError, match="graded area"):
        voices.disagreement_settle(disagreement=d, actor=w.moderator, outcome=D.CHANGED,
                                   note="Better", section_grades={"nowhere": "good"})
    assert not SectionGradeChange.objects.exists()
    # The same grade as now is no change.
    voices.disagreement_settle(disagreement=d, actor=w.moderator, outcome=D.CHANGED,
                               note="Better", section_grades={AREA: "requires_improvement"})
    assert not SectionGradeChange.objects.exists()


def test_the_settle_page_refuses_other_methods_and_a_second_outcome(w, client_for):
    d = _raise(w)
    url = reverse("audits:disagreement_settle", args=[d.pk])
    assert client_for(w.moderator).put(url).status_code == 405
    assert client_for(w.auditor).get(url).status_code == 403
    client_for(w.moderator).post(url, {"outcome": "upheld"})
    again = client_for(w.moderator).post(url, {"outcome": "changed", f"section-{AREA}": "good",
                                               "note": "Second thoughts"})
    assert again.status_code == 400 and "already been settled" in again.content.decode()
    assert not SectionGradeChange.objects.exists()


def test_a_disagreement_is_settled_once_through_its_workflow(w):
    d = _raise(w)
    assert d.is_open and not d.is_settled
    settled = voices.disagreement_settle(disagreement=d, actor=w.moderator, outcome=D.UPHELD,
                                         note="Grade stands")
    assert settled.is_settled and not settled.is_open
    change = StatusChange.objects.get(object_id=str(d.pk), from_status=D.OPEN)
    assert (change.to_status, change.actor, change.reason) == (
        D.UPHELD, w.moderator.user, "Grade stands")
    # The table allows no move out of a settled outcome.
    with pytest.raises(WorkflowError, match="cannot become the findings were changed"):
        settled.workflow.move(settled, to=D.CHANGED, actor=w.moderator)
    settled.refresh_from_db()
    assert settled.outcome == D.UPHELD
