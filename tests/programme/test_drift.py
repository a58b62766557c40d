"""Drift triggers by the framework's thresholds (000, 003)."""

import datetime as dt

from auditloop.programme.drift import PlanFacts, Thresholds, drift, months_between

D = dt.date
ON = D(2026, 6, 1)


def test_months_between_counts_whole_months():
    assert months_between(D(2025, 9, 1), ON) == 9
    assert months_between(D(2025, 9, 2), ON) == 8
    assert months_between(D(2026, 1, 31), D(2026, 2, 27)) == 0
    assert months_between(D(2026, 1, 31), D(2026, 2, 28)) == 1  # as add_months clips


def test_a_gap_longer_than_the_accepted_taf_interval_is_drift():
    t = Thresholds(taf_gap_weeks=8)
    recent = PlanFacts(plan_started_on=D(2026, 1, 1), last_meeting_on=D(2026, 4, 20))
    late = PlanFacts(plan_started_on=D(2026, 1, 1), last_meeting_on=D(2026, 3, 1))
    assert drift(recent, t, ON).audit_reasons == ()
    (reason,) = drift(late, t, ON).audit_reasons
    assert "No TAF meeting or review for 13 weeks" in reason and "8 weeks" in reason


def test_no_meeting_since_the_plan_started_is_drift():
    (reason,) = drift(PlanFacts(plan_started_on=D(2026, 2, 1)), Thresholds(taf_gap_weeks=8),
                      ON).audit_reasons
    assert "since the plan started on 1 February 2026" in reason


def test_a_closed_plan_does_not_drift():
    p = PlanFacts(plan_started_on=D(2025, 1, 1), plan_ended_on=D(2025, 6, 1))
    assert drift(p, Thresholds(taf_gap_weeks=8, plan_open_audit_months=9,
                               plan_open_contact_months=12), ON).audit_reasons == ()


def test_the_initial_review_not_held_on_time_is_drift():
    t = Thresholds(initial_review_weeks=6)
    p = PlanFacts(plan_started_on=D(2026, 3, 1), first_taf_on=D(2026, 3, 2))
    assert "was not held on time" in drift(p, t, ON).audit_reasons[0]
    held = PlanFacts(plan_started_on=D(2026, 3, 1), first_taf_on=D(2026, 3, 2),
                     first_review_after_taf_on=D(2026, 4, 10))
    assert drift(held, t, ON).audit_reasons == ()


def test_a_plan_open_nine_months_is_audited_and_twelve_means_contacting_the_coordinator():
    t = Thresholds(plan_open_audit_months=9, plan_open_contact_months=12)
    nine = drift(PlanFacts(plan_started_on=D(2025, 8, 20)), t, ON)
    assert "open for 9 months (more than 9)" in nine.audit_reasons[0]
    assert nine.contact_months is None
    twelve = drift(PlanFacts(plan_started_on=D(2025, 5, 1)), t, ON)
    assert twelve.contact_months == 13 and twelve.audit_reasons == ()
    young = drift(PlanFacts(plan_started_on=D(2025, 10, 1)), t, ON)
    assert young.audit_reasons == () and young.contact_months is None
