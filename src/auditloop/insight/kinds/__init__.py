"""The reports the frameworks name, each a kind: its name, the period it covers and the
function that builds its document from the figures.

A kind lives in its own module in this package and registers itself with `@report_kind`;
every module here is loaded when the registry is first asked, so adding a report is adding
a file. The keys are the `kind` values the framework's `reports` setting may name
(standards.settings_spec.REPORT_KINDS), checked against each other by the tests.

Periods: a month ("2026-03"), a calendar quarter ("2026-Q1"), the financial year to the end
of a month ("2026-03": April 2025 to March 2026), a financial year ("2025-26"), or one
programme's own dates (a one-off programme's report names the programme).
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from auditloop.common.dates import add_months
from auditloop.insight.document import Document
from auditloop.insight.figures import Scope


class PeriodType(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR_TO_DATE = "year_to_date"
    YEAR = "year"  # the financial year, April to March
    PROGRAMME = "programme"  # a one-off programme's own period


FINANCIAL_YEAR_STARTS = 4  # April


@dataclass(frozen=True)
class Period:
    type: PeriodType
    start: dt.date
    end: dt.date
    key: str  # as typed on the command line and kept on the report: "2026-Q1"
    label: str  # as read: "January to March 2026"

    @classmethod
    def month(cls, first: dt.date) -> Period:
        first = first.replace(day=1)
        return cls(PeriodType.MONTH, first, _month_end(first), f"{first:%Y-%m}",
                   f"{first:%B %Y}")

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        start = dt.date(year, 3 * (q - 1) + 1, 1)
        end = _month_end(add_months(start, 2))
        return cls(PeriodType.QUARTER, start, end, f"{year}-Q{q}",
                   f"{start:%B} to {end:%B %Y}")

    @classmethod
    def year_to_date(cls, last_month: dt.date) -> Period:
        last_month = last_month.replace(day=1)
        start = _financial_year_start(last_month)
        end = _month_end(last_month)
        label = (f"{start:%B %Y} to {end:%B %Y}, year to date" if start != last_month
                 else f"{start:%B %Y}, year to date")
        return cls(PeriodType.YEAR_TO_DATE, start, end, f"{last_month:%Y-%m}", label)

    @classmethod
    def financial_year(cls, first_year: int) -> Period:
        start = dt.date(first_year, FINANCIAL_YEAR_STARTS, 1)
        end = _month_end(add_months(start, 11))
        return cls(PeriodType.YEAR, start, end, f"{first_year}-{(first_year + 1) % 100:02d}",
                   f"{start:%B %Y} to {end:%B %Y}")

    @classmethod
    def between(cls, start: dt.date, end: dt.date, key: str) -> Period:
        """A programme's own period."""
        return cls(PeriodType.PROGRAMME, start, end, key,
                   f"{start:%-d %B %Y} to {end:%-d %B %Y}")

    @classmethod
    def parse(cls, type_: PeriodType, text: str) -> Period:
        """The period a reader typed; ValueError says what to type instead."""
        text = text.strip()
        if type_ in (PeriodType.MONTH, PeriodType.YEAR_TO_DATE):
            m = re.fullmatch(r"(\d{4})-(\d{2})", text)
            if m and 1 <= int(m[2]) <= 12:
                first = dt.date(int(m[1]), int(m[2]), 1)
                return cls.month(first) if type_ == PeriodType.MONTH else cls.year_to_date(
                    first)
            raise ValueError("Enter the month as the year and month number, for example "
                             "2026-03")
        if type_ == PeriodType.QUARTER:
            m = re.fullmatch(r"(\d{4})-Q([1-4])", text, flags=re.I)
            if m:
                return cls.quarter(int(m[1]), int(m[2]))
            raise ValueError("Enter the quarter as the year and quarter, for example 2026-Q1 "
                             "for January to March 2026")
        if type_ == PeriodType.YEAR:
            m = re.fullmatch(r"(\d{4})-(\d{2})", text)
            if m and (int(m[1]) + 1) % 100 == int(m[2]):
                return cls.financial_year(int(m[1]))
            raise ValueError("Enter the financial year as its two years, for example 2025-26 "
                             "for April 2025 to March 2026")
        raise ValueError("A programme's report covers the programme's own dates: choose the "
                         "programme instead of a period")

    @classmethod
    def latest(cls, type_: PeriodType, today: dt.date) -> Period:
        """The last whole period before today (the one a report is due for)."""
        last_month = add_months(today.replace(day=1), -1)
        if type_ == PeriodType.MONTH:
            return cls.month(last_month)
        if type_ == PeriodType.YEAR_TO_DATE:
            return cls.year_to_date(last_month)
        if type_ == PeriodType.QUARTER:
            q = (today.month - 1) // 3  # the quarter before this one
            return cls.quarter(today.year, q) if q else cls.quarter(today.year - 1, 4)
        if type_ == PeriodType.YEAR:
            start = _financial_year_start(today)
            return cls.financial_year(start.year - 1)
        raise ValueError("A programme's report has no latest period")

    def previous(self) -> Period:
        if self.type == PeriodType.MONTH:
            return Period.month(add_months(self.start, -1))
        if self.type == PeriodType.QUARTER:
            start = add_months(self.start, -3)
            return Period.quarter(start.year, (start.month - 1) // 3 + 1)
        if self.type == PeriodType.YEAR_TO_DATE:
            return Period.year_to_date(add_months(self.end.replace(day=1), -1))
        if self.type == PeriodType.YEAR:
            return Period.financial_year(self.start.year - 1)
        raise ValueError("A programme's report has no previous period")

    def next(self) -> Period:
        if self.type == PeriodType.MONTH:
            return Period.month(add_months(self.start, 1))
        if self.type == PeriodType.QUARTER:
            start = add_months(self.start, 3)
            return Period.quarter(start.year, (start.month - 1) // 3 + 1)
        if self.type == PeriodType.YEAR_TO_DATE:
            return Period.year_to_date(add_months(self.end.replace(day=1), 1))
        if self.type == PeriodType.YEAR:
            return Period.financial_year(self.start.year + 1)
        raise ValueError("A programme's report has no next period")

    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


def _month_end(first: dt.date) -> dt.date:
    return add_months(first.replace(day=1), 1) - dt.timedelta(days=1)


def _financial_year_start(day: dt.date) -> dt.date:
    year = day.year if day.month >= FINANCIAL_YEAR_STARTS else day.year - 1
    return dt.date(year, FINANCIAL_YEAR_STARTS, 1)


@dataclass(frozen=True)
class Excerpt:
    """A short quote from an auditor's written evidence that the QA manager chose for the
    report, with where it comes from (never whose case it is)."""

    text: str
    section: str  # the tool section's title
    theme: str  # the cycle's theme, or ""
    strength: bool  # a strength (True) or an area for development (False)
    audit_id: int


@dataclass
class Context:
    """What a report is built for: its period and area, the quotes chosen for it, the
    programme for a programme's report, and somewhere to say how far it has got."""

    scope: Scope
    period: Period
    excerpts: Sequence[Excerpt] = ()
    progress: Callable[[int, int], None] = field(default=lambda done, total: None)


@dataclass(frozen=True)
class Kind:
    key: str
    name: str  # "Quarterly audit report"
    period: PeriodType
    description: str  # one sentence: what it is for and which framework names it
    build: Callable[[Context], Document]
    # What else the report needs besides a period: a team, a service or a programme.
    needs: str = ""


_KINDS: dict[str, Kind] = {}


def report_kind(key: str, *, name: str, period: PeriodType, description: str,
                needs: str = "") -> Callable[[Callable[[Context], Document]],
                                             Callable[[Context], Document]]:
    def register(build: Callable[[Context], Document]) -> Callable[[Context], Document]:
        if key in _KINDS and _KINDS[key].build is not build:
            raise ValueError(f"Two report kinds are called {key!r}")
        _KINDS[key] = Kind(key=key, name=name, period=period, description=description,
                           build=build, needs=needs)
        return build
    return register


def _load() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def kinds() -> dict[str, Kind]:
    """Every report kind, by key, in the order the QA manager meets them."""
    if not _KINDS:
        _load()
    return dict(sorted(_KINDS.items(), key=lambda kv: ORDER.index(kv[0])
                       if kv[0] in ORDER else len(ORDER)))


def kind(key: str) -> Kind:
    found = kinds().get(key)
    if found is None:
        raise KeyError(f"There is no report called {key!r}: choose one of "
                       f"{', '.join(kinds())}")
    return found


ORDER = ("monthly", "quarterly", "year_to_date", "annual", "qa_tab", "journey", "programme",
         "team", "service", "newsletter", "safeguarding_unit")


def build(key: str, context: Context) -> Document:
    return kind(key).build(context)


__all__: Sequence[str] = ("Context", "Excerpt", "Kind", "Period", "PeriodType", "build",
                          "kind", "kinds", "report_kind")
