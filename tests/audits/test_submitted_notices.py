"""The notices a submitted audit raises by the framework's rules: "audit_submitted" (003: the
completed toolkit goes back to the QA team; 000: feedback to the manager or agency) and
"remedial_action" (003: the lead professional and their manager are contacted)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits import services
from auditloop.audits.submission import Sheet, remedial_actions_recorded, submitted_notices
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set
from tests.factories import CaseFactory, PersonFactory, complete_audit, make_audit

pytestmark = pytest.mark.django_db


def _world(tool_key: str = "000-eha-quality-standards"):  # type: ignore[no-untyped-def]
    tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    auditor = PersonFactory(roles=[Role.AUDITOR])
    case = CaseFactory(key_worker=kw, team_manager=tm)
    audit = make_audit(case=case, auditors=[auditor], tool_key=tool_key)
    return tm, kw, qa, auditor, audit


def _rules(rules: dict[str, list[str]]) -> None:
    framework_settings_set(values={"notification_rules": rules}, actor=None)


def _submit(audit, auditor):  # type: ignore[no-untyped-def]
    complete_audit(audit, auditor, grade="good")
    Notification.objects.all().delete()
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        services.audit_submit(audit=audit, actor=auditor)


def _subjects(person) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(recipient=person).values_list("subject", flat=True))


def test_audit_submitted_tells_whom_the_framework_names_and_nobody_otherwise() -> None:
    tm, kw, qa, auditor, audit = _world()
    _rules({"audit_submitted": ["qa_manager"]})
    _submit(audit, auditor)
    [notice] = Notification.objects.filter(recipient=qa)
    assert notice.subject == "An audit has been submitted"
    assert notice.link == reverse("audits:audit_detail", args=[audit.pk])
    assert audit.case.reference not in notice.subject + notice.body
    assert "An audit has been submitted" not in _subjects(tm)

    # Another framework names the team manager instead (004), or nobody at all.
    tm2, kw2, qa2, auditor2, audit2 = _world()
    _rules({"audit_submitted": ["case_team_manager"]})
    _submit(audit2, auditor2)
    assert "An audit has been submitted" in _subjects(tm2)
    assert "An audit has been submitted" not in _subjects(qa2)

    tm3, kw3, qa3, auditor3, audit3 = _world()
    _rules({})
    _submit(audit3, auditor3)
    assert not Notification.objects.filter(subject="An audit has been submitted").exists()


def _remedial_audit(rows: int):  # type: ignore[no-untyped-def]
    tm, kw, qa, auditor, audit = _world("003-tier-2-caf-toolkit")
    for _ in range(rows):
        item = services.repeat_item_add(audit=audit, actor=auditor, section_key="remedial_action")
        services.answer_save(audit=audit, actor=auditor, section_key="remedial_action", item=item,
                             question_key="action", value="Chase the TAF plan with the LP",
                             seen_revision=None, overwrite=True)
    return tm, kw, qa, auditor, audit


def test_remedial_action_tells_the_lead_professional_and_manager_when_actions_are_recorded(
) -> None:
    _rules({"remedial_action": ["case_key_worker", "case_team_manager"]})
    tm, kw, qa, auditor, audit = _remedial_audit(rows=2)
    sheet = Sheet.for_audit(audit)
    assert remedial_actions_recorded(sheet) == 2
    Notification.objects.all().delete()
    submitted_notices(audit=audit, sheet=sheet, actor=auditor)
    for person in (kw, tm):
        [notice] = Notification.objects.filter(recipient=person)
        assert notice.subject == "Remedial action is needed after an audit"
        assert "2 remedial actions" in notice.body
    assert not Notification.objects.filter(recipient=qa).exists()

    # No remedial action recorded: nobody is told of one.
    tm2, kw2, qa2, auditor2, quiet = _remedial_audit(rows=0)
    Notification.objects.all().delete()
    submitted_notices(audit=quiet, sheet=Sheet.for_audit(quiet), actor=auditor2)
    assert not Notification.objects.exists()

    # The framework names only the QA manager: the lead professional is not told.
    _rules({"remedial_action": ["qa_manager"]})
    Notification.objects.all().delete()
    submitted_notices(audit=audit, sheet=sheet, actor=auditor)
    assert Notification.objects.filter(recipient=qa).exists()
    assert not Notification.objects.filter(recipient=kw).exists()
