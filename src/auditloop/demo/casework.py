"""How the demo council's cases run: durations, ages, themes and the dated events per service.

Figures marked "(demo)" are plausible shapes for a demonstration, not framework rules; those
that mirror a rule of the seeds name the seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from auditloop.cases.models import CaseEvent
from auditloop.people.models import Service

K = Service.Kind
E = CaseEvent.Kind
Date = dt.date
day = dt.timedelta(days=1)


@dataclass(slots=True)
class CaseSpec:
    """One case of the plan, before it is written."""

    reference: str
    kind: str
    team: int
    locality: int
    opened_on: Date
    closed_on: Date | None
    child: str
    family: str
    date_of_birth: Date
    gender: str
    ethnicity: str
    disability: str
    agency_type: str = ""
    step: str = ""
    plan_started_on: Date | None = None
    # (staff index, Involvement.Role, from, to or None while open)
    involvements: list[tuple[int, str, Date, Date | None]] = field(default_factory=list)
    events: dict[tuple[str, Date], str] = field(default_factory=dict)  # (kind, on) -> detail
    themes: list[int] = field(default_factory=list)


KEY_WORKER_CHANGES_PER_YEAR: dict[str, float] = {  # (demo)
    K.EARLY_HELP: 0.4, K.FRONT_DOOR: 0.0, K.CIN: 0.8, K.CP: 0.7, K.CLA: 0.5,
    K.CARE_LEAVER: 0.4, K.YJS: 0.3,
}
# (demo) the share of each service among cases closed in the last 18 months
CLOSED_SHARE: dict[str, float] = {
    K.EARLY_HELP: 0.34, K.FRONT_DOOR: 0.25, K.CIN: 0.15, K.CP: 0.07, K.CLA: 0.05,
    K.CARE_LEAVER: 0.05, K.YJS: 0.09,
}
CLOSED_DURATION: dict[str, tuple[int, int]] = {  # (demo) days, shortest and longest
    K.EARLY_HELP: (45, 420), K.FRONT_DOOR: (3, 56), K.CIN: (60, 365), K.CP: (90, 540),
    K.CLA: (60, 900), K.CARE_LEAVER: (180, 1100), K.YJS: (60, 365),
}
# (demo) the share of open cases whose reviews (TAF meetings for early help) have stopped
DRIFT_CHANCE: dict[str, float] = {K.EARLY_HELP: 0.12, K.CIN: 0.05}
AGE_AT_END: dict[str, tuple[int, int]] = {  # (demo) age in years when the case ends, or now
    K.EARLY_HELP: (0, 17), K.FRONT_DOOR: (0, 17), K.CIN: (0, 17), K.CP: (0, 16),
    K.CLA: (1, 17), K.CARE_LEAVER: (18, 23), K.YJS: (10, 17),
    "health visitor": (0, 4), "school": (5, 15),
}
ETHNICITIES = ("White British", "White other", "Mixed", "Asian or Asian British",
               "Black or Black British", "Other ethnic group", "Not recorded")
ETHNICITY_WEIGHTS = (0.76, 0.05, 0.06, 0.06, 0.03, 0.01, 0.03)
THEMES = ("Neglect", "Domestic abuse", "Young carers", "Mental health", "Exploitation",
          "Missing")
THEME_CHANCE: dict[str, dict[str, float]] = {  # (demo)
    "Neglect": {K.EARLY_HELP: 0.25, K.FRONT_DOOR: 0.2, K.CIN: 0.35, K.CP: 0.5, K.CLA: 0.4},
    "Domestic abuse": {K.EARLY_HELP: 0.3, K.FRONT_DOOR: 0.3, K.CIN: 0.35, K.CP: 0.45,
                       K.CLA: 0.2, K.YJS: 0.1},
    "Young carers": {K.EARLY_HELP: 0.12, K.CIN: 0.08},
    "Mental health": {K.EARLY_HELP: 0.25, K.CIN: 0.3, K.CP: 0.3, K.CLA: 0.3,
                      K.CARE_LEAVER: 0.35, K.YJS: 0.3},
    "Exploitation": {K.CIN: 0.1, K.CP: 0.12, K.CLA: 0.15, K.CARE_LEAVER: 0.12, K.YJS: 0.4},
    "Missing": {K.CP: 0.05, K.CLA: 0.2, K.CARE_LEAVER: 0.08, K.YJS: 0.2},
}
CLOSURE_REASONS: dict[str, tuple[str, ...]] = {
    K.EARLY_HELP: ("Needs met", "Needs met", "Family no longer wished to engage",
                   "Moved out of the area"),
    K.FRONT_DOOR: ("No further action", "Transferred to Early Help",
                   "Transferred to Child in Need", "Signposted to universal services"),
    K.CIN: ("Needs met", "Stepped down to universal services", "Moved out of the area"),
    K.CP: ("Plan ended, continued as child in need", "Plan ended, needs met"),
    K.CLA: ("Returned home", "Special guardianship order", "Adopted", "Turned 18"),
    K.CARE_LEAVER: ("Turned 21", "Turned 25", "Declined further support"),
    K.YJS: ("Order completed", "Out of court disposal completed"),
}


def open_age(rng: random.Random, kind: str) -> int:
    """How long an open case has been open, in days. The tails give plans open longer than 9
    and 12 months, which 000's drift triggers look for."""
    r = rng.random()
    if kind == K.FRONT_DOOR:
        return rng.randint(1, 42)
    if kind == K.CLA:
        if r < 0.3:
            return rng.randint(30, 365)
        return rng.randint(366, 1460) if r < 0.7 else rng.randint(1461, 4000)
    if kind == K.CARE_LEAVER:
        return rng.randint(30, 1400)
    if kind == K.YJS:
        return rng.randint(14, 365)
    if kind == K.CP:
        if r < 0.6:
            return rng.randint(14, 270)
        return rng.randint(271, 365) if r < 0.85 else rng.randint(366, 700)
    if r < 0.68:
        return rng.randint(7, 270)
    return rng.randint(271, 365) if r < 0.88 else rng.randint(366, 600)


