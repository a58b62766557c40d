"""Allocating auditors: the problem built from the framework and the register, the
proposal, overrides, confirming it into audits, declining, absence; and once with the
real solver."""

import datetime as dt

import pytest

from auditloop.audits.models import Audit, AuditAssignment
from auditloop.audits.services import audit_plan_re_audit
from auditloop.cases.models import Involvement
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.models import Notification
from auditloop.people.models import AuditorTraining
from auditloop.programme import selectors, services
from auditloop.programme.models import AllocationOverride, AllocationRun, Cycle, CycleCase
from auditloop.programme.services import SelectionAsk
from auditloop.programme.services.allocation import build_problem
from tests.factories import (
    AbsenceFactory,
    AuditorTrainingFactory,
    InvolvementFactory,
    PersonFactory,
    make_audit,
)
from tests.programme.conftest import set_framework

pytestmark = pytest.mark.django_db
D = dt.date
R = AuditAssignment.Role


def confirmed_cycle(cases, number=6):
    cycle = services.cycle_create(year=2026, number=number, actor=None)
    for i, case in enumerate(cases, 1):
        CycleCase.objects.create(cycle=cycle, case=case, source=CycleCase.Source.RANDOM,
                                 reason="Chosen at random", position=i,
                                 status=CycleCase.Status.CONFIRMED)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CASES_CONFIRMED)
    cycle.refresh_from_db()
    return cycle


def reasons(problem, person, case):
    return problem.forbidden.get((person.pk, case.pk), ())


def test_the_problem_has_one_slot_per_case_and_the_frameworks_pool(framework, council,
                                                                   auditors):
    a, b = auditors(2)
    outsider = PersonFactory(roles=["team_manager"])
    cycle = confirmed_cycle(council["cases"][:3])
    problem = build_problem(cycle, seed=1).problem
    assert [s.auditors_needed for s in problem.slots] == [2, 2, 2]
    assert {x.person_id for x in problem.auditors} == {a.pk, b.pk}
    assert outsider.pk not in {x.person_id for x in problem.auditors}
    assert all(x.capacity == 2 and x.trained for x in problem.auditors)
    assert problem.untrained_allowed  # the framework does not insist on training


def test_involvement_line_management_and_absence_forbid_with_reasons(framework, council,
                                                                     auditors):
    set_framework(conflict_line_management_depth=2, auditors_must_be_trained=True)
    manager, grand, involved, away = auditors(4)
    case = council["cases"][0]
    worker = case.key_worker
    middle = PersonFactory(line_manager=grand)
    worker.line_manager = manager
    worker.save()
    manager.line_manager = middle
    manager.save()
    InvolvementFactory(case=case, person=involved, role=Involvement.Role.OTHER)
    AbsenceFactory(person=away, starts_on=D(2026, 6, 10), ends_on=D(2026, 6, 14))
    problem = build_problem(confirmed_cycle([case]), seed=1).problem
    assert reasons(problem, manager, case) == (
        f"line-manages {worker.full_name}, who holds the case",)
    assert reasons(problem, grand, case) == ()  # three levels down: beyond the setting
    assert reasons(problem, involved, case) == ("was involved with the case (other "
                                                "professional)",)
    assert reasons(problem, away, case) == ("absent 10 June 2026 to 14 June 2026 (leave)",)
    assert not problem.untrained_allowed


def test_a_manager_never_audits_their_direct_reports_cases_even_with_no_depth_set(
        framework, council, auditors):
    (manager,) = auditors(1)
    case = council["cases"][0]
    case.key_worker.line_manager = manager
    case.key_worker.save()
    problem = build_problem(confirmed_cycle([case]), seed=1).problem
    assert reasons(problem, manager, case)


