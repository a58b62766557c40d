"""The QA meeting: the agenda, minutes, each audit marked discussed, the prevalent issue,
the follow-ups of the last cycle, and the case notes afterwards."""

import csv
import datetime as dt
import io

import pytest
import time_machine

from auditloop.audits.models import Audit, SupervisionItem
from auditloop.cases.models import Involvement
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.models import Notification
from auditloop.programme import exports, selectors, services
from auditloop.programme.models import Cycle, CycleCase, MeetingItem
from auditloop.programme.services.meeting import WITHDRAW, OpenAuditDecision
from tests.factories import InvolvementFactory, PersonFactory
from tests.programme.conftest import set_framework, submit
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db
S = Audit.Status


@pytest.fixture
def meeting(framework, council, auditors, fake_solver):
    set_framework(allocation_unit="singles")
    auditors(2)
    cycle = confirmed_cycle(council["cases"][:3])
    audits = services.allocation_confirm(
        run=services.allocation_propose(cycle=cycle, actor=None), actor=None)
    cycle.refresh_from_db()
    return cycle, audits


def discuss(item, **kwargs):
    values = {"impact": "The child is safer", "needs_met": "Needs met by the plan",
              "strengths": "The child's voice", "development": "Update the chronology",
              "discussed": True}
    values.update(kwargs)
    return services.minutes_save(item=item, actor=None, **values)


def test_the_agenda_takes_submitted_audits_with_the_frameworks_minutes(meeting):
    cycle, audits = meeting
    submit(audits[1])
    submit(audits[0])
    Audit.objects.filter(pk=audits[1].pk).update(
        submitted_at=dt.datetime(2026, 6, 10, tzinfo=dt.UTC))
    Audit.objects.filter(pk=audits[0].pk).update(
        submitted_at=dt.datetime(2026, 6, 12, tzinfo=dt.UTC))
    made = services.agenda_build(cycle=cycle, actor=None)
    assert [i.audit for i in made] == [audits[1], audits[0]]
    assert all(i.minutes_allotted == 10 for i in made)
    assert services.agenda_build(cycle=cycle, actor=None) == []
    assert selectors.ready_for_agenda(cycle) == 0


def test_the_agenda_can_be_reordered(meeting):
    cycle, audits = meeting
    for a in audits:
        submit(a)
    first, second, third = services.agenda_build(cycle=cycle, actor=None)
    services.agenda_move(item=third, up=True, actor=None)
    assert [i.pk for i in selectors.agenda(cycle)] == [first.pk, third.pk, second.pk]
    services.agenda_move(item=first, up=True, actor=None)  # already first: nothing moves
    services.agenda_move(item=first, up=False, actor=None)
    assert [i.pk for i in selectors.agenda(cycle)] == [third.pk, first.pk, second.pk]


def test_minutes_marked_discussed_move_the_audit_on(meeting):
    cycle, audits = meeting
    submit(audits[0])
    (item,) = services.agenda_build(cycle=cycle, actor=None)
    with pytest.raises(DomainError, match="Record the minutes"):
        services.minutes_save(item=item, actor=None, impact="", needs_met="", strengths="",
                              development="", discussed=True)
    services.minutes_save(item=item, actor=None, impact="Draft", needs_met="",
                          strengths="", development="")
    assert Audit.objects.get(pk=audits[0].pk).status == S.SUBMITTED
    qa = PersonFactory()
    services.minutes_save(item=item, actor=qa, impact="The child is safer", needs_met="Yes",
                          strengths="Voice", development="Chronology", discussed=True)
    audit = Audit.objects.get(pk=audits[0].pk)
    assert audit.status == S.DISCUSSED
    moved = audit.transitions.last()
    assert moved.actor == qa and moved.reason == "Discussed in the June 2026 cycle"
    item.refresh_from_db()
    assert item.discussed_at and item.recorded_by == qa


def test_the_prevalent_issue_can_become_the_next_cycles_theme(meeting):
    cycle, _ = meeting
    with pytest.raises(DomainError, match="Enter the prevalent issue"):
        services.meeting_details_save(cycle=cycle, actor=None, attendance="",
                                      prevalent_issue="", sets_next_theme=True)
    services.meeting_details_save(cycle=cycle, actor=None, attendance="QA manager, 4 TMs",
                                  prevalent_issue="Neglect", sets_next_theme=True)
    july = services.cycle_create(year=2026, number=7, actor=None)
    assert july.theme == "Neglect" and july.theme_source == Cycle.ThemeSource.QA_MEETING


def test_the_meeting_ends_once_a_case_is_discussed(meeting):
    cycle, audits = meeting
    with pytest.raises(DomainError, match="No case has been discussed"):
        services.meeting_close(cycle=cycle, actor=None)
    submit(audits[0])
    submit(audits[1])
    first, _ = services.agenda_build(cycle=cycle, actor=None)
    discuss(first)
    # The third audit is not submitted: the review is done knowingly (see test_cycle_close).
    services.meeting_close(cycle=cycle, actor=None, open_confirmed=1)
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.REVIEWED
    assert "1 case on the agenda not discussed" in cycle.events.filter(
        what__startswith="QA meeting held").get().detail
    with pytest.raises(WorkflowError):
        discuss(first)
    services.cycle_close(cycle=cycle, actor=None, decisions={
        audits[2].pk: OpenAuditDecision(WITHDRAW, "The family moved away")})
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CLOSED


