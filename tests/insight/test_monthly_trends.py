"""The monthly report's two-year trends (figures.trends) are counted in the database: the
same p-chart of the share good or better and the same XmR chart of the mean impact score as
reading every audit (figures.good_trend and figures.impact_trend over graded_audits), at the
edges of British Summer Time; the monthly figures read only the month's audits one by one;
and the actions' four counts are one query."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditloop.audits.models import Audit
from auditloop.insight import figures
from tests.insight.test_good_by_month import APRIL, LONDON, TWO_YEARS, audits, graded

pytestmark = pytest.mark.django_db
__all__ = ["audits"]  # the fixture, shared with the headline's tests
MARCH = figures.Scope(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))


def _scored(scores: list[int]) -> None:
    """Impact scores on the first audits (000's score, 1 to 10)."""
    for audit_id, score in zip(Audit.objects.order_by("pk").values_list("pk", flat=True),
                               scores, strict=False):
        Audit.objects.filter(pk=audit_id).update(impact_score=score)


def by_reading_each(scope: figures.Scope) -> tuple[object, object]:
    audits = figures.graded_audits(scope)
    months = figures.months_between(scope.start, scope.end)
    return figures.good_trend(audits, months), figures.impact_trend(audits, months)


def test_the_trends_match_reading_every_audit(audits):  # type: ignore[no-untyped-def]
    _scored([7, 3, 9, 4, 8, 5, 6, 2, 10])
    good, impact = figures.trends(TWO_YEARS)
    assert (good, impact) == by_reading_each(TWO_YEARS)
    # Hand-worked: March 2026 has five audits graded on their tool's scale, three good or
    # better; February one, good.
    points = {p.period: p for p in good.points}
    assert (points["2026-03"].value, points["2026-02"].value) == (3 / 5, 1.0)
    assert [p.period for p in good.points] == [  # months with no audits are not points
        "2024-04", "2025-10", "2025-11", "2026-02", "2026-03"]
    assert impact.points  # months with a score only


def test_the_monthly_figures_read_only_the_months_audits_one_by_one(
        audits, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    read: list[figures.Scope] = []
    real = figures.graded_audits

    def graded_audits(scope: figures.Scope, **kwargs: object) -> list[figures.GradedAudit]:
        read.append(scope)
        return real(scope, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(figures, "graded_audits", graded_audits)
    with time_machine.travel(APRIL, tick=False):
        expected = by_reading_each(MARCH.earlier(figures.TREND_MONTHS))
        march = [a.id for a in real(MARCH)]
        read.clear()
        first = figures.monthly(MARCH)
        assert (first.good_trend, first.impact_trend) == expected
        assert [a.id for a in first.audits] == march
        with CaptureQueriesContext(connection) as before:
            figures.monthly(MARCH)
        for day in range(1, 29):
            graded(dt.datetime(2025, 6, day, 12, tzinfo=LONDON), "good")
        with CaptureQueriesContext(connection) as after:
            again = figures.monthly(MARCH)
    assert len(after) == len(before)
    # Two years of audits are never read row by row: only March's.
    assert read and all(scope.start >= MARCH.start for scope in read)
    points = {p.period: p for p in again.good_trend.points}
    assert points["2025-06"].value == 1.0 and points["2025-06"].denominator == 28


def test_the_actions_four_counts_are_one_query(  # type: ignore[no-untyped-def]
        django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        figures.actions(MARCH)