def test_training_load_and_previous_pairs_reach_the_solver(framework, council, auditors):
    trained, shadow, untrained = auditors(1)[0], auditors(
        1, status=AuditorTraining.Status.SHADOWING)[0], PersonFactory(roles=["auditor"])
    earlier = make_audit(auditors=[trained, shadow])
    AuditorTrainingFactory(person=trained, status=AuditorTraining.Status.ACCREDITED,
                           recorded_on=D(2026, 3, 1))
    cycle = confirmed_cycle(council["cases"][:1])
    problem = build_problem(cycle, seed=1).problem
    by_id = {a.person_id: a for a in problem.auditors}
    assert by_id[trained.pk].trained and not by_id[trained.pk].shadowing
    assert by_id[shadow.pk].shadowing and not by_id[shadow.pk].trained
    assert not by_id[untrained.pk].trained
    assert by_id[trained.pk].load_this_year == 1
    assert frozenset({trained.pk, shadow.pk}) in problem.previous_pairs
    assert earlier


def test_re_audits_need_one_senior_manager(framework, council, auditors):
    auditors(2)
    senior = PersonFactory(roles=["senior_manager"])
    plain = council["cases"][1]
    earlier = make_audit(case=council["cases"][0])
    planned = audit_plan_re_audit(of=earlier, actor=None, earliest=D(2026, 6, 1),
                                  latest=D(2026, 7, 31), reason="Inadequate")
    cycle = confirmed_cycle([plain])
    CycleCase.objects.create(cycle=cycle, case=planned.case, source=CycleCase.Source.PLANNED,
                             reason="Re-audit", planned_audit=planned, position=2,
                             status=CycleCase.Status.CONFIRMED)
    problem = build_problem(cycle, seed=1).problem
    slots = {s.case_id: s for s in problem.slots}
    assert slots[planned.case_id].re_audit and slots[planned.case_id].auditors_needed == 1
    assert next(a for a in problem.auditors if a.person_id == senior.pk).senior
    assert reasons(problem, senior, plain) == (
        "re-audits only: not in the framework's pool of auditors",)


def test_proposing_stores_the_problem_and_each_cases_auditors(framework, council, auditors,
                                                              fake_solver):
    a, b, c, d = auditors(4)
    cycle = confirmed_cycle(council["cases"][:2])
    run = services.allocation_propose(cycle=cycle, actor=None, seed=3)
    lines = selectors.allocation_lines(run)
    assert [v.line.auditor_ids for v in lines] == [[a.pk, b.pk], [a.pk, b.pk]]
    assert run.problem["seed"] == 3 and len(run.problem["slots"]) == 2
    again = services.allocation_propose(cycle=cycle, actor=None, seed=4)
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.SUPERSEDED
    assert selectors.latest_run(cycle) == again


def test_a_case_nobody_may_audit_says_why(framework, council, auditors, fake_solver):
    (only,) = auditors(1)
    set_framework(allocation_unit="singles")
    case = council["cases"][0]
    InvolvementFactory(case=case, person=only, role=Involvement.Role.KEY_WORKER)
    run = services.allocation_propose(cycle=confirmed_cycle([case]), actor=None)
    (view,) = selectors.allocation_lines(run)
    assert view.auditors == [] and view.line.blocked == ["nobody is free under the rules"]


def test_a_conflict_of_interest_is_never_overridden(framework, council, auditors,
                                                   fake_solver):
    set_framework(allocation_unit="singles")
    a, b = auditors(2)
    case = council["cases"][0]
    InvolvementFactory(case=case, person=b, role=Involvement.Role.TEAM_MANAGER)
    run = services.allocation_propose(cycle=confirmed_cycle([case]), actor=None)
    (line,) = run.lines.all()
    with pytest.raises(DomainError, match=f"{b.full_name} holds the case \\(team manager\\), "
                                          "so cannot audit it. Choose someone else"):
        services.allocation_override(line=line, auditor_ids=[b.pk], actor=None,
                                     reason="Only manager free; agreed with the head of QA")
    line.refresh_from_db()
    assert line.auditor_ids == [a.pk] and not AllocationOverride.objects.exists()


