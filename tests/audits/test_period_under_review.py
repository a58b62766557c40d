"""002: "the last 6 months unless there are clear reasons to go back further"
(period_under_review_months): a new audit looks back over the framework's months."""

import datetime as dt

import pytest

from auditloop.standards.services import framework_settings_set
from tests.factories import make_audit

pytestmark = pytest.mark.django_db


def test_a_new_audit_covers_the_frameworks_months_of_practice() -> None:
    framework_settings_set(values={"period_under_review_months": 6}, actor=None)
    audit = make_audit(period_end=dt.date(2026, 6, 15))
    assert (audit.period_start, audit.period_end) == (dt.date(2025, 12, 15),
                                                      dt.date(2026, 6, 15))
    framework_settings_set(values={"period_under_review_months": 12}, actor=None)
    assert make_audit(period_end=dt.date(2026, 6, 15)).period_start == dt.date(2025, 6, 15)
