"""A cycle's dates from the framework's settings."""

import datetime as dt

import pytest

from auditloop.programme.timetable import cycle_span, timetable

D = dt.date


def test_twelve_cycles_are_the_calendar_months():
    assert cycle_span(2026, 1, 12) == (D(2026, 1, 1), D(2026, 1, 31))
    assert cycle_span(2026, 2, 12) == (D(2026, 2, 1), D(2026, 2, 28))
    assert cycle_span(2026, 12, 12) == (D(2026, 12, 1), D(2026, 12, 31))


def test_four_cycles_are_quarters_and_other_counts_split_the_days():
    assert cycle_span(2026, 2, 4) == (D(2026, 4, 1), D(2026, 6, 30))
    spans = [cycle_span(2026, n, 5) for n in range(1, 6)]
    assert spans[0][0] == D(2026, 1, 1) and spans[-1][1] == D(2026, 12, 31)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start == end + dt.timedelta(days=1)


def test_a_cycle_outside_the_year_is_refused():
    with pytest.raises(ValueError):
        cycle_span(2026, 13, 12)


def test_meeting_at_the_end_of_the_cycle_sets_every_deadline():
    # June 2026 ends on a Tuesday: the meeting that day; audits due the day before.
    t = timetable(period_start=D(2026, 6, 1), period_end=D(2026, 6, 30), has_meeting=True,
                  meeting_at_end=True, allocation_notice_days=14, audit_notice_days=7)
    assert t.meeting_on == D(2026, 6, 30)
    assert t.audits_due_on == D(2026, 6, 29)
    # 001: allocations at least two weeks before the meeting, and by the audit period's start.
    assert t.allocations_due_on == D(2026, 6, 1)
    # 002: at least a week's notice before the audit period.
    assert t.notices_due_on == D(2026, 5, 25)


def test_meeting_in_the_first_week_of_the_next_cycle_skips_the_weekend():
    # May 2026 ends on a Sunday: the meeting is on Monday 1 June; audits due the Friday.
    t = timetable(period_start=D(2026, 5, 1), period_end=D(2026, 5, 31), has_meeting=True,
                  meeting_at_end=False, allocation_notice_days=None, audit_notice_days=None)
    assert t.meeting_on == D(2026, 6, 1)
    assert t.audits_due_on == D(2026, 5, 29)
    assert t.notices_due_on is None and t.allocations_due_on == D(2026, 5, 1)


def test_without_a_meeting_audits_are_due_at_the_cycles_end():
    t = timetable(period_start=D(2026, 6, 1), period_end=D(2026, 6, 30), has_meeting=False,
                  meeting_at_end=True, allocation_notice_days=14, audit_notice_days=7)
    assert t.meeting_on is None
    assert t.audits_due_on == D(2026, 6, 30)
    assert t.allocations_due_on == D(2026, 6, 1)


def test_a_meeting_date_given_is_kept():
    t = timetable(period_start=D(2026, 6, 1), period_end=D(2026, 6, 30), has_meeting=True,
                  meeting_at_end=True, allocation_notice_days=14, audit_notice_days=7,
                  meeting_on=D(2026, 6, 10))
    assert t.meeting_on == D(2026, 6, 10)
    assert t.audits_due_on == D(2026, 6, 9)
    assert t.allocations_due_on == D(2026, 5, 27)
