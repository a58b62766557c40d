"""Choosing a cycle's cases: the proposal and its reasons, exclusions, drift, requests and
nominations, the coordinator's contact task, swaps, and confirming the list."""

import datetime as dt

import pytest
from django.utils import timezone

from auditloop.audits.models import Audit
from auditloop.audits.services import audit_plan_re_audit
from auditloop.cases.models import Case, CaseEvent, Theme
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.models import Notification
from auditloop.programme import sampling, selectors, services
from auditloop.programme.models import CaseRequest, CoordinatorContact, Cycle, CycleCase
from auditloop.programme.services import SelectionAsk
from auditloop.programme.services.selection import sample_size_drawn
from tests.factories import CaseFactory, PersonFactory, make_audit
from tests.programme.conftest import set_framework

pytestmark = pytest.mark.django_db
D = dt.date
Src = CycleCase.Source


@pytest.fixture
def cycle(framework):
    return services.cycle_create(year=2026, number=6, actor=None)


def current(cycle):
    return list(CycleCase.objects.filter(cycle=cycle,
                                         status__in=CycleCase.workflow.groups["current"])
                .select_related("case").order_by("position"))


def audited_on(case, day):
    audit = make_audit(case=case)
    Audit.objects.filter(pk=audit.pk).update(
        created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))))
    return audit


def test_the_proposal_gives_each_case_its_reason_and_stores_the_draw(cycle, council):
    qa = PersonFactory()
    draw = services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=4, seed=42),
                                      actor=qa)
    rows = current(cycle)
    assert len(rows) == 4
    assert all(r.source == Src.RANDOM and r.status == CycleCase.Status.PROPOSED for r in rows)
    assert rows[0].reason.startswith("Chosen at random (1 of 4 drawn from 20 eligible cases")
    assert draw.seed == 42 and len(draw.population) == 20
    assert draw.chosen == [r.case_id for r in rows]
    assert selectors.draw_rerun(draw).same
    assert cycle.events.last().what == "Cases proposed: 4 cases"


def test_proposing_again_replaces_the_proposal_and_keeps_the_earlier_draw(cycle, council):
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=4, seed=1), actor=None)
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=2, seed=2), actor=None)
    assert len(current(cycle)) == 2
    assert cycle.draws.count() == 2


def test_a_draw_run_again_from_a_changed_store_says_so(cycle, council):
    draw = services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=4, seed=9),
                                      actor=None)
    draw.chosen = list(reversed(draw.chosen))
    assert not selectors.draw_rerun(draw).same


def test_the_same_seed_gives_the_same_cases(framework, council):
    one = services.cycle_create(year=2026, number=6, actor=None)
    two = services.cycle_create(year=2026, number=7, actor=None)
    a = services.selection_propose(cycle=one, ask=SelectionAsk(random_count=5, seed=77),
                                   actor=None)
    b = services.selection_propose(cycle=two, ask=SelectionAsk(random_count=5, seed=77),
                                   actor=None)
    assert a.chosen == b.chosen


def test_spread_across_localities_takes_each_localitys_share(cycle, council):
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=6, seed=3,
                                                             stratify_by=("locality",)),
                               actor=None)
    rows = current(cycle)
    north = sum(r.case.locality.name == "North" for r in rows)
    assert north == 3 and len(rows) == 6
    assert "for North" in rows[0].reason or "for South" in rows[0].reason


def test_re_audits_due_come_first_whatever_the_exclusions(cycle, council):
    set_framework(exclusions=[{"rule": "audited_within_months", "value": "6", "note": ""}])
    case = council["cases"][0]
    earlier = audited_on(case, D(2026, 4, 1))
    re_audit = audit_plan_re_audit(of=earlier, actor=None, earliest=D(2026, 6, 1),
                                   latest=D(2026, 7, 31), reason="Inadequate")
    later = audit_plan_re_audit(of=audited_on(council["cases"][1], D(2026, 4, 1)), actor=None,
                                earliest=D(2026, 8, 1), latest=D(2026, 9, 30), reason="x")
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=30, seed=1),
                               actor=None)
    rows = current(cycle)
    assert rows[0].case == case and rows[0].source == Src.PLANNED
    assert rows[0].planned_audit == re_audit and "Re-audit due by 31 July 2026" in rows[0].reason
    # A re-audit whose window opens after this cycle waits; the case it is for was audited
    # recently, so it is not drawn either.
    assert later.case_id not in {r.case_id for r in rows}
    assert len(rows) == 19


