"""Cases open longer than the drift thresholds, from the register's dated events, checked
against cases worked by hand for October 2026 (its last day 31 October) with the thresholds
of 000 and 003: 8 weeks between TAF meetings or reviews, the initial review 6 weeks after
the first TAF meeting, a plan audited after 9 months and its coordinator contacted after 12.
"""

import datetime as dt

import pytest

from auditloop.cases.models import CaseEvent
from auditloop.indicators import registry
from auditloop.indicators.registry import COUNCIL, Scope
from auditloop.standards.selectors import framework_settings_row
from tests.factories import CaseEventFactory, CaseFactory, LocalityFactory, TeamFactory

pytestmark = pytest.mark.django_db
d = dt.date
E = CaseEvent.Kind
OCTOBER = (d(2026, 10, 1), d(2026, 10, 31))


def case(ref: str, plan_started_on: dt.date | None, *events: tuple[str, dt.date],
         closed_on: dt.date | None = None, team=None):  # type: ignore[no-untyped-def]
    extra = {"team": team} if team is not None else {}
    c = CaseFactory(reference=ref, opened_on=d(2025, 1, 6), plan_started_on=plan_started_on,
                    closed_on=closed_on, **extra)
    for kind, on in events:
        CaseEventFactory(case=c, kind=kind, occurred_on=on)
    return c


@pytest.fixture
def thresholds() -> None:
    row = framework_settings_row()
    row.taf_interval_weeks_acceptable = 8
    row.initial_review_weeks_after_taf = 6
    row.plan_open_audit_months = 9
    row.plan_open_contact_coordinator_months = 12
    row.save()


@pytest.fixture
def cases(thresholds) -> dict[str, int]:  # type: ignore[no-untyped-def]
    north = TeamFactory(locality=LocalityFactory(name="North"))
    made = [
        # D1: review on time (10 September, due 16 September), last meeting 20 October.
        case("D1", d(2026, 8, 1), (E.TAF_MEETING, d(2026, 8, 5)), (E.REVIEW, d(2026, 9, 10)),
             (E.TAF_MEETING, d(2026, 10, 20)), team=north),
        # D2: the last meeting was the review of 10 August: 82 days (11 weeks) by the 31st.
        case("D2", d(2026, 7, 1), (E.TAF_MEETING, d(2026, 7, 3)), (E.REVIEW, d(2026, 8, 10)),
             team=north),
        # D3: the initial review was due on 14 September and not held.
        case("D3", d(2026, 8, 1), (E.TAF_MEETING, d(2026, 8, 3)),
             (E.TAF_MEETING, d(2026, 10, 1))),
        # D4: a plan open 14 months: its coordinator is contacted.
        case("D4", d(2025, 9, 1), (E.TAF_MEETING, d(2025, 9, 2)), (E.REVIEW, d(2025, 10, 1)),
             (E.TAF_MEETING, d(2026, 10, 15))),
        # D5: open since 15 January: 9 months passed on 15 October.
        case("D5", d(2026, 1, 15), (E.TAF_MEETING, d(2026, 1, 20)),
             (E.REVIEW, d(2026, 2, 20)), (E.TAF_MEETING, d(2026, 10, 15))),
        # D6: no plan: not counted.
        case("D6", None, (E.TAF_MEETING, d(2026, 10, 1))),
        # D7: would drift, but the case closed on 20 October: not open on the 31st.
        case("D7", d(2026, 1, 1), closed_on=d(2026, 10, 20)),
        # D8: open since 10 January (9 months on 10 October); the plan ended on 10
        # November, which October does not yet know.
        case("D8", d(2026, 1, 10), (E.TAF_MEETING, d(2026, 1, 12)),
             (E.REVIEW, d(2026, 2, 10)), (E.TAF_MEETING, d(2026, 10, 20)),
             (E.PLAN_ENDED, d(2026, 11, 10))),
        # D9: started on 5 October; the initial review is not due until 17 November.
        case("D9", d(2026, 10, 5), (E.TAF_MEETING, d(2026, 10, 6))),
    ]
    return {c.reference: c.pk for c in made}


