"""Drift triggers from the register's dated events, by the framework's thresholds: plain
data, so the rules can be tested on their own.

- 003: TAF meetings every 4-6 weeks, 8 being acceptable: a longer gap is drift.
- 000: the initial review six weeks after the TAF meeting; a plan open longer than nine
  months is audited; longer than twelve months, its coordinator is contacted instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auditloop.common.dates import add_months


@dataclass(frozen=True)
class Thresholds:
    taf_gap_weeks: int | None = None
    initial_review_weeks: int | None = None
    plan_open_audit_months: int | None = None
    plan_open_contact_months: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.taf_gap_weeks, self.initial_review_weeks,
                                           self.plan_open_audit_months,
                                           self.plan_open_contact_months))


@dataclass(frozen=True)
class PlanFacts:
    plan_started_on: dt.date | None = None
    plan_ended_on: dt.date | None = None
    first_taf_on: dt.date | None = None
    last_meeting_on: dt.date | None = None  # the last TAF meeting or review
    first_review_after_taf_on: dt.date | None = None


@dataclass(frozen=True)
class Drift:
    audit_reasons: tuple[str, ...] = ()
    contact_months: int | None = None  # contact the coordinator instead of an audit


def months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if add_months(start, months) > end else months


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def drift(p: PlanFacts, t: Thresholds, on: dt.date) -> Drift:
    plan_open = p.plan_started_on is not None and (
        p.plan_ended_on is None or p.plan_ended_on < p.plan_started_on)
    if plan_open and p.plan_started_on and t.plan_open_contact_months is not None:
        months = months_between(p.plan_started_on, on)
        if months >= t.plan_open_contact_months and add_months(
                p.plan_started_on, t.plan_open_contact_months) < on:
            return Drift(contact_months=months)
    reasons: list[str] = []
    if plan_open and p.plan_started_on and t.taf_gap_weeks is not None:
        since = p.last_meeting_on or p.plan_started_on
        gap = (on - since).days // 7
        if on - since > dt.timedelta(weeks=t.taf_gap_weeks):
            if p.last_meeting_on:
                reasons.append(f"No TAF meeting or review for {gap} weeks (the last was on "
                               f"{_day(p.last_meeting_on)}; {t.taf_gap_weeks} weeks is the "
                               f"longest gap accepted)")
            else:
                reasons.append(f"No TAF meeting or review since the plan started on "
                               f"{_day(p.plan_started_on)}")
    if t.initial_review_weeks is not None and p.first_taf_on is not None:
        due = p.first_taf_on + dt.timedelta(weeks=t.initial_review_weeks)
        held = p.first_review_after_taf_on
        if due < on and (held is None or held > due) and plan_open:
            reasons.append(f"The review due {t.initial_review_weeks} weeks after the TAF meeting "
                           f"of {_day(p.first_taf_on)} was not held on time")
    if plan_open and p.plan_started_on and t.plan_open_audit_months is not None:
        months = months_between(p.plan_started_on, on)
        if add_months(p.plan_started_on, t.plan_open_audit_months) < on:
            reasons.append(f"The plan has been open for {months} months (more than "
                           f"{t.plan_open_audit_months})")
    return Drift(audit_reasons=tuple(reasons))