def test_cases_audited_recently_are_left_out_of_the_draw(cycle, council):
    set_framework(exclusions=[{"rule": "audited_within_months", "value": "6", "note": ""}])
    audited_on(council["cases"][0], D(2026, 3, 1))
    audited_on(council["cases"][1], D(2025, 10, 1))  # more than 6 months before the cycle
    draw = services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=50, seed=1),
                                      actor=None)
    ids = {r.case_id for r in current(cycle)}
    assert council["cases"][0].pk not in ids and council["cases"][1].pk in ids
    assert draw.left_out == {sampling.AUDITED_RECENTLY: 1}


def test_closed_cases_only_when_asked_and_never_where_the_framework_forbids(cycle, council):
    closed = CaseFactory(status=Case.Status.CLOSED, closed_on=D(2026, 5, 1),
                         team=council["teams"][0])
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=50, seed=1),
                               actor=None)
    assert closed.pk not in {r.case_id for r in current(cycle)}
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=50, seed=1,
                                                             include_closed=True), actor=None)
    assert closed.pk in {r.case_id for r in current(cycle)}
    set_framework(open_cases_only=True)
    with pytest.raises(DomainError, match="open cases only"):
        services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=1,
                                                                 include_closed=True),
                                   actor=None)


def test_filters_narrow_the_draw_and_the_reason_says_so(cycle, council):
    neglect = Theme.objects.create(name="Neglect")
    for case in council["cases"][:3]:
        case.themes.add(neglect)
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=10, seed=1,
                                                             themes=("Neglect",)),
                               actor=None)
    rows = current(cycle)
    assert {r.case_id for r in rows} == {c.pk for c in council["cases"][:3]}
    assert "among cases matching theme Neglect" in rows[0].reason


def test_requests_and_nominations_are_on_the_list_marked_as_such(cycle, council):
    tm, eho = PersonFactory(full_name="Team Manager"), PersonFactory()
    nominated = services.case_request_create(case=council["cases"][0],
                                             kind=CaseRequest.Kind.TEAM_MANAGER,
                                             reason="Neglect theme", requested_by=tm)
    services.case_request_create(case=council["cases"][1], kind=CaseRequest.Kind.TAF,
                                 reason="Progress not being made", requested_by=eho)
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=2, seed=1),
                               actor=None)
    rows = current(cycle)
    assert [r.source for r in rows[:2]] == [Src.NOMINATED, Src.REQUESTED]
    assert rows[0].request == nominated
    assert "Nominated by a team manager" in rows[0].reason and "Team Manager" in rows[0].reason
    assert [r.source for r in rows[2:]] == [Src.RANDOM, Src.RANDOM]
    services.selection_confirm(cycle=cycle, actor=None)
    nominated.refresh_from_db()
    assert nominated.status == CaseRequest.Status.INCLUDED and nominated.cycle == cycle


def test_a_case_is_put_forward_once_with_a_reason(framework, council):
    tm = PersonFactory()
    services.case_request_create(case=council["cases"][0], kind=CaseRequest.Kind.SERVICE_MANAGER,
                                 reason="Good practice", requested_by=tm)
    with pytest.raises(DomainError, match="already been put forward"):
        services.case_request_create(case=council["cases"][0], kind=CaseRequest.Kind.OTHER,
                                     reason="Again", requested_by=tm)
    with pytest.raises(DomainError, match="why"):
        services.case_request_create(case=council["cases"][1], kind=CaseRequest.Kind.OTHER,
                                     reason=" ", requested_by=tm)
    assert CaseRequest.objects.get().good_practice