def test_cases_beyond_the_drift_thresholds(cases):  # type: ignore[no-untyped-def]
    m = registry.definition("cases_beyond_drift_thresholds").function(*OCTOBER, COUNCIL)
    # Open with a plan on 31 October: D1 to D5, D8, D9 (7); beyond: D2, D3, D4, D5, D8.
    assert (m.numerator, m.denominator) == (5, 7)
    assert list(m.cases) == sorted(cases[r] for r in ("D2", "D3", "D4", "D5", "D8"))
    # In December the plan of D8 has ended: no longer counted as drifting.
    december = registry.definition("cases_beyond_drift_thresholds").function(
        d(2026, 12, 1), d(2026, 12, 31), COUNCIL)
    assert cases["D8"] not in december.cases


def test_by_locality(cases):  # type: ignore[no-untyped-def]
    from auditloop.people.models import Locality

    north = Locality.objects.get(name="North")
    m = registry.definition("cases_beyond_drift_thresholds").function(
        *OCTOBER, Scope(locality_id=north.pk))
    assert (m.numerator, m.denominator, list(m.cases)) == (1, 2, [cases["D2"]])


def test_nothing_is_counted_while_the_framework_sets_no_drift_threshold():
    case("D1", d(2025, 1, 1))
    row = framework_settings_row()
    for name in ("taf_interval_weeks_max", "taf_interval_weeks_acceptable",
                 "initial_review_weeks_after_taf", "plan_open_audit_months",
                 "plan_open_contact_coordinator_months"):
        setattr(row, name, None)
    row.save()
    assert registry.definition("cases_beyond_drift_thresholds").function(
        *OCTOBER, COUNCIL) is None


def test_taf_meetings_or_reviews_overdue(cases):  # type: ignore[no-untyped-def]
    m = registry.definition("taf_reviews_overdue").function(*OCTOBER, COUNCIL)
    # Plans open on 31 October: D1 to D5, D8, D9 (7). D2: no meeting or review for 11
    # weeks; D3: the initial review was not held. D4, D5 and D8 are open too long, but
    # their meetings and reviews are on time: not counted here.
    assert (m.numerator, m.denominator) == (2, 7)
    assert list(m.cases) == sorted(cases[r] for r in ("D2", "D3"))


def test_plans_open_longer_than_the_framework_allows(cases):  # type: ignore[no-untyped-def]
    m = registry.definition("plans_open_too_long").function(*OCTOBER, COUNCIL)
    # D4 (13 months: its coordinator is contacted), D5 and D8 (more than 9 months).
    assert (m.numerator, m.denominator) == (3, 7)
    assert list(m.cases) == sorted(cases[r] for r in ("D4", "D5", "D8"))
    # In December D8's plan has ended: not an open plan, so neither counted nor in the
    # denominator.
    december = registry.definition("plans_open_too_long").function(
        d(2026, 12, 1), d(2026, 12, 31), COUNCIL)
    assert cases["D8"] not in december.cases
    assert december.denominator == 6


def test_each_part_of_the_drift_rules_counts_only_with_its_own_setting(cases):  # type: ignore[no-untyped-def]
    row = framework_settings_row()
    row.taf_interval_weeks_max = row.taf_interval_weeks_acceptable = None
    row.initial_review_weeks_after_taf = None
    row.save()
    assert registry.definition("taf_reviews_overdue").function(*OCTOBER, COUNCIL) is None
    assert registry.definition("plans_open_too_long").function(
        *OCTOBER, COUNCIL).numerator == 3
    row.plan_open_audit_months = row.plan_open_contact_coordinator_months = None
    row.taf_interval_weeks_acceptable = 8
    row.save()
    assert registry.definition("plans_open_too_long").function(*OCTOBER, COUNCIL) is None
    # Only the gap between meetings: D3's late initial review is no longer counted.
    assert list(registry.definition("taf_reviews_overdue").function(
        *OCTOBER, COUNCIL).cases) == [cases["D2"]]


def test_one_compute_fetches_the_plan_facts_once_for_the_drift_indicators(
        cases, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    keys = ["cases_beyond_drift_thresholds", "taf_reviews_overdue", "plans_open_too_long"]
    registry.compute("2026-10", keys=keys)  # the indicators' rows made
    with django_assert_max_num_queries(30) as once:
        registry.compute("2026-10", keys=keys)
    alone = len(once.captured_queries)
    with django_assert_max_num_queries(30) as first:
        registry.compute("2026-10", keys=keys[:1])
    # The two more indicators read the facts the first fetched: a few queries for the
    # framework's settings and their stored values, not the four of the plan facts again.
    assert alone - len(first.captured_queries) <= 6
