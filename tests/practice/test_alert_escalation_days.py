"""The framework's practice_alert_escalation_days sets when an unanswered practice alert is
first escalated; the second step follows a week later."""

from __future__ import annotations

import datetime as dt

import pytest

from auditloop.practice import services
from auditloop.standards.services import framework_settings_set
from tests.practice.factories import chaired_case, make_alert

pytestmark = pytest.mark.django_db


def test_practice_alert_escalation_days_sets_when_an_alert_is_escalated():
    framework_settings_set(values={"practice_alert_escalation_days": 3}, actor=None)
    w = chaired_case()
    alert = make_alert(w, days=0)
    due = alert.respond_by
    # The default (1 day) would have told the service manager by now.
    for n in range(0, 3):
        assert services.practice_alerts_escalate(today=due + dt.timedelta(days=n)) == []
    first = services.practice_alerts_escalate(today=due + dt.timedelta(days=3))
    assert [(e.step, e.told) for e in first] == [(1, w["sm"])]
    assert services.practice_alerts_escalate(today=due + dt.timedelta(days=9)) == []
    second = services.practice_alerts_escalate(today=due + dt.timedelta(days=10))
    assert [(e.step, e.told) for e in second] == [(2, w["head"])]