@time_machine.travel(dt.datetime(2026, 6, 26, 10), tick=False)
def test_case_notes_use_the_frameworks_words_one_row_per_case(meeting):
    cycle, audits = meeting
    submit(audits[0])
    Audit.objects.filter(pk=audits[0].pk).update(
        submitted_at=dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC))
    iro = PersonFactory(full_name="Ira Chair")
    InvolvementFactory(case=audits[0].case, person=iro, role=Involvement.Role.IRO)
    (item,) = services.agenda_build(cycle=cycle, actor=None)
    discuss(item, actions_agreed="=HYPERLINK(\"x\") Chronology updated by 1 July")
    services.meeting_close(cycle=cycle, actor=None, open_confirmed=2)
    (row,) = selectors.case_note_rows(cycle)
    assert row.reference == audits[0].case.reference
    assert row.title == "Quality Assurance: case audited"
    assert row.text.startswith("This case was audited on 20 June 2026 as part of the Early Help "
                               "Quality Assurance process. Original audit has been sent to "
                               "manager.")
    assert row.copy_to == "Ira Chair"
    out = io.StringIO()
    assert exports.write_case_notes(out, cycle=cycle) == 1
    header, line = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == exports.CASE_NOTE_HEADER
    assert line[0] == audits[0].case.reference and line[1] == "20/06/2026"
    assert line[4].startswith("'=HYPERLINK")  # a spreadsheet will not run it


def test_the_agenda_reviews_the_last_cycles_follow_ups_and_escalates(framework, council,
                                                                     auditors, fake_solver):
    set_framework(allocation_unit="singles",
                  notification_rules={"non_compliance": ["case_service_manager"]})
    auditors(2)
    may = confirmed_cycle(council["cases"][:1], number=5)
    (may_audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=may, actor=None), actor=None)
    tm = PersonFactory()
    SupervisionItem.objects.create(supervisor=tm, audit=may_audit,
                                   reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT)
    sm = PersonFactory()
    InvolvementFactory(case=may_audit.case, person=sm, role=Involvement.Role.SERVICE_MANAGER)
    june = confirmed_cycle(council["cases"][1:2], number=6)
    services.allocation_confirm(run=services.allocation_propose(cycle=june, actor=None),
                                actor=None)
    june.refresh_from_db()
    (follow_up,) = selectors.follow_ups(june)
    assert follow_up.audit == may_audit and not follow_up.done
    told = services.follow_up_escalate(cycle=june, audit=may_audit, actor=None,
                                       what="a supervision note was not recorded")
    assert told == 1
    notice = Notification.objects.get(recipient=sm)
    assert notice.is_urgent and may_audit.case.reference not in notice.body


def test_one_off_programme_without_a_meeting_reviews_from_the_cycle_page(framework, council,
                                                                        auditors, fake_solver):
    set_framework(allocation_unit="singles")
    auditors(1)
    cycle = services.cycle_create(year=2026, kind=Cycle.Kind.EXTERNAL, name="External audit",
                                  period_start=dt.date(2026, 9, 1),
                                  period_end=dt.date(2026, 10, 30), actor=None)
    CycleCase.objects.create(cycle=cycle, case=council["cases"][0], reason="x",
                             source=CycleCase.Source.RANDOM, status=CycleCase.Status.CONFIRMED)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CASES_CONFIRMED)
    (audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=cycle, actor=None), actor=None)
    submit(audit)
    cycle.refresh_from_db()
    (item,) = services.agenda_build(cycle=cycle, actor=None)
    discuss(item)
    services.meeting_close(cycle=cycle, actor=None, open_confirmed=2)
    assert cycle.events.filter(what__startswith="Audits reviewed").exists()
    assert MeetingItem.objects.get().minutes_allotted == 10


@pytest.mark.parametrize(("rule", "told"), [
    (["case_service_manager"], "service manager"),
    (["case_key_worker"], "key worker"),
])
def test_the_non_compliance_rule_names_who_a_missed_follow_up_is_escalated_to(
        framework, council, auditors, fake_solver, rule, told):
    set_framework(allocation_unit="singles", notification_rules={"non_compliance": rule})
    auditors(2)
    may = confirmed_cycle(council["cases"][:1], number=5)
    (may_audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=may, actor=None), actor=None)
    SupervisionItem.objects.create(supervisor=PersonFactory(), audit=may_audit,
                                   reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT)
    sm = PersonFactory()
    InvolvementFactory(case=may_audit.case, person=sm, role=Involvement.Role.SERVICE_MANAGER)
    june = confirmed_cycle(council["cases"][1:2], number=6)
    services.allocation_confirm(run=services.allocation_propose(cycle=june, actor=None),
                                actor=None)
    june.refresh_from_db()
    services.follow_up_escalate(cycle=june, audit=may_audit, actor=None,
                                what="a supervision note was not recorded")
    whom = {sm.pk: "service manager", may_audit.case.key_worker_id: "key worker"}
    assert {whom.get(n.recipient_id) for n in Notification.objects.filter(is_urgent=True)} \
        == {told}