def test_only_its_author_withdraws_a_request_still_waiting(framework, council):
    tm, other = PersonFactory(), PersonFactory()
    req = services.case_request_create(case=council["cases"][0], kind=CaseRequest.Kind.OTHER,
                                       reason="x", requested_by=tm)
    with pytest.raises(DomainError, match="Only the person"):
        services.case_request_withdraw(request=req, actor=other)
    services.case_request_withdraw(request=req, actor=tm)
    with pytest.raises(DomainError, match="already"):
        services.case_request_withdraw(request=req, actor=tm)


def test_drift_adds_cases_and_a_plan_open_too_long_means_contacting_its_coordinator(
        cycle, council):
    eho = PersonFactory(roles=["early_help_officer"])
    set_framework(taf_interval_weeks_acceptable=8, plan_open_audit_months=9,
                  plan_open_contact_coordinator_months=12)
    drifting, stale, fine = council["cases"][:3]
    Case.objects.filter(pk=drifting.pk).update(plan_started_on=D(2026, 1, 5))
    Case.objects.filter(pk=stale.pk).update(plan_started_on=D(2025, 3, 1))
    Case.objects.filter(pk=fine.pk).update(plan_started_on=D(2026, 3, 1))
    CaseEvent.objects.create(case=fine, kind=CaseEvent.Kind.TAF_MEETING,
                             occurred_on=D(2026, 5, 10))
    draw = services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=0),
                                      actor=None)
    rows = current(cycle)
    assert [(r.case, r.source) for r in rows] == [(drifting, Src.DRIFT)]
    assert rows[0].reason.startswith("Drift: No TAF meeting or review since the plan started")
    assert draw.asked["contacts"] == [[stale.pk, 15]]
    services.selection_confirm(cycle=cycle, actor=None)
    contact = CoordinatorContact.objects.get()
    assert contact.case == stale and contact.coordinator == stale.key_worker
    notice = Notification.objects.get(recipient=eho)
    assert "Contact the coordinators of 1 plan" in notice.subject
    assert stale.reference not in notice.subject + notice.body
    services.contact_done(contact=contact, actor=eho, note="Spoken to")
    contact.refresh_from_db()
    assert contact.status == CoordinatorContact.Status.DONE


def test_a_case_whose_coordinator_is_contacted_stays_in_the_random_pool(cycle, council):
    # 000 asks only that the coordinator is contacted: the case may still be drawn.
    set_framework(plan_open_contact_coordinator_months=12)
    stale = council["cases"][0]
    Case.objects.filter(pk=stale.pk).update(plan_started_on=D(2025, 1, 1))
    draw = services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=50, seed=1),
                                      actor=None)
    assert draw.asked["contacts"] == [[stale.pk, 17]]
    assert stale.pk in {e[0] for e in draw.population}
    assert stale.pk in {r.case_id for r in current(cycle)}


def test_a_range_of_cases_a_cycle_draws_a_number_within_it_from_the_seed(cycle, council):
    # 003: "approximately 6/8 open CAF cases per month": not always 8.
    set_framework(sample_size_min=6, sample_size_max=8)
    counts = set()
    for seed in range(12):
        draw = services.selection_propose(cycle=cycle, ask=SelectionAsk(None, seed=seed),
                                          actor=None)
        assert 6 <= draw.random_count <= 8 and len(draw.chosen) == draw.random_count
        assert draw.random_count == sample_size_drawn(seed, 6, 8)
        assert draw.asked["sample_size_range"] == [6, 8]
        assert draw.asked["random_count"] == draw.random_count
        assert f"6 to 8 cases a cycle: {draw.random_count} drawn" in cycle.events.last().detail
        counts.add(draw.random_count)
    assert counts == {6, 7, 8}
    # The recorded seed repeats the number and the cases.
    again = services.selection_propose(cycle=cycle, ask=SelectionAsk(None, seed=draw.seed),
                                       actor=None)
    assert (again.random_count, again.chosen) == (draw.random_count, draw.chosen)
    assert selectors.draw_rerun(again).same


