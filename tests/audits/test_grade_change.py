"""A final grade that changes after submit (moderation, a settled disagreement): the new
grade's consequences follow, and the old grade's that no longer apply are withdrawn with the
reason, the history kept; the same change twice does nothing more."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from auditloop.audits import escalations, voices
from auditloop.audits.grade_change import audit_final_grade_change
from auditloop.audits.models import Audit, AuditTransition, Disagreement, SupervisionItem
from auditloop.common.errors import DomainError
from auditloop.moderation import services as moderation
from auditloop.moderation.models import OVERALL
from auditloop.moderation.services import Decision
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set
from tests.factories import PersonFactory
from tests.moderation.factories import (
    blind_grades,
    dispute,
    make_cycle,
    moderator,
    review_of,
    set_framework,
    submitted_audit,
)

pytestmark = pytest.mark.django_db
S = Audit.Status
NOW = dt.datetime(2026, 7, 10, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def re_audits(frozen):  # type: ignore[no-untyped-def]
    """A framework that asks, as 001 does, for an alert and a re-audit 2 to 3 months on
    after an inadequate audit and SMART actions after requires improvement, and moderates
    every audit."""
    framework_settings_set(values={"ri_discussion_recorded_in": "a supervision note",
                                   "escalation_grades": ["inadequate"],
                                   "re_audit_grades": ["inadequate"],
                                   "re_audit_after_months_min": 2,
                                   "re_audit_after_months_max": 3,
                                   "re_audit_by_roles": ["senior_manager"]}, actor=None)
    set_framework(moderation_share_percent=Decimal("100"),
                  moderation_panel_roles=[Role.PRINCIPAL_SOCIAL_WORKER])


def with_service_manager(audit: Audit) -> Any:
    sm = PersonFactory(roles=[Role.SERVICE_MANAGER])
    tm = audit.case.team_manager
    tm.line_manager = sm
    tm.save(update_fields=["line_manager"])
    audit.case.key_worker.line_manager = tm
    audit.case.key_worker.save(update_fields=["line_manager"])
    return sm


def moderate(audit: Audit, grade: str, reason: str = "The file shows it") -> None:
    person = moderator()
    review = review_of(audit, person)
    moderation.review_save_blind(review=review, actor=person,
                                 grades=blind_grades(review, overall=grade))
    keys = review.grades.values_list("section_key", flat=True)
    moderation.review_complete(review=review, actor=person, decisions={
        k: Decision(False, grade, reason) if k == OVERALL else Decision(True) for k in keys})


def planned(audit: Audit) -> list[Audit]:
    return list(audit.re_audits.filter(status=S.PLANNED))


def test_moderation_changing_the_grade_to_inadequate_plans_the_re_audit(re_audits):
    audit = submitted_audit(make_cycle(), grade="requires_improvement")
    sm = with_service_manager(audit)
    moderate(audit, "inadequate")
    audit.refresh_from_db()
    assert audit.final_grade == "inadequate"
    [re_audit] = planned(audit)
    assert (re_audit.earliest_start_on, re_audit.due_on) == (dt.date(2026, 9, 10),
                                                             dt.date(2026, 10, 10))
    assert "senior manager" in re_audit.reason
    # The alert follows as on submit (001: the service manager is alerted).
    assert Notification.objects.filter(recipient=sm, is_urgent=True,
                                       subject__contains="inadequate").exists()
    change = AuditTransition.objects.filter(audit=audit, reason__startswith="Final grade")
    assert change.get().reason.startswith(
        "Final grade changed by moderation from Requires improvement to be good to "
        "Inadequate. The file shows it")


def test_moderation_changing_inadequate_to_good_withdraws_the_planned_re_audit(re_audits):
    audit = submitted_audit(make_cycle(), grade="inadequate")
    sm = with_service_manager(audit)
    escalations.on_submit(audit=audit, actor=audit.assignments.get().person)
    [re_audit] = planned(audit)
    Notification.objects.all().delete()
    moderate(audit, "good", "The plan was reviewed with the family")
    audit.refresh_from_db()
    re_audit.refresh_from_db()
    assert re_audit.status == S.WITHDRAWN
    withdrawn = re_audit.transitions.get(to_status=S.WITHDRAWN)
    assert withdrawn.reason == "Grade changed by moderation from Inadequate to Good."
    # History kept: the plan and its withdrawal, and the grade change naming both.
    assert list(re_audit.transitions.values_list("to_status", flat=True)) == [S.PLANNED,
                                                                             S.WITHDRAWN]
    change = AuditTransition.objects.get(audit=audit, reason__startswith="Final grade")
    assert "Withdrawn as the grade no longer asks for it: the re-audit planned for" in \
        change.reason
    assert audit.good_practice
    # Those alerted hear that the alert no longer applies.
    [notice] = Notification.objects.filter(recipient=sm)
    assert "no longer applies" in notice.subject and "from Inadequate to Good" in notice.body


def test_the_same_change_twice_does_nothing_more(re_audits):
    audit = submitted_audit(make_cycle(), grade="requires_improvement")
    with_service_manager(audit)
    audit_final_grade_change(audit=audit, actor=None, new_grade="inadequate", reason="x",
                             by="moderation")
    notices = Notification.objects.count()
    history = AuditTransition.objects.count()
    audit_final_grade_change(audit=audit, actor=None, new_grade="inadequate", reason="x",
                             by="moderation")
    assert len(planned(audit)) == 1
    assert (Notification.objects.count(), AuditTransition.objects.count()) == (notices, history)
    # Back and forth: the first re-audit is withdrawn and a new one planned.
    audit_final_grade_change(audit=audit, actor=None, new_grade="good", reason="y",
                             by="moderation")
    assert planned(audit) == []
    audit_final_grade_change(audit=audit, actor=None, new_grade="inadequate", reason="z",
                             by="moderation")
    assert len(planned(audit)) == 1
    assert audit.re_audits.filter(status=S.WITHDRAWN).count() == 1


def test_a_re_audit_already_allocated_stays(re_audits):
    audit = submitted_audit(make_cycle(), grade="inadequate")
    escalations.on_submit(audit=audit, actor=None)  # type: ignore[arg-type]
    Audit.objects.filter(re_audit_of=audit).update(status=S.ALLOCATED)
    audit_final_grade_change(audit=audit, actor=None, new_grade="good", reason="y",
                             by="moderation")
    assert audit.re_audits.get().status == S.ALLOCATED


def test_requires_improvement_brings_the_smart_actions_and_loses_them_again(re_audits):
    audit = submitted_audit(make_cycle(), grade="good")
    tm = audit.case.team_manager
    audit.case.key_worker.line_manager = tm
    audit.case.key_worker.save(update_fields=["line_manager"])
    audit_final_grade_change(audit=audit, actor=None, new_grade="requires_improvement",
                             reason="Gaps in the plan", by="moderation")
    audit.refresh_from_db()
    assert not audit.good_practice
    item = SupervisionItem.objects.get(reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT)
    assert item.supervisor == tm
    assert Notification.objects.filter(recipient=tm, subject__contains="SMART").exists()
    audit_final_grade_change(audit=audit, actor=None, new_grade="good",
                             reason="Reconsidered", by="a settled disagreement")
    assert not SupervisionItem.objects.filter(
        reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT).exists()
    change = AuditTransition.objects.filter(audit=audit, reason__contains="to Good").get()
    assert "the SMART-action discussion waiting in supervision" in change.reason


def test_a_grade_not_on_the_scale_is_refused(re_audits):
    audit = submitted_audit(make_cycle(), grade="good")
    with pytest.raises(DomainError, match="scale"):
        audit_final_grade_change(audit=audit, actor=None, new_grade="brilliant", reason="",
                                 by="moderation")


def test_a_settled_disagreement_changing_the_grade_takes_the_same_path(re_audits):
    audit = submitted_audit(make_cycle(), grade="inadequate")
    escalations.on_submit(audit=audit, actor=None)  # type: ignore[arg-type]
    [re_audit] = planned(audit)
    row = dispute(audit)
    panel = PersonFactory(roles=[Role.PRINCIPAL_SOCIAL_WORKER])
    voices.disagreement_settle(disagreement=row, actor=panel,
                               outcome=Disagreement.Outcome.CHANGED,
                               note="The review was held", final_grade="good")
    re_audit.refresh_from_db()
    assert re_audit.status == S.WITHDRAWN
    assert re_audit.transitions.get(to_status=S.WITHDRAWN).reason == (
        "Grade changed by moderation from Inadequate to Good.")
    audit.refresh_from_db()
    assert audit.final_grade == "good" and audit.overall_grade == "inadequate"
