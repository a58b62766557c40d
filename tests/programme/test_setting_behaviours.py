"""Framework settings the programme reads, each changed and seen to change what happens:
cycles a year, when the QA meeting is held, the allocation deadline, the services whose
cases may be chosen, spreading the sample across localities and the initial review after
the TAF meeting."""

import datetime as dt

import pytest

from auditloop.common.errors import DomainError
from auditloop.programme import drift, services
from auditloop.programme.services.selection import (
    SelectionAsk,
    proposal_initial,
    rules_for,
    thresholds,
)
from auditloop.standards.selectors import framework_settings_row
from tests.programme.conftest import set_framework

pytestmark = pytest.mark.django_db
D = dt.date


def test_cycles_per_year_sets_the_cycles_and_their_span(framework):
    set_framework(cycles_per_year=4)
    second = services.cycle_create(year=2026, number=2, actor=None)
    assert (second.period_start, second.period_end) == (D(2026, 4, 1), D(2026, 6, 30))
    with pytest.raises(DomainError, match="from 1 to 4"):
        services.cycle_create(year=2026, number=5, actor=None)
    set_framework(cycles_per_year=12)
    assert services.cycle_create(year=2026, number=5, actor=None).period_end == D(2026, 5, 31)


def test_qa_meeting_timing_moves_the_meeting_into_the_next_cycles_first_week(framework):
    set_framework(qa_meeting_timing="end_of_cycle")
    assert services.cycle_create(year=2026, number=6, actor=None).meeting_on == D(2026, 6, 30)
    set_framework(qa_meeting_timing="start_of_next")
    assert services.cycle_create(year=2026, number=7, actor=None).meeting_on == D(2026, 8, 3)


def test_allocation_notice_days_set_when_allocations_are_due(framework):
    set_framework(allocation_notice_days_before_meeting=14)
    assert services.cycle_create(year=2026, number=6, actor=None).allocations_due_on \
        == D(2026, 6, 1)
    set_framework(allocation_notice_days_before_meeting=40)
    # 40 days before the meeting of 31 July 2026.
    assert services.cycle_create(year=2026, number=7, actor=None).allocations_due_on \
        == D(2026, 6, 21)


def test_eligible_services_narrow_the_draw(framework):
    ask = SelectionAsk(random_count=4)
    set_framework(eligible_services=[])
    assert rules_for(framework_settings_row(), ask, D(2026, 6, 1), set()).services == set()
    set_framework(eligible_services=["early_help"])
    assert rules_for(framework_settings_row(), ask, D(2026, 6, 1), set()).services \
        == {"early_help"}


def test_spreading_across_localities_starts_the_draw_stratified(framework):
    set_framework(sample_spread_across_localities=True)
    assert proposal_initial(framework_settings_row())["stratify_by"] == ["locality"]
    set_framework(sample_spread_across_localities=False)
    assert proposal_initial(framework_settings_row())["stratify_by"] == []


def test_the_initial_review_after_the_taf_meeting_is_drift_by_the_setting(framework):
    plan = drift.PlanFacts(plan_started_on=D(2026, 3, 1), first_taf_on=D(2026, 3, 2),
                           first_review_after_taf_on=D(2026, 4, 10))
    set_framework(initial_review_weeks_after_taf=6)
    assert drift.drift(plan, thresholds(framework_settings_row()), D(2026, 6, 1)) \
        .audit_reasons == ()
    set_framework(initial_review_weeks_after_taf=4)
    [reason] = drift.drift(plan, thresholds(framework_settings_row()), D(2026, 6, 1)) \
        .audit_reasons
    assert "4 weeks after the TAF meeting" in reason


def test_audit_notice_days_set_when_those_holding_the_cases_are_told(framework):
    set_framework(audit_notice_days=7)
    assert services.cycle_create(year=2026, number=6, actor=None).notices_due_on \
        == D(2026, 5, 25)
    set_framework(audit_notice_days=14)
    assert services.cycle_create(year=2026, number=7, actor=None).notices_due_on \
        == D(2026, 6, 17)
    set_framework(audit_notice_days=None)
    assert services.cycle_create(year=2026, number=8, actor=None).notices_due_on is None