def test_a_fixed_number_of_cases_is_taken_as_it_is(cycle, council):
    set_framework(sample_size_min=8, sample_size_max=8)
    draw = services.selection_propose(cycle=cycle, ask=SelectionAsk(None, seed=3), actor=None)
    assert draw.random_count == 8
    assert "drawn with the seed" not in cycle.events.last().detail


def test_no_number_asked_and_none_in_the_framework_says_what_to_do(cycle, council):
    set_framework(sample_size_min=None, sample_size_max=None)
    with pytest.raises(DomainError, match="enter how many cases"):
        services.selection_propose(cycle=cycle, ask=SelectionAsk(None), actor=None)


def test_drift_is_not_looked_for_when_not_asked(cycle, council):
    set_framework(taf_interval_weeks_acceptable=8)
    Case.objects.filter(pk=council["cases"][0].pk).update(plan_started_on=D(2026, 1, 5))
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=0, drift=False),
                               actor=None)
    assert current(cycle) == []


def test_a_key_worker_audited_last_cycle_is_avoided_where_possible(framework, council):
    set_framework(avoid_same_key_worker_consecutive_cycles=True)
    may = services.cycle_create(year=2026, number=5, actor=None)
    june = services.cycle_create(year=2026, number=6, actor=None)
    worker = council["cases"][0].key_worker
    for case in council["cases"][1:6]:
        Case.objects.filter(pk=case.pk).update(key_worker=worker)
    CycleCase.objects.create(cycle=may, case=council["cases"][0], source=Src.RANDOM,
                             reason="x", status=CycleCase.Status.CONFIRMED)
    draw = services.selection_propose(cycle=june, ask=SelectionAsk(random_count=14, seed=5),
                                      actor=None)
    ids = {r.case_id for r in current(june)}
    same_worker = {c.pk for c in council["cases"][:6]}
    assert len(ids) == 14 and not ids & same_worker
    flagged = {e[0] for e in draw.population if e[2] & sampling.AVOID}
    assert flagged == same_worker
    # Asked for more than the others can give, the preference gives way.
    services.selection_propose(cycle=june, ask=SelectionAsk(random_count=16, seed=5),
                               actor=None)
    rows = current(june)
    assert sum("key worker was audited last cycle" in r.reason for r in rows) == 2


def test_favouring_teams_short_of_the_target(cycle, council):
    set_framework(coverage_target_percent=20, coverage_target_months=12)
    north_team, south_team = council["teams"]
    for case in [c for c in council["cases"] if c.team == north_team][:3]:
        audited_on(case, D(2026, 5, 1))
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=3, seed=8,
                                                             favour_uncovered=True),
                               actor=None)
    rows = current(cycle)
    assert {r.case.team for r in rows} == {south_team}
    assert all("short of the coverage target" in r.reason for r in rows)


def test_cases_audited_before_can_be_chosen_again_to_test_improvement(cycle, council):
    set_framework(exclusions=[{"rule": "audited_within_months", "value": "6", "note": ""}])
    for case in council["cases"][:4]:
        audited_on(case, D(2026, 2, 1))
    services.selection_propose(cycle=cycle, ask=SelectionAsk(
        random_count=2, seed=4, previously_audited_count=2, previously_audited_months=6),
        actor=None)
    again = [r for r in current(cycle) if r.source == Src.PREVIOUSLY_AUDITED]
    assert len(again) == 2
    assert {r.case_id for r in again} <= {c.pk for c in council["cases"][:4]}
    assert "Audited on 1 February 2026" in again[0].reason
    with pytest.raises(DomainError, match="within how many months"):
        services.selection_propose(cycle=cycle, ask=SelectionAsk(
            random_count=0, previously_audited_count=1), actor=None)


