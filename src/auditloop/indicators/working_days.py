"""Working days: Monday to Friday, less the bank holidays of England and Wales.

The statutory timescales the indicators count ("an assessment completed within 45 working
days of the referral", "an initial conference within 15 working days of the strategy
discussion") are working days, and a weekday count alone is wrong every Christmas and
Easter. The bank holidays come from the `holidays` package (`country_holidays("GB",
subdiv="ENG")`), kept up to date upstream, with the substitute ("observed") days when
Christmas or Boxing Day falls at a weekend and the one-off days (a jubilee, a state funeral).

The counting rule is the returns' own: the day the clock starts is day 0, so a referral on
a Monday and an assessment completed on the Tuesday took one working day.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays

ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: dt.date) -> bool:
    """A weekday that is not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The working days after `start` up to and including `end` (`start` is day 0).

    Negative when `end` is before `start`, so that `working_days_between(a, b) ==
    -working_days_between(b, a)`; 0 for the same day.
    """
    if end < start:
        return -working_days_between(end, start)
    days = (end - start).days
    # Whole weeks first (five weekdays each), then the days left over, then the bank
    # holidays on weekdays inside the span: fast for spans of years.
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    day = start + dt.timedelta(days=weeks * 7)
    for _ in range(rest):
        day += ONE_DAY
        if day.weekday() < 5:
            count += 1
    for year in range(start.year, end.year + 1):
        count -= sum(1 for h in _bank_holidays(year)
                     if start < h <= end and h.weekday() < 5)
    return count


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The date `n` working days after `day` (before it when `n` is negative); `day` itself
    when `n` is 0, whether or not it is a working day."""
    step = ONE_DAY if n >= 0 else -ONE_DAY
    left = abs(n)
    while left:
        day += step
        if is_working_day(day):
            left -= 1
    return day
