"""Feedback to an earlier practitioner (001 2.15) goes to whom the framework names for
"previous_practitioner_feedback": the earlier key worker, their manager then, or both."""

from __future__ import annotations

import pytest

from auditloop.audits import voices
from auditloop.notifications.models import Notification
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import framework_settings_set
from tests.audits.test_feedback import early_help, frozen, handed_over  # noqa: F401

pytestmark = pytest.mark.django_db
SUBJECT = "Feedback on earlier work on a case"


def _send(w):  # type: ignore[no-untyped-def]
    Notification.objects.all().delete()
    voices.earlier_practice_feedback_send(audit=w.audit, actor=w.auditor,
                                          practitioner=w.earlier, stands_out="strengths",
                                          message="A clear chronology")
    return set(Notification.objects.filter(subject=SUBJECT).values_list("recipient", flat=True))


def _rule(targets: list[str]) -> None:
    rules = dict(framework_settings_row().notification_rules or {})
    rules["previous_practitioner_feedback"] = targets
    framework_settings_set(values={"notification_rules": rules}, actor=None)


def test_001_tells_the_earlier_key_worker_and_their_manager(handed_over):  # noqa: F811
    w = handed_over
    assert _send(w) == {w.earlier.pk, w.earlier_tm.pk}


def test_naming_only_the_earlier_key_worker_leaves_their_manager_out(handed_over):  # noqa: F811
    w = handed_over
    _rule(["case_previous_key_worker"])
    assert _send(w) == {w.earlier.pk}


def test_naming_the_qa_manager_tells_them_and_not_the_earlier_practitioner(handed_over):  # noqa: F811
    w = handed_over
    _rule(["qa_manager"])
    assert _send(w) == {w.qa.pk}


def test_the_previous_practitioner_feedback_rule_names_who_is_told(handed_over):  # noqa: F811
    w = handed_over
    _rule(["case_previous_key_worker"])
    assert _send(w) == {w.earlier.pk}
    _rule(["qa_manager"])
    assert _send(w) == {w.qa.pk}
