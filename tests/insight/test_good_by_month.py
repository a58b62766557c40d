"""The leaders' headline counts two years of audits by month in the database
(figures.good_by_month): the same months, at the edges of British Summer Time, and the same
counts as reading each audit (figures.graded_audits), in two queries whatever the number of
audits."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditloop.audits.models import Audit
from auditloop.insight import figures, home
from auditloop.people.roles import Role
from tests.factories import finish_audit, make_audit

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
APRIL = dt.datetime(2026, 4, 15, 9, tzinfo=dt.UTC)  # last month is March 2026
TWO_YEARS = figures.Scope(start=dt.date(2024, 4, 1), end=dt.date(2026, 3, 31))


def graded(at: dt.datetime, grade: str, *, tool_key: str = "002-six-key-areas",
           final: str | None = None) -> Audit:
    audit = finish_audit(make_audit(tool_key=tool_key), grade=grade)
    Audit.objects.filter(pk=audit.pk).update(
        submitted_at=at, overall_grade=grade, final_grade=grade if final is None else final)
    return audit


@pytest.fixture
def audits():  # type: ignore[no-untyped-def]
    # March 2026, London on GMT until 29 March, then BST (an hour ahead of UTC).
    graded(dt.datetime(2026, 3, 1, 0, 15, tzinfo=LONDON), "good")  # first minutes of March
    graded(dt.datetime(2026, 3, 31, 23, 30, tzinfo=LONDON), "inadequate")  # 22:30 UTC
    graded(dt.datetime(2026, 4, 1, 0, 30, tzinfo=LONDON), "good")  # 31 March in UTC: April
    graded(dt.datetime(2026, 2, 28, 23, 59, tzinfo=LONDON), "outstanding")  # February
    # The moderator's grade counts; an overall grade with no final grade counts as it is.
    graded(dt.datetime(2026, 3, 10, 11, tzinfo=LONDON), "good", final="requires_improvement")
    graded(dt.datetime(2026, 3, 11, 11, tzinfo=LONDON), "outstanding", final="")
    # On another tool's scale; and a grade not on this tool's scale, never counted.
    graded(dt.datetime(2026, 3, 12, 11, tzinfo=LONDON), "good",
           tool_key="001-early-help-case-audit")
    graded(dt.datetime(2026, 3, 13, 11, tzinfo=LONDON), "inadequate_critical")
    # October 2025: BST ends on the 26th; the first minutes of November are GMT.
    graded(dt.datetime(2025, 10, 1, 0, 30, tzinfo=LONDON), "good")  # 30 September in UTC: October
    graded(dt.datetime(2025, 11, 1, 0, 30, tzinfo=LONDON), "requires_improvement")
    # The chart's first month, and the month before it (not on the chart).
    graded(dt.datetime(2024, 4, 1, 0, 30, tzinfo=LONDON), "good")  # 31 March 2024 in UTC
    graded(dt.datetime(2024, 3, 31, 23, 30, tzinfo=LONDON), "good")


def by_reading_each(scope: figures.Scope) -> dict[str, figures.MonthGood]:
    out: dict[str, figures.MonthGood] = {}
    for a in figures.graded_audits(scope):
        was = out.get(a.month, figures.MonthGood(graded=0, good=0))
        out[a.month] = figures.MonthGood(graded=was.graded + 1, good=was.good + bool(a.good))
    return out


def test_the_months_counts_match_a_hand_worked_count(audits):  # type: ignore[no-untyped-def]
    counts = figures.good_by_month(TWO_YEARS)
    assert counts == {
        "2024-04": figures.MonthGood(graded=1, good=1),
        "2025-10": figures.MonthGood(graded=1, good=1),
        "2025-11": figures.MonthGood(graded=1, good=0),
        "2026-02": figures.MonthGood(graded=1, good=1),
        # good, inadequate, requires improvement (moderated), outstanding, good on 001's
        "2026-03": figures.MonthGood(graded=5, good=3),
    }
    assert counts == by_reading_each(TWO_YEARS)


def test_a_scope_that_starts_and_ends_within_months(audits):  # type: ignore[no-untyped-def]
    scope = figures.Scope(start=dt.date(2025, 9, 30), end=dt.date(2026, 3, 10))
    counts = figures.good_by_month(scope)
    assert counts == by_reading_each(scope)
    assert counts["2026-03"] == figures.MonthGood(graded=2, good=1)


def test_the_chart_is_the_one_drawn_from_each_audit(audits):  # type: ignore[no-untyped-def]
    months = figures.months_between(TWO_YEARS.start, TWO_YEARS.end)
    assert len(months) == 24
    from_counts = figures.good_trend_of(figures.good_by_month(TWO_YEARS), months)
    assert from_counts == figures.good_trend(figures.graded_audits(TWO_YEARS), months)
    assert [p.period for p in from_counts.points] == [
        "2024-04", "2025-10", "2025-11", "2026-02", "2026-03"]


def test_more_audits_add_no_queries_to_the_headline(audits, person_with_role,  # type: ignore[no-untyped-def]
                                                    monkeypatch):
    user = person_with_role(Role.DIRECTOR).user
    assert user.roles

    def read_each(scope: figures.Scope) -> list[figures.GradedAudit]:
        raise AssertionError("the headline read the audits one by one")

    monkeypatch.setattr(figures, "graded_audits", read_each)

    def headline() -> tuple[int, dict[str, object]]:
        with time_machine.travel(APRIL, tick=False), \
                CaptureQueriesContext(connection) as queries:
            [panel] = home.headline(user)
        # the audits are counted, grouped by month, tool version and grade
        [counted] = [q["sql"] for q in queries if "GROUP BY" in q["sql"]]
        assert "COUNT(" in counted and "CASE WHEN" in counted
        return len(queries), panel.context

    before, context = headline()
    assert context["graded"] == 5
    assert context["good"] == figures.wilson(3, 5)
    # Thirty more over the two years, every 24 days from May 2024 (the last two on 4 and 28
    # March 2026, inadequate then good): copies of one of them, whose other rows are not read
    template = Audit.objects.get(submitted_at=dt.datetime(2026, 3, 1, 0, 15, tzinfo=LONDON))
    copies = []
    for day in range(30):
        copy = Audit.objects.get(pk=template.pk)
        copy.pk = None
        copy.submitted_at = dt.datetime(2024, 5, 1, 12, tzinfo=LONDON) + dt.timedelta(days=24 * day)
        copy.overall_grade = copy.final_grade = "good" if day % 2 else "inadequate"
        copies.append(copy)
    Audit.objects.bulk_create(copies)
    assert Audit.objects.count() == 12 + 30
    after, context = headline()
    assert after == before == 2
    assert context["graded"] == 7
    assert context["good"] == figures.wilson(4, 7)