def test_swapping_for_the_next_in_the_draw_is_recorded(cycle, council):
    qa = PersonFactory()
    draw = services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=3, seed=11),
                                      actor=None)
    first = current(cycle)[0]
    with pytest.raises(DomainError, match="why"):
        services.selection_swap(cycle_case=first, actor=qa, reason="")
    new = services.selection_swap(cycle_case=first, actor=qa, reason="Court hearing this month")
    first.refresh_from_db()
    assert first.status == CycleCase.Status.SWAPPED_OUT
    assert first.change_reason == "Court hearing this month" and first.changed_by == qa
    assert new.replaces == first and new.position == first.position
    entries = [sampling.Entry.from_row(r) for r in draw.population]
    assert new.case_id == sampling.next_in_draw(entries, 11, taken=set(draw.chosen))
    assert new.reason.startswith("Next in the draw (seed 11), in place of")
    assert len(current(cycle)) == 3
    with pytest.raises(DomainError, match="no longer on the cycle's list"):
        services.selection_swap(cycle_case=first, actor=qa, reason="again")


def test_swapping_for_a_named_case_and_taking_one_off(cycle, council):
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=3, seed=11),
                               actor=None)
    rows = current(cycle)
    outside = next(c for c in council["cases"] if c.pk not in {r.case_id for r in rows})
    with pytest.raises(DomainError, match="already on the list"):
        services.selection_swap(cycle_case=rows[0], actor=None, reason="x",
                                replacement=rows[1].case)
    new = services.selection_swap(cycle_case=rows[0], actor=None, reason="Showcase",
                                  replacement=outside)
    assert new.source == Src.CHOSEN and "Chosen by the QA manager" in new.reason
    services.selection_remove(cycle_case=rows[1], actor=None, reason="Closed yesterday")
    assert len(current(cycle)) == 2
    assert len(selectors.changed_cases(cycle)) == 2


def test_a_case_can_be_added_by_hand(cycle, council):
    row = services.selection_add(cycle=cycle, case=council["cases"][5], actor=None,
                                 reason="Complaint received")
    assert row.source == Src.CHOSEN and row.reason == "Added by hand: Complaint received"
    with pytest.raises(DomainError, match="already on the list"):
        services.selection_add(cycle=cycle, case=council["cases"][5], actor=None, reason="x")


def test_confirming_needs_cases_and_happens_once(cycle, council):
    with pytest.raises(DomainError, match="no cases"):
        services.selection_confirm(cycle=cycle, actor=None)
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=2, seed=1),
                               actor=None)
    services.selection_confirm(cycle=cycle, actor=None)
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CASES_CONFIRMED
    assert all(r.status == CycleCase.Status.CONFIRMED for r in current(cycle))
    with pytest.raises(WorkflowError, match="cases confirmed"):
        services.selection_confirm(cycle=cycle, actor=None)
    with pytest.raises(WorkflowError):
        services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=1), actor=None)


def test_the_list_can_be_opened_again_before_allocation(cycle, council):
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=2, seed=1),
                               actor=None)
    services.selection_confirm(cycle=cycle, actor=None)
    with pytest.raises(DomainError, match="why"):
        services.selection_reopen(cycle=cycle, actor=None, reason="")
    services.selection_reopen(cycle=cycle, actor=None, reason="A complaint came in")
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.PLANNING
    assert all(r.status == CycleCase.Status.PROPOSED for r in current(cycle))


def test_a_second_stage_audits_the_first_stages_cases_again(framework, council):
    first = services.cycle_create(year=2026, kind=Cycle.Kind.EXTERNAL, name="External, stage 1",
                                  period_start=D(2026, 1, 5), period_end=D(2026, 2, 27),
                                  actor=None)
    services.selection_propose(cycle=first, ask=SelectionAsk(random_count=3, seed=6),
                               actor=None)
    services.selection_confirm(cycle=first, actor=None)
    second = services.cycle_create(year=2026, kind=Cycle.Kind.EXTERNAL,
                                   name="External, stage 2", follow_up_of=first,
                                   period_start=D(2026, 7, 6), period_end=D(2026, 8, 28),
                                   actor=None)
    services.selection_propose(cycle=second, ask=SelectionAsk(random_count=0), actor=None)
    rows = current(second)
    assert [r.case_id for r in rows] == [r.case_id for r in current(first)]
    assert all(r.source == Src.PREVIOUSLY_AUDITED for r in rows)
    assert rows[0].reason == ("Second stage of External, stage 1: audited again to test "
                              "improvement")