def test_overriding_another_rule_needs_a_reason_and_is_recorded(framework, council, auditors,
                                                                fake_solver):
    set_framework(allocation_unit="singles")
    a, b = auditors(2)
    AbsenceFactory(person=b, starts_on=D(2026, 6, 10), ends_on=D(2026, 6, 14))
    qa = PersonFactory()
    run = services.allocation_propose(cycle=confirmed_cycle(council["cases"][:1]), actor=None)
    (line,) = run.lines.all()
    with pytest.raises(DomainError, match="Say why you are overriding"):
        services.allocation_override(line=line, auditor_ids=[b.pk], actor=qa, reason="")
    services.allocation_override(line=line, auditor_ids=[b.pk], actor=qa,
                                 reason="Back from leave early; agreed with the head of QA")
    line.refresh_from_db()
    assert line.auditor_ids == [b.pk] and line.proposed_ids == [a.pk]
    override = AllocationOverride.objects.get()
    assert override.from_ids == [a.pk] and override.by == qa
    assert override.conflicts == [f"{b.full_name} absent 10 June 2026 to 14 June 2026 (leave)"]
    with pytest.raises(DomainError, match="at most 1"):
        services.allocation_override(line=line, auditor_ids=[a.pk, b.pk], actor=qa, reason="x")


def test_an_override_without_a_conflict_needs_no_reason(framework, council, auditors,
                                                        fake_solver):
    a, b, c = auditors(3)
    run = services.allocation_propose(cycle=confirmed_cycle(council["cases"][:1]), actor=None)
    (line,) = run.lines.all()
    services.allocation_override(line=line, auditor_ids=[b.pk, c.pk], actor=None, reason="")
    assert AllocationOverride.objects.get().conflicts == []


def test_confirming_makes_the_audits_through_the_audit_services(framework, council, auditors,
                                                                fake_solver):
    a, b = auditors(2)
    shadow = auditors(1, status=AuditorTraining.Status.SHADOWING)[0]
    senior = PersonFactory(roles=["senior_manager"])
    earlier = make_audit(case=council["cases"][2])
    planned = audit_plan_re_audit(of=earlier, actor=None, earliest=D(2026, 6, 1),
                                  latest=D(2026, 7, 31), reason="Inadequate")
    cycle = confirmed_cycle(council["cases"][:2])
    CycleCase.objects.create(cycle=cycle, case=planned.case, source=CycleCase.Source.PLANNED,
                             reason="Re-audit", planned_audit=planned, position=3,
                             status=CycleCase.Status.CONFIRMED)
    run = services.allocation_propose(cycle=cycle, actor=None)
    second = run.lines.get(cycle_case__case=council["cases"][1])
    services.allocation_override(line=second, auditor_ids=[a.pk, shadow.pk], actor=None,
                                 reason="")
    qa = PersonFactory()
    made = services.allocation_confirm(run=run, actor=qa)
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.ALLOCATED and len(made) == 3
    first = CycleCase.objects.get(cycle=cycle, case=council["cases"][0]).audit
    assert first.status == Audit.Status.ALLOCATED and first.due_on == cycle.audits_due_on
    assert first.tool_version == cycle.tool_version and first.created_by == qa
    assert {(x.person, x.role) for x in first.assignments.all()} == {(a, R.AUDITOR),
                                                                     (b, R.AUDITOR)}
    paired = CycleCase.objects.get(cycle=cycle, case=council["cases"][1]).audit
    assert {(x.person, x.role) for x in paired.assignments.all()} == {(a, R.AUDITOR),
                                                                      (shadow, R.SHADOW)}
    planned.refresh_from_db()
    assert planned.status == Audit.Status.ALLOCATED
    assert [(x.person, x.role) for x in planned.assignments.all()] == [(senior, R.RE_AUDITOR)]
    assert CycleCase.objects.get(planned_audit=planned).audit == planned
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.CONFIRMED
    with pytest.raises(WorkflowError):
        services.allocation_confirm(run=run, actor=qa)


