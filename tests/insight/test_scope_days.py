"""A scope's audits are those submitted on its days in the service's time zone: compared as
instants (the start of the first day, the start of the day after the last), which must find
the same audits as comparing each audit's local date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from auditloop.audits.models import Audit
from auditloop.insight import figures
from tests.factories import finish_audit, make_audit

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
MAY = figures.Scope(start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31))


def submitted(at: dt.datetime) -> Audit:
    audit = finish_audit(make_audit(), to=Audit.Status.SUBMITTED)
    Audit.objects.filter(pk=audit.pk).update(submitted_at=at)
    return audit


def test_the_scope_counts_its_own_days_in_british_summer_time():
    # In May, London is an hour ahead of UTC: each day starts at 23:00 UTC the day before.
    first = submitted(dt.datetime(2026, 5, 1, 0, 30, tzinfo=LONDON))  # 30 April in UTC
    last = submitted(dt.datetime(2026, 5, 31, 23, 30, tzinfo=LONDON))
    before = submitted(dt.datetime(2026, 4, 30, 23, 59, tzinfo=LONDON))
    after = submitted(dt.datetime(2026, 6, 1, 0, 0, tzinfo=LONDON))  # 31 May in UTC
    found = set(MAY.audits().values_list("pk", flat=True))
    assert found == {first.pk, last.pk}
    by_date = set(Audit.objects.filter(
        status__in=figures.GRADED, submitted_at__date__gte=MAY.start,
        submitted_at__date__lte=MAY.end).values_list("pk", flat=True))
    assert found == by_date
    assert before.pk not in found and after.pk not in found