def closed_duration(rng: random.Random, kind: str) -> int:
    """How long a case that has closed was open, in days."""
    return rng.randint(*CLOSED_DURATION[kind])


def date_of_birth(rng: random.Random, kind: str, agency_type: str, opened_on: Date,
                  end: Date) -> Date:
    youngest, oldest = AGE_AT_END.get(agency_type) or AGE_AT_END[kind]
    low = max(youngest * 365, (end - opened_on).days + 1)
    high = max(low, oldest * 365 + 364)
    return end - dt.timedelta(days=rng.randint(low, high))


def themes_for(rng: random.Random, kind: str) -> list[int]:
    return [i for i, theme in enumerate(THEMES) if rng.random() < THEME_CHANCE[theme].get(kind, 0)]


def _every(rng: random.Random, first: Date, until: Date, lo: int, hi: int,
           window_start: Date) -> Iterator[Date]:
    """Dates from `first`, every lo-hi days, up to `until`; only those inside the window."""
    when = first
    while when <= until:
        if when >= window_start:
            yield when
        when += dt.timedelta(days=rng.randint(lo, hi))


def add_events(rng: random.Random, spec: CaseSpec, *, reference_date: Date, window_start: Date,
               drifting: bool) -> None:
    """The dated events a case management system would hold for the case, by service.

    Recurring events are kept for the register's window only. Drifting cases stop holding
    their reviews (TAF meetings for early help) some weeks before the reference date.
    """
    end = spec.closed_on or reference_date
    opened, ev, ws = spec.opened_on, spec.events, window_start

    def days(lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=rng.randint(lo, hi))

    def add(what: str, on: Date, detail: str = "") -> bool:
        if on > end:
            return False
        ev.setdefault((what, on), detail)
        return True

    def plan(on: Date) -> bool:
        if add(E.PLAN_STARTED, on):
            spec.plan_started_on = on
            return True
        return False

    def recurring(what: str, first: Date, until: Date, lo: int, hi: int,
                  detail: str = "") -> None:
        for on in _every(rng, first, until, lo, hi, ws):
            add(what, on, detail)

    builders: dict[str, Callable[[], None]] = {}

    def early_help() -> None:
        add(E.REFERRAL, opened, "Request for early help")
        started = opened + days(0, 5)
        done = started + days(20, 45)
        plan_on = done + days(0, 10)
        if add(E.ASSESSMENT_STARTED, started) and add(E.ASSESSMENT_COMPLETED, done) \
                and plan(plan_on):
            # 003: TAF meetings every 4-6 weeks, 8 acceptable; drifting cases stop meeting.
            until = end if not drifting else min(end, reference_date - days(63, 200))
            recurring(E.TAF_MEETING, plan_on, until, 28, 49)
            recurring(E.ASSESSMENT_UPDATED, done + 180 * day, end, 170, 200)

    def front_door() -> None:
        add(E.CONTACT, opened, "Contact to the front door")
        add(E.REFERRAL, opened + days(0, 2))
        if rng.random() < 0.6 and add(E.ASSESSMENT_STARTED, opened + days(1, 3)):
            add(E.ASSESSMENT_COMPLETED, opened + days(10, 40))
        if rng.random() < 0.1:
            add(E.SECTION_47, opened + days(1, 7))

    def child_in_need() -> None:
        add(E.REFERRAL, opened)
        add(E.ASSESSMENT_STARTED, opened)
        done = opened + days(20, 45)
        plan_on = done + days(0, 10)
        if add(E.ASSESSMENT_COMPLETED, done) and plan(plan_on):
            until = end if not drifting else min(end, reference_date - days(130, 250))
            recurring(E.REVIEW, plan_on + days(80, 100), until, 84, 112, "Child in need review")
            recurring(E.STATUTORY_VISIT, plan_on, end, 21, 42)

    def child_protection() -> None:
        add(E.SECTION_47, opened)
        conference = opened + days(10, 21)
        if add(E.ICPC, conference) and plan(conference):
            recurring(E.CORE_GROUP, conference + days(7, 10), end, 28, 42)
            recurring(E.REVIEW, conference + 90 * day, end, 182, 182,
                      "Review child protection conference")
            recurring(E.STATUTORY_VISIT, conference, end, 10, 20)

    def children_in_care() -> None:
        add(E.PLACEMENT, opened, "First placement")
        plan(opened)
        review, n = opened + 20 * day, 0
        while review <= end:
            if review >= ws:
                add(E.REVIEW, review, "Looked after review")
                add(E.IRO_CONTACT, review - days(5, 14))
            review += (90 if n == 0 else 182) * day
            n += 1
        recurring(E.STATUTORY_VISIT, opened + days(3, 7), end, 35, 49)
        moves = rng.choices((0, 1, 2, 3), (0.65, 0.2, 0.1, 0.05))[0]
        first = max(opened, ws) + 14 * day
        if (end - first).days > 30:
            for _ in range(moves):
                add(E.PLACEMENT, first + days(0, (end - first).days), "Placement move")

    def care_leaver() -> None:
        plan(opened)
        recurring(E.REVIEW, opened + 182 * day, end, 182, 182, "Pathway plan review")
        recurring(E.STATUTORY_VISIT, opened + days(7, 28), end, 42, 56, "Keeping in touch")

    def youth_justice() -> None:
        add(E.REFERRAL, opened)
        started = opened + days(0, 5)
        done = started + days(10, 20)
        if add(E.ASSESSMENT_STARTED, started) and add(E.ASSESSMENT_COMPLETED, done) \
                and plan(done):
            recurring(E.REVIEW, done + 90 * day, end, 84, 98)
            recurring(E.CONTACT, done + days(3, 10), end, 14, 28, "Supervision session")

    builders.update({
        K.EARLY_HELP: early_help, K.FRONT_DOOR: front_door, K.CIN: child_in_need,
        K.CP: child_protection, K.CLA: children_in_care, K.CARE_LEAVER: care_leaver,
        K.YJS: youth_justice,
    })
    builders[spec.kind]()
    if spec.closed_on is not None:
        if spec.plan_started_on is not None:
            add(E.PLAN_ENDED, spec.closed_on)
        add(E.CLOSURE, spec.closed_on, rng.choice(CLOSURE_REASONS[spec.kind]))
