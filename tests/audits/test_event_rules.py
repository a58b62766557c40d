"""Notice events whose recipients come from the framework's rules, each changed and seen to
change who is told: feedback to the practitioner, the actions agreed and the practitioner's
perspective completed."""

from __future__ import annotations

import pytest

from auditloop.audits import voices
from auditloop.audits.models import Audit, WorkerPerspective
from auditloop.notifications.models import Notification
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import framework_settings_set, preset_apply
from tests.audits.test_feedback import frozen, six_areas  # noqa: F401
from tests.factories import CaseFactory, PersonFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status


def _rule(event: str, targets: list[str]) -> None:
    rules = dict(framework_settings_row().notification_rules or {})
    rules[event] = targets
    framework_settings_set(values={"notification_rules": rules}, actor=None)


def _told(subject: str) -> set[int]:
    return set(Notification.objects.filter(subject=subject).values_list("recipient", flat=True))


def test_feedback_to_practitioner_goes_to_whom_the_framework_names(six_areas):  # noqa: F811
    w = six_areas
    finish_audit(w.audit)
    _rule("feedback_to_practitioner", ["case_team_manager"])
    voices.feedback_send(audit=w.audit, actor=w.qa)
    assert _told("An audit of a case you hold or manage is ready") == {w.tm.pk}


def test_actions_created_goes_to_whom_the_framework_names(six_areas):  # noqa: F811
    w = six_areas
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    _rule("actions_created", ["qa_manager"])
    voices.actions_agree(audit=w.audit, actor=w.tm)
    assert _told("Actions are agreed from an audit") == {w.qa.pk}
    _rule("actions_created", [])
    Audit.objects.filter(pk=w.audit.pk).update(status=S.FEEDBACK_SENT)
    Notification.objects.all().delete()
    w.audit.refresh_from_db()
    voices.actions_agree(audit=w.audit, actor=w.tm)
    assert _told("Actions are agreed from an audit") == set()


def test_worker_perspective_completed_goes_to_whom_the_framework_names(frozen):  # noqa: F811
    preset_apply(key="001-early-help-domains")
    tm = PersonFactory()
    kw = PersonFactory(line_manager=tm)
    auditor = PersonFactory(roles=["auditor"])
    audit = make_audit(case=CaseFactory(key_worker=kw, team_manager=tm), auditors=[auditor])
    _rule("worker_perspective_completed", ["case_team_manager"])
    perspective = WorkerPerspective.objects.get(audit=audit)
    answers = {f"perspective.{k}": {"value": "Seen"} for k in
               ("situation", "work_done", "child_voice", "difference", "challenges")}
    voices.perspective_save(perspective=perspective, actor=kw, send=True, answers=answers)
    assert _told("The practitioner's perspective is ready to read") == {tm.pk}


def test_actions_are_signed_off_by_whom_the_framework_names(six_areas):  # noqa: F811
    from auditloop.people.roles import Role

    w = six_areas
    framework_settings_set(values={"actions_signed_off_by": "case_team_manager"}, actor=None)
    assert voices.sign_off_for(w.audit) == (Role.TEAM_MANAGER, w.tm)
    framework_settings_set(values={"actions_signed_off_by": "case_service_manager"}, actor=None)
    assert voices.sign_off_for(w.audit) == (Role.SERVICE_MANAGER, w.sm)


@pytest.mark.parametrize(("rule", "whom"), [(["case_team_manager"], "tm"),
                                            (["case_key_worker"], "kw")])
def test_the_feedback_to_practitioner_rule_names_who_gets_the_feedback(six_areas, rule,  # noqa: F811
                                                                       whom):
    w = six_areas
    finish_audit(w.audit)
    _rule("feedback_to_practitioner", rule)
    voices.feedback_send(audit=w.audit, actor=w.qa)
    assert _told("An audit of a case you hold or manage is ready") == {getattr(w, whom).pk}


@pytest.mark.parametrize(("rule", "whom"), [(["case_team_manager"], "tm"),
                                            (["case_auditors"], "auditor")])
def test_the_worker_perspective_completed_rule_names_who_is_told_it_is_ready(frozen, rule,  # noqa: F811
                                                                             whom):
    preset_apply(key="001-early-help-domains")
    people = {"tm": PersonFactory()}
    people["kw"] = PersonFactory(line_manager=people["tm"])
    people["auditor"] = PersonFactory(roles=["auditor"])
    audit = make_audit(case=CaseFactory(key_worker=people["kw"], team_manager=people["tm"]),
                       auditors=[people["auditor"]])
    _rule("worker_perspective_completed", rule)
    answers = {f"perspective.{k}": {"value": "Seen"} for k in
               ("situation", "work_done", "child_voice", "difference", "challenges")}
    voices.perspective_save(perspective=WorkerPerspective.objects.get(audit=audit),
                            actor=people["kw"], send=True, answers=answers)
    assert _told("The practitioner's perspective is ready to read") == {people[whom].pk}