def test_the_allocation_unit_sets_how_many_auditors_each_case_needs(framework, council,
                                                                     auditors):
    from auditloop.programme.services.allocation import build_problem
    from tests.programme.test_allocation import confirmed_cycle

    auditors(2)
    cycle = confirmed_cycle(council["cases"][:2])
    set_framework(allocation_unit="pairs")
    assert {s.auditors_needed for s in build_problem(cycle, seed=1).problem.slots} == {2}
    set_framework(allocation_unit="singles")
    assert {s.auditors_needed for s in build_problem(cycle, seed=1).problem.slots} == {1}


def test_minutes_for_each_case_are_given_to_the_agenda(framework, council, auditors,
                                                       fake_solver):
    from auditloop.programme.models import Cycle, CycleCase
    from tests.programme.conftest import submit

    set_framework(allocation_unit="singles", qa_meeting_minutes_per_case=15)
    auditors(1)
    cycle = services.cycle_create(year=2026, kind=Cycle.Kind.EXTERNAL, name="External audit",
                                  period_start=D(2026, 9, 1), period_end=D(2026, 10, 30),
                                  actor=None)
    for case in council["cases"][:2]:
        CycleCase.objects.create(cycle=cycle, case=case, reason="x",
                                 source=CycleCase.Source.RANDOM,
                                 status=CycleCase.Status.CONFIRMED)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CASES_CONFIRMED)
    first, second = services.allocation_confirm(
        run=services.allocation_propose(cycle=cycle, actor=None), actor=None)
    submit(first)
    cycle.refresh_from_db()
    (item,) = services.agenda_build(cycle=cycle, actor=None)
    assert item.minutes_allotted == 15
    set_framework(qa_meeting_minutes_per_case=None)
    submit(second)
    (later,) = services.agenda_build(cycle=cycle, actor=None)
    assert later.minutes_allotted is None


def test_a_monthly_learning_session_is_held_only_where_the_framework_holds_one():
    from auditloop.programme.models import LearningSession
    from tests.programme.loop_factories import loop_framework, session, themed_cycle

    loop_framework(monthly_learning_session=True)
    cycle = themed_cycle(theme="Neglect", year=2026, number=2)
    assert session(kind=LearningSession.Kind.REFLECTIVE, held_on=D(2026, 3, 10),
                   cycles=[cycle]).pk
    loop_framework(monthly_learning_session=False)
    with pytest.raises(DomainError, match="does not hold"):
        session(kind=LearningSession.Kind.REFLECTIVE, held_on=D(2026, 3, 17), cycles=[cycle])


def test_the_drift_thresholds_are_the_frameworks(framework):
    plan = drift.PlanFacts(plan_started_on=D(2025, 12, 1), last_meeting_on=D(2026, 4, 6))
    on = D(2026, 5, 25)  # 7 weeks since the last meeting
    set_framework(taf_interval_weeks_max=6, taf_interval_weeks_acceptable=None)
    assert drift.drift(plan, thresholds(framework_settings_row()), on).audit_reasons
    set_framework(taf_interval_weeks_max=8)
    assert drift.drift(plan, thresholds(framework_settings_row()), on).audit_reasons == ()
    set_framework(plan_open_audit_months=5)
    [reason] = drift.drift(plan, thresholds(framework_settings_row()), on).audit_reasons
    assert "open for 5 months (more than 5)" in reason or "more than 5" in reason
    set_framework(plan_open_audit_months=9)
    assert drift.drift(plan, thresholds(framework_settings_row()), on).audit_reasons == ()


def test_cycle_ends_in_qa_meeting_decides_whether_a_cycle_has_a_meeting(framework):
    set_framework(cycle_ends_in_qa_meeting=True)
    assert services.cycle_create(year=2026, number=6, actor=None).meeting_on == D(2026, 6, 30)
    set_framework(cycle_ends_in_qa_meeting=False)
    assert services.cycle_create(year=2026, number=7, actor=None).meeting_on is None


