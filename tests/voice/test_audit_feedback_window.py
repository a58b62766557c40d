"""Feedback on an audit is asked for during the AUDIT_FEEDBACK_DAYS days from the day it
was submitted, a day in the service's time zone (the window is compared as an instant, the
start of its first day here)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from auditloop.audits.models import Audit
from auditloop.people.roles import Role
from auditloop.voice import surveys
from tests.factories import PersonFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 8, 1)
FIRST_DAY = TODAY - dt.timedelta(days=surveys.AUDIT_FEEDBACK_DAYS)  # 3 May 2026, in BST


def test_an_auditor_is_asked_from_the_first_day_of_the_window_in_local_time():
    auditor = PersonFactory(roles=[Role.AUDITOR])

    def submitted(at: dt.datetime) -> Audit:
        audit = finish_audit(make_audit(auditors=[auditor]), to=Audit.Status.SUBMITTED)
        Audit.objects.filter(pk=audit.pk).update(submitted_at=at)
        return audit

    midnight = dt.datetime.combine(FIRST_DAY, dt.time.min, tzinfo=LONDON)
    in_window = submitted(midnight + dt.timedelta(minutes=30))  # the day before, in UTC
    too_early = submitted(midnight - dt.timedelta(minutes=1))
    asking = set(surveys._audits_asking(auditor, TODAY).values_list("pk", flat=True))
    assert asking == {in_window.pk}
    assert too_early.pk not in asking
