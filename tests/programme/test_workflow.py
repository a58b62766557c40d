"""The programme's states move through the one workflow helper (common.workflow): a cycle
goes planning, cases confirmed (and back until allocated), allocated, reviewed, closed; a
case on its list is confirmed, swapped out, left out or carried; requests, coordinator
contacts, allocation proposals, batches of notices and learning sessions each have their
table. Each table refuses a wrong move, each move writes its history (the cycle's events, the
row's own change fields, or a status change), and the pages ask the model, not a string."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from auditloop.cases.models import Case
from auditloop.common.errors import WorkflowError
from auditloop.programme import services
from auditloop.programme.models import (
    AllocationRun,
    CaseRequest,
    CoordinatorContact,
    Cycle,
    CycleCase,
    CycleNotice,
    LearningSession,
)
from tests.factories import CaseFactory, PersonFactory

C = Cycle.Status
CC = CycleCase.Status
TEMPLATES = Path(services.__file__).parent.parent / "jinja2"


def moves(obj):  # type: ignore[no-untyped-def]
    return [(c.from_status, c.to_status, c.reason) for c in obj.status_history()]


# The tables and groups, without the database ---------------------------------------------


def test_a_cycle_goes_back_only_from_confirmed_cases_and_only_forward_after_allocation():
    wf = Cycle.workflow
    assert set(wf.next_states(C.CASES_CONFIRMED)) == {C.PLANNING, C.ALLOCATED}
    assert wf.next_states(C.PLANNING) == [C.CASES_CONFIRMED]
    assert wf.next_states(C.ALLOCATED) == [C.REVIEWED]
    assert wf.next_states(C.REVIEWED) == [C.CLOSED]
    assert wf.next_states(C.CLOSED) == []
    assert not wf.allows(C.PLANNING, C.ALLOCATED)  # cases are confirmed first


def test_the_cycle_groups():
    planning, confirmed = Cycle(status=C.PLANNING), Cycle(status=C.CASES_CONFIRMED)
    allocated, reviewed = Cycle(status=C.ALLOCATED), Cycle(status=C.REVIEWED)
    closed = Cycle(status=C.CLOSED)
    assert planning.is_planning and planning.is_before_allocation
    assert confirmed.is_cases_confirmed and confirmed.is_before_allocation
    assert not confirmed.is_planning and not allocated.is_before_allocation
    assert allocated.is_allocated and allocated.is_allocated_or_later
    assert not allocated.is_reviewed_or_later and not confirmed.is_allocated_or_later
    assert reviewed.is_reviewed and reviewed.is_reviewed_or_later
    assert closed.is_closed and closed.is_reviewed_or_later and not closed.is_reviewed


def test_a_case_leaves_the_list_once_and_only_a_confirmed_one_is_carried():
    wf = CycleCase.workflow
    assert not wf.allows(CC.PROPOSED, CC.CARRIED)
    for gone in (CC.SWAPPED_OUT, CC.REMOVED, CC.CARRIED):
        assert wf.next_states(gone) == []
    assert CycleCase(status=CC.PROPOSED).is_current and CycleCase(status=CC.PROPOSED).is_proposed
    assert not CycleCase(status=CC.REMOVED).is_current


def test_the_small_tables():
    assert CaseRequest.workflow.next_states(CaseRequest.Status.INCLUDED) == []
    assert CoordinatorContact.workflow.next_states(CoordinatorContact.Status.DONE) == []
    assert AllocationRun.workflow.next_states(AllocationRun.Status.SUPERSEDED) == []
    assert CycleNotice.workflow.next_states(CycleNotice.Status.SENT) == []
    assert not CycleNotice.workflow.allows(CycleNotice.Status.QUEUED, CycleNotice.Status.SENT)
    # A recorded session may be corrected: recording again is allowed.
    assert LearningSession.workflow.allows(LearningSession.Status.RECORDED,
                                           LearningSession.Status.RECORDED)
    assert CycleNotice(status=CycleNotice.Status.FAILED).is_finished
    assert not CycleNotice(status=CycleNotice.Status.SENDING).is_finished


def test_a_case_knows_whether_it_is_open():
    assert Case(status=Case.Status.OPEN).is_open
    assert not Case(status=Case.Status.CLOSED).is_open


# Moves and their history ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_cycle_refuses_a_wrong_move_and_writes_nothing(framework):
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    before = cycle.events.count()
    with pytest.raises(WorkflowError, match="cannot become closed"):
        cycle.workflow.move(cycle, to=C.CLOSED)
    cycle.refresh_from_db()
    assert cycle.status == C.PLANNING and cycle.events.count() == before


@pytest.mark.django_db
def test_confirming_the_cases_moves_the_cycle_and_writes_its_event(framework):
    qa = PersonFactory()
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    CycleCase.objects.create(cycle=cycle, case=CaseFactory(), source=CycleCase.Source.RANDOM,
                             reason="Chosen at random")
    services.selection_confirm(cycle=cycle, actor=qa)
    cycle.refresh_from_db()
    event = cycle.events.last()
    assert cycle.status == C.CASES_CONFIRMED
    assert (event.what, event.actor) == ("Cases confirmed: 1 case", qa)
    # Opening the list again is the move back, with its reason as the event's detail.
    services.selection_reopen(cycle=cycle, actor=qa, reason="A case was missed")
    cycle.refresh_from_db()
    event = cycle.events.last()
    assert cycle.status == C.PLANNING
    assert (event.what, event.detail) == ("Case list opened again", "A case was missed")
    assert cycle.cases.get().status == CC.PROPOSED


@pytest.mark.django_db
def test_a_step_the_cycle_is_past_keeps_its_plain_message(framework):
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    Cycle.objects.filter(pk=cycle.pk).update(status=C.ALLOCATED)
    with pytest.raises(WorkflowError, match="so you cannot confirm the cases now"):
        services.selection_confirm(cycle=cycle, actor=None)
    with pytest.raises(WorkflowError, match="so you cannot close the cycle now"):
        services.cycle_close(cycle=cycle, actor=None)


@pytest.mark.django_db
def test_taking_a_case_off_records_who_and_why_and_it_cannot_leave_twice(framework):
    qa = PersonFactory()
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    row = CycleCase.objects.create(cycle=cycle, case=CaseFactory(),
                                   source=CycleCase.Source.RANDOM, reason="Chosen at random")
    services.selection_remove(cycle_case=row, actor=qa, reason="Closed yesterday")
    row.refresh_from_db()
    assert (row.status, row.changed_by, row.change_reason) == (CC.REMOVED, qa,
                                                               "Closed yesterday")
    assert row.changed_at is not None
    with pytest.raises(WorkflowError):
        row.workflow.move(row, to=CC.SWAPPED_OUT, actor=qa, reason="Again")


@pytest.mark.django_db
def test_withdrawing_a_request_writes_a_status_change_and_an_included_one_cannot(framework):
    maker = PersonFactory()
    request = CaseRequest.objects.create(case=CaseFactory(), kind=CaseRequest.Kind.OTHER,
                                         reason="Worried", requested_by=maker)
    services.case_request_withdraw(request=request, actor=maker)
    assert moves(request) == [("open", "withdrawn", "")]
    included = CaseRequest.objects.create(case=CaseFactory(), kind=CaseRequest.Kind.OTHER,
                                          reason="Worried", requested_by=maker,
                                          status=CaseRequest.Status.INCLUDED)
    with pytest.raises(WorkflowError):
        included.workflow.move(included, to=CaseRequest.Status.WITHDRAWN, actor=maker)


@pytest.mark.django_db
def test_a_coordinator_contact_is_done_once_with_its_note(framework):
    officer = PersonFactory()
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    contact = CoordinatorContact.objects.create(cycle=cycle, case=CaseFactory(), months_open=20)
    services.contact_done(contact=contact, actor=officer, note="Rang the coordinator")
    contact.refresh_from_db()
    assert contact.is_done and contact.done_by == officer
    assert moves(contact) == [("open", "done", "Rang the coordinator")]
    with pytest.raises(WorkflowError):
        contact.workflow.move(contact, to=CoordinatorContact.Status.DONE)


@pytest.mark.django_db
def test_a_replaced_proposal_cannot_be_confirmed(framework):
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    run = AllocationRun.objects.create(cycle=cycle, seed=1,
                                       status=AllocationRun.Status.SUPERSEDED)
    with pytest.raises(WorkflowError):
        run.workflow.move(run, to=AllocationRun.Status.CONFIRMED)
    assert moves(run) == []


@pytest.mark.django_db
def test_sending_a_batch_writes_each_step(framework):
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    Cycle.objects.filter(pk=cycle.pk).update(status=C.ALLOCATED)
    batch = CycleNotice.objects.create(cycle=cycle, kind=CycleNotice.Kind.ALLOCATION)
    services.notices_send(cycle_id=cycle.pk, today=dt.date(2026, 5, 20))
    batch.refresh_from_db()
    assert batch.is_sent and batch.is_finished
    assert [(f, t) for f, t, _ in moves(batch)] == [("queued", "sending"), ("sending", "sent")]
    with pytest.raises(WorkflowError):
        batch.workflow.move(batch, to=CycleNotice.Status.SENDING)


@pytest.mark.django_db
def test_recording_a_session_writes_a_status_change_each_time(framework):
    qa = PersonFactory()
    session = LearningSession.objects.create(kind=LearningSession.Kind.REFLECTIVE,
                                             held_on=dt.date(2026, 5, 1))
    for _ in range(2):
        services.learning_session_record(session=session, actor=qa, outcomes_summary="Good",
                                         good_practice="", insight="",
                                         today=dt.date(2026, 5, 2))
    session.refresh_from_db()
    assert session.is_recorded and session.recorded_by == qa
    assert moves(session) == [("planned", "recorded", ""),
                              ("recorded", "recorded", "Record corrected")]


# The pages ask the model -------------------------------------------------------------------


def test_no_programme_template_compares_a_status_string():
    pattern = re.compile(r"status *(==|!=|not in|in) *[\(\[\"']")
    found = [f"{path.name}:{n}" for path in TEMPLATES.rglob("*.html")
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if pattern.search(line)]
    assert found == []