def test_theme_plan_gives_each_cycle_its_planned_theme(framework):
    from auditloop.programme.models import Cycle

    set_framework(theme_plan=[{"cycle": 6, "theme": "Neglect", "note": ""}])
    june = services.cycle_create(year=2026, number=6, actor=None)
    assert (june.theme, june.theme_source) == ("Neglect", Cycle.ThemeSource.PLAN)
    set_framework(theme_plan=[{"cycle": 7, "theme": "Young carers", "note": ""}])
    assert services.cycle_create(year=2026, number=7, actor=None).theme == "Young carers"
    set_framework(theme_plan=[])
    assert services.cycle_create(year=2026, number=8, actor=None).theme_source \
        != Cycle.ThemeSource.PLAN


def test_next_theme_from_qa_meeting_ticks_the_meetings_sets_next_theme_box(
        framework, council, auditors, fake_solver, role_client):
    """The setting is the meeting form's starting answer to "the prevalent issue sets the
    next cycle's theme"; the meeting's saved answer then decides the next theme."""
    import re

    from django.urls import reverse

    from auditloop.programme.models import Cycle
    from tests.programme.test_allocation import confirmed_cycle

    set_framework(allocation_unit="singles")
    auditors(1)
    cycle = confirmed_cycle(council["cases"][:1])
    services.allocation_confirm(run=services.allocation_propose(cycle=cycle, actor=None),
                                actor=None)
    Cycle.objects.filter(pk=cycle.pk).update(prevalent_issue_sets_next_theme=False)
    client, _ = role_client("qa_manager")
    box = re.compile(r'<input[^>]*name="sets_next_theme"[^>]*>')
    ticked = []
    for value in (False, True):
        set_framework(next_theme_from_qa_meeting=value)
        page = client.get(reverse("programme:meeting", args=[cycle.pk])).content.decode()
        ticked.append("checked" in box.search(page).group(0))
    assert ticked == [False, True]


def test_auditors_must_be_trained_decides_whether_untrained_auditors_may_audit(framework,
                                                                               council,
                                                                               auditors):
    from auditloop.programme.services.allocation import build_problem
    from tests.programme.test_allocation import confirmed_cycle

    auditors(2)
    cycle = confirmed_cycle(council["cases"][:1])
    set_framework(auditors_must_be_trained=True)
    assert not build_problem(cycle, seed=1).problem.untrained_allowed
    set_framework(auditors_must_be_trained=False)
    assert build_problem(cycle, seed=1).problem.untrained_allowed


def test_auditors_may_decline_and_ask_for_another_case_decide_whether_one_may_decline(
        framework, council, auditors, fake_solver):
    from tests.programme.test_allocation import allocated

    cycle, audit, (a, b, *_) = allocated(council, auditors, fake_solver)
    set_framework(auditors_may_decline=False, auditor_may_ask_for_another_case=False)
    with pytest.raises(DomainError, match="does not let auditors decline"):
        services.allocation_decline(assignment=audit.assignments.get(person=a), actor=a,
                                    reason="x")
    set_framework(auditor_may_ask_for_another_case=True)
    assert services.allocation_decline(assignment=audit.assignments.get(person=a), actor=a,
                                       reason="I supervised the key worker")
    set_framework(auditors_may_decline=True, auditor_may_ask_for_another_case=False)
    assert services.allocation_decline(assignment=audit.assignments.get(person=b), actor=b,
                                       reason="I know the family")


def test_partner_completes_alone_if_absent_decides_between_alone_and_a_replacement(
        framework, council, auditors, fake_solver):
    from tests.programme.test_allocation import allocated

    cycle, audit, (a, b, c, d) = allocated(council, auditors, fake_solver)
    set_framework(partner_completes_alone_if_absent=False)
    assert services.assignment_absent(assignment=audit.assignments.get(person=a), actor=None,
                                      reason="Sick") == [c]
    set_framework(partner_completes_alone_if_absent=True)
    assert services.assignment_absent(assignment=audit.assignments.get(person=b), actor=None,
                                      reason="On leave") == []
    audit.refresh_from_db()
    assert "completes the audit alone" in audit.completed_alone_reason
