"""Calendar arithmetic the framework's rules need (months, weeks), timezone-aware "today",
and dates written the GOV.UK way."""

import calendar
import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clipped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def gds_date(value: Any, with_time: bool = False) -> str:
    """Dates the GOV.UK way: 4 June 2026, 2:05pm."""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and with_time:
        value = timezone.localtime(value)
        return date_format(value, "j F Y") + ", " + date_format(value, "g:iA").lower()
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
    return date_format(value, "j F Y")