def test_blocked_cases_must_be_handled_before_confirming(framework, council, auditors,
                                                         fake_solver):
    set_framework(allocation_unit="singles", cases_per_unit_max=1)
    auditors(1)
    cycle = confirmed_cycle(council["cases"][:2])
    run = services.allocation_propose(cycle=cycle, actor=None)
    with pytest.raises(DomainError, match="1 case has no auditor"):
        services.allocation_confirm(run=run, actor=None)
    made = services.allocation_confirm(run=run, actor=None, leave_out_blocked=True)
    assert len(made) == 1
    left = CycleCase.objects.get(cycle=cycle, case=council["cases"][1])
    assert left.status == CycleCase.Status.REMOVED
    assert left.change_reason == "No auditor could be found: nobody is free under the rules"


def test_requested_cases_make_requested_audits_and_one_off_programmes_their_kind(
        framework, council, auditors, fake_solver):
    set_framework(allocation_unit="singles")
    auditors(2)
    cycle = confirmed_cycle(council["cases"][:1])
    CycleCase.objects.filter(cycle=cycle).update(source=CycleCase.Source.REQUESTED)
    (audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=cycle, actor=None), actor=None)
    assert audit.kind == Audit.Kind.REQUESTED
    lead = PersonFactory(roles=["auditor"])
    AuditorTrainingFactory(person=lead)
    thematic = services.cycle_create(year=2026, kind=Cycle.Kind.THEMATIC, name="Neglect",
                                     period_start=D(2026, 9, 1), period_end=D(2026, 9, 30),
                                     lead_auditor=lead, actor=None)
    CycleCase.objects.create(cycle=thematic, case=council["cases"][3], reason="x",
                             source=CycleCase.Source.RANDOM, status=CycleCase.Status.CONFIRMED)
    Cycle.objects.filter(pk=thematic.pk).update(status=Cycle.Status.CASES_CONFIRMED)
    run = services.allocation_propose(cycle=thematic, actor=None)
    (line,) = run.lines.all()
    services.allocation_override(line=line, auditor_ids=[lead.pk], actor=None, reason="")
    (audit,) = services.allocation_confirm(run=run, actor=None)
    assert audit.kind == Audit.Kind.THEMATIC
    assert audit.assignments.get().role == R.LEAD_AUDITOR


def allocated(council, auditors, fake_solver, *, pairs=True):
    set_framework(allocation_unit="pairs" if pairs else "singles")
    people = auditors(4)
    cycle = confirmed_cycle(council["cases"][:1])
    (audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=cycle, actor=None), actor=None)
    return cycle, audit, people


def test_an_auditor_declines_and_the_case_goes_to_someone_else(framework, council, auditors,
                                                               fake_solver):
    cycle, audit, (a, b, c, d) = allocated(council, auditors, fake_solver)
    mine = audit.assignments.get(person=a)
    with pytest.raises(DomainError, match="Say why"):
        services.allocation_decline(assignment=mine, actor=a, reason=" ")
    with pytest.raises(DomainError, match="Only the auditor"):
        services.allocation_decline(assignment=mine, actor=b, reason="x")
    new = services.allocation_decline(assignment=mine, actor=a,
                                      reason="I supervised the key worker last year")
    mine.refresh_from_db()
    assert mine.ended_at is not None
    assert mine.end_reason == "Declined: I supervised the key worker last year"
    assert new == [c]
    assert {x.person for x in audit.assignments.filter(ended_at__isnull=True)} == {b, c}
    assert Notification.objects.filter(recipient=c, subject__contains="allocated").exists()
    assert cycle.events.filter(what__contains="declined").exists()


