"""Working days skip weekends and the bank holidays of England and Wales. Every expected
date below was worked out by hand from a calendar and the gov.uk list of bank holidays."""

import datetime as dt

import pytest

from auditloop.indicators.working_days import (
    add_working_days,
    is_working_day,
    working_days_between,
)

D = dt.date


@pytest.mark.parametrize(("day", "working"), [
    (D(2026, 12, 7), True),    # a Monday
    (D(2026, 12, 12), False),  # a Saturday
    (D(2026, 12, 25), False),  # Christmas Day, a Friday
    (D(2026, 12, 28), False),  # Boxing Day falls on the Saturday: the Monday is observed
    (D(2026, 12, 29), True),
    (D(2022, 12, 27), False),  # Christmas Day 2022 was a Sunday: Tuesday 27th observed
    (D(2026, 4, 3), False),    # Good Friday 2026
    (D(2026, 4, 6), False),    # Easter Monday 2026
    (D(2026, 5, 25), False),   # the spring bank holiday, the last Monday of May 2026
    (D(2026, 5, 18), True),    # an ordinary Monday in May
])
def test_is_working_day(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


def test_a_week_with_no_holidays() -> None:
    # Monday 7 December 2026 to Monday 14 December: Tue..Fri and Mon = 5.
    assert working_days_between(D(2026, 12, 7), D(2026, 12, 14)) == 5
    assert add_working_days(D(2026, 12, 7), 5) == D(2026, 12, 14)
    assert working_days_between(D(2026, 12, 7), D(2026, 12, 7)) == 0


def test_christmas_2026_with_boxing_day_observed() -> None:
    # From Wednesday 23 December 2026: Thu 24 (1); Fri 25 Christmas; Sat, Sun; Mon 28 Boxing
    # Day (observed); Tue 29 (2), Wed 30 (3), Thu 31 (4); Fri 1 January New Year's Day;
    # Mon 4 January (5).
    assert add_working_days(D(2026, 12, 23), 5) == D(2027, 1, 4)
    assert working_days_between(D(2026, 12, 23), D(2027, 1, 4)) == 5
    assert working_days_between(D(2026, 12, 23), D(2026, 12, 29)) == 2


def test_christmas_2022_with_christmas_day_observed() -> None:
    # From Friday 23 December 2022: Mon 26 Boxing Day, Tue 27 Christmas Day (observed);
    # Wed 28 (1), Thu 29 (2), Fri 30 (3); Mon 2 January 2023 is New Year's Day observed;
    # Tue 3 January (4).
    assert add_working_days(D(2022, 12, 23), 4) == D(2023, 1, 3)
    assert working_days_between(D(2022, 12, 23), D(2023, 1, 3)) == 4


def test_easter_2026() -> None:
    # From Thursday 2 April 2026: Fri 3 Good Friday, Mon 6 Easter Monday; Tue 7 (1),
    # Wed 8 (2), Thu 9 (3).
    assert add_working_days(D(2026, 4, 2), 3) == D(2026, 4, 9)
    assert working_days_between(D(2026, 4, 2), D(2026, 4, 9)) == 3
    # A plain weekday count would say 5.


def test_late_may_bank_holiday_2026() -> None:
    # From Friday 22 May 2026: Mon 25 May is the spring bank holiday; Tue 26 (1) ...
    # Fri 29 (4), Mon 1 June (5).
    assert add_working_days(D(2026, 5, 22), 5) == D(2026, 6, 1)
    assert working_days_between(D(2026, 5, 22), D(2026, 6, 1)) == 5


def test_fifteen_working_days_across_easter_2025() -> None:
    # A strategy discussion on Monday 7 April 2025; 15 working days on: 8-11 April (4),
    # 14-17 April (8); Fri 18 Good Friday, Mon 21 Easter Monday; 22-25 April (12);
    # 28, 29, 30 April (15).
    assert add_working_days(D(2025, 4, 7), 15) == D(2025, 4, 30)
    assert working_days_between(D(2025, 4, 7), D(2025, 4, 30)) == 15


def test_forty_five_working_days_over_a_year_end() -> None:
    # From Monday 2 November 2026: November has 20 more weekdays (3 Nov..30 Nov); December
    # 1..24 has 18 weekdays (38); 25 and 28 are bank holidays; 29, 30, 31 (41); 1 January
    # 2027 is a bank holiday; 4, 5, 6, 7 January (45).
    assert add_working_days(D(2026, 11, 2), 45) == D(2027, 1, 7)
    assert working_days_between(D(2026, 11, 2), D(2027, 1, 7)) == 45


def test_backwards() -> None:
    assert working_days_between(D(2026, 4, 9), D(2026, 4, 2)) == -3
    assert add_working_days(D(2026, 4, 9), -3) == D(2026, 4, 2)