def _sizes(cycle, low, high):
    set_framework(sample_size_min=low, sample_size_max=high)
    return {services.selection_propose(cycle=cycle, ask=SelectionAsk(None, seed=seed),
                                       actor=None).random_count for seed in range(12)}


def test_sample_size_min_sets_the_least_drawn(cycle, council):
    assert _sizes(cycle, 8, 8) == {8}
    assert _sizes(cycle, 6, 8) == {6, 7, 8}


def test_sample_size_max_sets_the_most_drawn(cycle, council):
    assert _sizes(cycle, 6, 6) == {6}
    assert _sizes(cycle, 6, 8) == {6, 7, 8}


def _favoured(cycle, **target):
    """The teams whose drawn cases are marked as short of the target. Every eligible case is
    drawn, so the answer is the set of short teams whatever the draw (a draw of a few would
    depend on the case ids, which differ from run to run on PostgreSQL)."""
    set_framework(**target)
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=100, seed=8,
                                                             favour_uncovered=True),
                               actor=None)
    return {r.case.team for r in current(cycle) if "short of the coverage target" in r.reason}


def test_coverage_target_percent_sets_which_teams_are_short(cycle, council):
    north_team, south_team = council["teams"]
    for case in [c for c in council["cases"] if c.team == north_team][:3]:
        audited_on(case, D(2026, 5, 1))
    assert _favoured(cycle, coverage_target_percent=20, coverage_target_months=12) \
        == {south_team}
    assert _favoured(cycle, coverage_target_percent=90, coverage_target_months=12) \
        == {north_team, south_team}


def test_coverage_target_months_sets_how_far_back_audits_count(cycle, council):
    north_team, south_team = council["teams"]
    for case in [c for c in council["cases"] if c.team == north_team][:3]:
        audited_on(case, D(2025, 12, 1))
    assert _favoured(cycle, coverage_target_percent=20, coverage_target_months=12) \
        == {south_team}
    assert _favoured(cycle, coverage_target_percent=20, coverage_target_months=3) \
        == {north_team, south_team}


@pytest.mark.parametrize(("months", "left_out"), [("6", True), ("2", False), (None, False)])
def test_exclusions_leave_out_cases_audited_within_the_frameworks_months(cycle, council,
                                                                         months, left_out):
    set_framework(exclusions=[{"rule": "audited_within_months", "value": months, "note": ""}]
                  if months else [])
    audited_on(council["cases"][0], D(2026, 3, 1))
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=50, seed=1),
                               actor=None)
    assert (council["cases"][0].pk not in {r.case_id for r in current(cycle)}) is left_out


@pytest.mark.parametrize("avoid", [True, False])
def test_avoid_same_key_worker_consecutive_cycles_flags_last_cycles_key_workers(
        framework, council, avoid):
    set_framework(avoid_same_key_worker_consecutive_cycles=avoid)
    may = services.cycle_create(year=2026, number=5, actor=None)
    june = services.cycle_create(year=2026, number=6, actor=None)
    CycleCase.objects.create(cycle=may, case=council["cases"][0], source=Src.RANDOM,
                             reason="x", status=CycleCase.Status.CONFIRMED)
    draw = services.selection_propose(cycle=june, ask=SelectionAsk(random_count=4, seed=5),
                                      actor=None)
    flagged = {e[0] for e in draw.population if e[2] & sampling.AVOID}
    assert (council["cases"][0].pk in flagged) is avoid


@pytest.mark.parametrize(("months", "contacted"), [(12, True), (18, False)])
def test_plan_open_contact_coordinator_months_sets_which_plans_need_a_contact(
        cycle, council, months, contacted):
    set_framework(plan_open_audit_months=9, plan_open_contact_coordinator_months=months)
    stale = council["cases"][1]
    Case.objects.filter(pk=stale.pk).update(plan_started_on=D(2025, 3, 1))
    draw = services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=0),
                                      actor=None)
    assert ([stale.pk, 15] in draw.asked["contacts"]) is contacted