def test_when_nobody_can_take_a_declined_case_the_qa_manager_is_told(framework, council,
                                                                     auditors, fake_solver):
    qa = PersonFactory(roles=["qa_manager"])
    set_framework(allocation_unit="singles")
    (a,) = auditors(1)
    cycle = confirmed_cycle(council["cases"][:1])
    (audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=cycle, actor=None), actor=None)
    assert services.allocation_decline(assignment=audit.assignments.get(), actor=a,
                                       reason="Involved") == []
    notice = Notification.objects.get(recipient=qa)
    assert notice.is_urgent and "needs an auditor" in notice.subject


def test_auditors_may_not_decline_where_the_framework_says_so(framework, council, auditors,
                                                              fake_solver):
    cycle, audit, (a, *_) = allocated(council, auditors, fake_solver)
    set_framework(auditors_may_decline=False, auditor_may_ask_for_another_case=False)
    with pytest.raises(DomainError, match="does not let auditors decline"):
        services.allocation_decline(assignment=audit.assignments.get(person=a), actor=a,
                                    reason="x")


def test_an_absent_partner_leaves_the_other_to_complete_alone(framework, council, auditors,
                                                              fake_solver):
    set_framework(partner_completes_alone_if_absent=True)
    cycle, audit, (a, b, *_) = allocated(council, auditors, fake_solver)
    row = audit.assignments.get(person=a)
    assert services.assignment_absent(assignment=row, actor=None,
                                      reason="on leave until 20 June") == []
    audit.refresh_from_db()
    assert audit.completed_alone_reason == (f"{a.full_name} was absent (on leave until 20 "
                                            f"June); {b.full_name} completes the audit alone")
    row.refresh_from_db()
    assert row.end_reason == "Absent: on leave until 20 June"
    assert [x.person for x in audit.assignments.filter(ended_at__isnull=True)] == [b]
    assert Notification.objects.filter(recipient=b, subject__contains="alone").exists()
    with pytest.raises(WorkflowError):
        services.assignment_absent(assignment=row, actor=None, reason="again")


def test_an_absent_auditor_is_replaced_where_partners_do_not_complete_alone(
        framework, council, auditors, fake_solver):
    set_framework(partner_completes_alone_if_absent=False)
    cycle, audit, (a, b, c, d) = allocated(council, auditors, fake_solver)
    AbsenceFactory(person=c, starts_on=D(2026, 6, 1), ends_on=D(2026, 6, 30))
    new = services.assignment_absent(assignment=audit.assignments.get(person=a), actor=None,
                                     reason="Sick")
    assert new == [d]  # c is absent too: the rules still hold
    audit.refresh_from_db()
    assert audit.completed_alone_reason == ""


def test_the_qa_manager_can_add_an_auditor_overriding_with_a_reason(framework, council,
                                                                    auditors, fake_solver):
    cycle, audit, (a, b, c, d) = allocated(council, auditors, fake_solver)
    services.assignment_absent(assignment=audit.assignments.get(person=a), actor=None,
                               reason="Sick")
    involved, away = auditors(2)
    InvolvementFactory(case=audit.case, person=involved, role=Involvement.Role.IRO)
    AbsenceFactory(person=away, starts_on=D(2026, 6, 1), ends_on=D(2026, 6, 30))
    services.assignment_absent(assignment=audit.assignments.get(person=c), actor=None,
                               reason="Sick too")
    # A conflict of interest is refused, reason or not (audits.conflicts).
    with pytest.raises(DomainError, match="was involved with the case \\(iro / cp chair\\), "
                                          "so cannot audit it"):
        services.assignment_choose(audit=audit, person=involved, actor=None, reason="Agreed")
    with pytest.raises(DomainError, match="Say why you are overriding"):
        services.assignment_choose(audit=audit, person=away, actor=None, reason="")
    services.assignment_choose(audit=audit, person=away, actor=None, reason="Agreed")
    assert audit.assignments.filter(person=away, ended_at__isnull=True).exists()
    assert not audit.assignments.filter(person=involved).exists()
    with pytest.raises(DomainError, match="already audits"):
        services.assignment_choose(audit=audit, person=away, actor=None, reason="x")


