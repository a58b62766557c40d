"""The audit's workflow: one state machine, each move recorded; answers never lost or
silently overwritten; the tool version fixed at creation."""

import datetime as dt

import pytest

from auditloop.audits import services
from auditloop.audits.models import Answer, Audit
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.common.models import StatusChange
from tests.factories import PersonFactory, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status


def test_creating_an_audit_fixes_the_tool_version_and_the_period():
    audit = make_audit(period_end=dt.date(2026, 6, 30))
    assert audit.status == S.ALLOCATED
    assert audit.tool_version.in_use
    # 002: "the last 6 months of practice" unless the framework says otherwise.
    assert (audit.period_start, audit.period_end) == (dt.date(2025, 12, 30), dt.date(2026, 6, 30))
    assert list(audit.transitions.values_list("to_status", flat=True)) == [S.ALLOCATED]


def test_add_months_clips_to_the_end_of_the_month():
    assert add_months(dt.date(2026, 8, 31), -6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_first_answer_moves_the_audit_into_progress():
    auditor = PersonFactory()
    audit = make_audit(auditors=[auditor])
    services.answer_save(audit=audit, actor=auditor, section_key="assessment",
                         question_key="present", value="yes", seen_revision=None)
    audit.refresh_from_db()
    assert audit.status == S.IN_PROGRESS
    assert audit.transitions.last().actor == auditor


def test_only_current_auditors_can_answer():
    audit = make_audit()
    with pytest.raises(DomainError, match="auditors"):
        services.answer_save(audit=audit, actor=PersonFactory(), section_key="a",
                             question_key="b", value=1, seen_revision=None)


def test_two_auditors_on_different_fields_never_clash():
    a, b = PersonFactory(), PersonFactory()
    audit = make_audit(auditors=[a, b])
    services.answer_save(audit=audit, actor=a, section_key="s", question_key="q1",
                         value="yes", seen_revision=None)
    r = services.answer_save(audit=audit, actor=b, section_key="s", question_key="q2",
                             value="no", seen_revision=None)
    assert r.conflict is None
    assert Answer.objects.filter(audit=audit).count() == 2


def test_a_stale_save_of_the_same_field_shows_the_conflict_instead_of_overwriting():
    a, b = PersonFactory(), PersonFactory()
    audit = make_audit(auditors=[a, b])
    first = services.answer_save(audit=audit, actor=a, section_key="s", question_key="q",
                                 value="yes", comment="Plan is clear", seen_revision=None)
    # b loaded the page when the field was empty, then saves something else.
    clash = services.answer_save(audit=audit, actor=b, section_key="s", question_key="q",
                                 value="no", comment="No plan", seen_revision=None)
    assert clash.conflict is not None and clash.conflict.value == "yes"
    assert Answer.objects.get().comment == "Plan is clear"
    # b chooses to keep their own answer.
    kept = services.answer_save(audit=audit, actor=b, section_key="s", question_key="q",
                                value="no", comment="No plan", seen_revision=None,
                                overwrite=True)
    assert kept.conflict is None and kept.answer.revision == first.answer.revision + 1
    assert Answer.objects.get().value == "no"


def test_saving_the_same_thing_twice_is_harmless():
    a = PersonFactory()
    audit = make_audit(auditors=[a])
    r1 = services.answer_save(audit=audit, actor=a, section_key="s", question_key="q",
                              value="yes", seen_revision=None)
    # A double submit: the second arrives with the old revision but the same content.
    r2 = services.answer_save(audit=audit, actor=a, section_key="s", question_key="q",
                              value="yes", seen_revision=None)
    assert r2.conflict is None and r2.answer.pk == r1.answer.pk


def test_transitions_check_the_source_state():
    audit = make_audit()
    actor = PersonFactory()
    with pytest.raises(WorkflowError, match="allocated, so it cannot become closed"):
        services.transition(audit=audit, actor=actor, to=S.CLOSED)
    services.audit_withdraw(audit=audit, actor=actor, reason="Case transferred out")
    audit.refresh_from_db()
    assert audit.status == S.WITHDRAWN
    with pytest.raises(WorkflowError):
        services.answer_save(audit=audit, actor=audit.assignments.first().person,
                             section_key="s", question_key="q", value=1, seen_revision=None)


def test_a_re_audit_is_planned_with_its_window_and_allocated_later():
    original = make_audit()
    senior = PersonFactory(roles=["senior_manager"])
    planned = services.audit_plan_re_audit(of=original, actor=None,
                                           earliest=dt.date(2026, 9, 1),
                                           latest=dt.date(2026, 10, 1), reason="Inadequate")
    assert planned.status == S.PLANNED and planned.re_audit_of == original
    services.audit_allocate(audit=planned, auditors=[senior], actor=None)
    planned.refresh_from_db()
    assert planned.status == S.ALLOCATED
    assert services.current_auditors(planned) == [senior]


def test_the_audit_workflow_refuses_a_move_its_table_does_not_allow():
    audit = make_audit()
    with pytest.raises(WorkflowError, match="This audit is allocated, so it cannot become "
                                            "feedback sent now"):
        audit.workflow.move(audit, to=S.FEEDBACK_SENT, actor=PersonFactory())
    audit.refresh_from_db()
    assert audit.status == S.ALLOCATED
    assert list(audit.transitions.values_list("to_status", flat=True)) == [S.ALLOCATED]
    assert not audit.may_become(S.CLOSED) and audit.may_become(S.IN_PROGRESS)


def test_a_move_writes_the_audits_own_transition_row():
    audit, actor = make_audit(), PersonFactory()
    audit.workflow.move(audit, to=S.WITHDRAWN, actor=actor, reason="Case closed early")
    row = audit.transitions.order_by("id").last()
    assert (row.from_status, row.to_status, row.actor, row.reason) == (
        S.ALLOCATED, S.WITHDRAWN, actor, "Case closed early")
    # The audit keeps its own history: no generic status change is written beside it.
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(("status", "editing", "submitted", "findings_open", "ended"), [
    (S.PLANNED, False, False, False, False),
    (S.ALLOCATED, True, False, False, False),
    (S.IN_PROGRESS, True, False, False, False),
    (S.SUBMITTED, False, True, True, False),
    (S.IN_MODERATION, False, True, True, False),
    (S.DISCUSSED, False, True, True, False),
    (S.FEEDBACK_SENT, False, True, True, False),
    (S.ACTIONS_AGREED, False, True, True, False),
    (S.CLOSED, False, True, False, True),
    (S.WITHDRAWN, False, False, False, True),
])
def test_the_audits_status_groups(status, editing, submitted, findings_open, ended):
    audit = Audit(status=status)
    assert (audit.is_open_for_editing, audit.is_submitted_or_later, audit.is_findings_open,
            audit.is_ended) == (editing, submitted, findings_open, ended)
    assert audit.status_in("discussed_or_later") == (
        status in {S.DISCUSSED, S.FEEDBACK_SENT, S.ACTIONS_AGREED, S.CLOSED})
    assert audit.status_in("ready_for_meeting") == (status in {S.SUBMITTED, S.IN_MODERATION})
