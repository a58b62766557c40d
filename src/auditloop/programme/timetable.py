"""A cycle's dates from the framework's settings: its span in the year, the audit period,
the QA meeting and the deadlines for allocations and notices. Plain dates, no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auditloop.common.dates import add_months

DAY = dt.timedelta(days=1)
SATURDAY = 5


@dataclass(frozen=True)
class Timetable:
    period_start: dt.date
    period_end: dt.date
    audit_starts_on: dt.date
    audits_due_on: dt.date
    meeting_on: dt.date | None
    allocations_due_on: dt.date | None
    notices_due_on: dt.date | None


def cycle_span(year: int, number: int, cycles_per_year: int) -> tuple[dt.date, dt.date]:
    """The part of the year a cycle covers: whole months when the year divides into them
    (12 a year: calendar months, 001), otherwise equal runs of days."""
    if not 1 <= number <= cycles_per_year:
        raise ValueError(f"cycle {number} is not one of 1 to {cycles_per_year}")
    jan1 = dt.date(year, 1, 1)
    if 12 % cycles_per_year == 0:
        months = 12 // cycles_per_year
        return add_months(jan1, (number - 1) * months), add_months(jan1, number * months) - DAY
    days = (dt.date(year + 1, 1, 1) - jan1).days
    start = jan1 + dt.timedelta(days=(number - 1) * days // cycles_per_year)
    end = jan1 + dt.timedelta(days=number * days // cycles_per_year) - DAY
    return start, end


def last_weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= SATURDAY:
        day -= DAY
    return day


def first_weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= SATURDAY:
        day += DAY
    return day


def timetable(
    *,
    period_start: dt.date,
    period_end: dt.date,
    has_meeting: bool,
    meeting_at_end: bool,
    allocation_notice_days: int | None,
    audit_notice_days: int | None,
    meeting_on: dt.date | None = None,
) -> Timetable:
    """The dates of a cycle.

    - The QA meeting (where the framework has one, 001): on the last weekday of the cycle
      ("at the end of the cycle"), or the first weekday after it ("the first week of the
      next"), unless a date is given.
    - Audits are due the weekday before the meeting; without a meeting, at the cycle's end.
    - The audit period runs from the cycle's start to the due date.
    - Allocations go out `allocation_notice_days` before the meeting (001: 2 weeks), and
      never later than the audit period starts; without that setting, when it starts.
    - Those holding the case are told `audit_notice_days` before the audit period (002: at
      least a week's notice).
    """
    if has_meeting and meeting_on is None:
        meeting_on = (last_weekday_on_or_before(period_end) if meeting_at_end
                      else first_weekday_on_or_after(period_end + DAY))
    if not has_meeting:
        meeting_on = None
    if meeting_on is not None:
        audits_due_on = last_weekday_on_or_before(meeting_on - DAY)
    else:
        audits_due_on = period_end
    audits_due_on = max(audits_due_on, period_start)
    allocations_due_on = period_start
    if meeting_on is not None and allocation_notice_days is not None:
        allocations_due_on = min(period_start,
                                 meeting_on - dt.timedelta(days=allocation_notice_days))
    notices_due_on = (period_start - dt.timedelta(days=audit_notice_days)
                      if audit_notice_days is not None else None)
    return Timetable(
        period_start=period_start, period_end=period_end, audit_starts_on=period_start,
        audits_due_on=audits_due_on, meeting_on=meeting_on,
        allocations_due_on=allocations_due_on, notices_due_on=notices_due_on,
    )