def test_the_real_solver_allocates_a_small_month(framework, council, auditors):
    """The wiring with the solver of allocation/solver.py, not the fake."""
    people = auditors(6)
    manager = people[0]
    for case in council["cases"][:4]:
        case.key_worker.line_manager = manager
        case.key_worker.save()
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=4, seed=2),
                               actor=None)
    services.selection_confirm(cycle=cycle, actor=None)
    run = services.allocation_propose(cycle=cycle, actor=None, seed=5)
    lines = selectors.allocation_lines(run)
    assert all(len(v.auditors) == 2 for v in lines)
    for v in lines:
        if v.line.cycle_case.case.key_worker.line_manager == manager:
            assert manager not in v.auditors
    loads: dict[int, int] = {}
    for v in lines:
        for p in v.auditors:
            loads[p.pk] = loads.get(p.pk, 0) + 1
    assert max(loads.values()) <= 2
    again = services.allocation_propose(cycle=cycle, actor=None, seed=5)
    assert [v.line.auditor_ids for v in selectors.allocation_lines(again)] == \
        [v.line.auditor_ids for v in lines]
    made = services.allocation_confirm(run=again, actor=None)
    assert len(made) == 4


def test_with_no_cap_every_case_is_covered_when_the_rules_allow(framework, council,
                                                                auditors):
    """002 sets no cap: ten cases and four auditors, one absent all month, and seven of the
    cases barred to two of the others (one line-manages the key worker, the other is the
    team manager). An even share (10 / 4 with the absent one counted, or 10 / 3) would leave
    cases blocked that a valid allocation covers: spreading the load is a preference."""
    set_framework(allocation_unit="singles", cases_per_unit_max=None)
    free, b, c, away = auditors(4)
    AbsenceFactory(person=away, starts_on=D(2026, 5, 20), ends_on=D(2026, 7, 10))
    cases = council["cases"][:10]
    for case in cases[:7]:
        case.key_worker.line_manager = b
        case.key_worker.save()
        case.team_manager = c
        case.save()
    cycle = confirmed_cycle(cases)
    problem = build_problem(cycle, seed=1).problem
    assert {a.capacity for a in problem.auditors} == {10}
    run = services.allocation_propose(cycle=cycle, actor=None, seed=7)
    lines = selectors.allocation_lines(run)
    assert all(v.line.auditor_ids for v in lines)
    taken = [pid for v in lines for pid in v.line.auditor_ids]
    assert taken.count(free.pk) == 7 and away.pk not in taken
    assert sorted([taken.count(b.pk), taken.count(c.pk)]) == [1, 2]  # the rest, spread
    set_framework(cases_per_unit_max=4)  # a cap the framework sets is hard
    run = services.allocation_propose(cycle=cycle, actor=None, seed=7)
    assert sum(1 for v in selectors.allocation_lines(run) if not v.line.auditor_ids) == 3


def test_with_no_cap_a_lost_place_goes_to_someone_already_auditing_this_cycle(
        framework, council, auditors, fake_solver):
    set_framework(allocation_unit="singles", cases_per_unit_max=None)
    a, b = auditors(2)
    cycle = confirmed_cycle(council["cases"][:2])
    run = services.allocation_propose(cycle=cycle, actor=None)
    services.allocation_override(line=run.lines.order_by("cycle_case__position")[1],
                                 auditor_ids=[b.pk], actor=None, reason="")
    made = services.allocation_confirm(run=run, actor=None)
    assert [x.person for audit in made for x in audit.assignments.all()] == [a, b]
    # b already audits this cycle; without a cap that does not stop them taking another.
    assert services.allocation_decline(assignment=made[0].assignments.get(person=a), actor=a,
                                       reason="I know the family") == [b]
    made[0].refresh_from_db()
    assert [x.person for x in made[0].assignments.filter(ended_at__isnull=True)] == [b]
