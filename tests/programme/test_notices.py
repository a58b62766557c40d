"""The cycle's notices: to the auditors, to those who hold or oversee each case, reminders,
overdue audits, and the audit reports after the meeting. Tray and e-mail, never a child's
details, never twice."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from auditloop.audits.models import Audit
from auditloop.cases.models import Involvement
from auditloop.common.errors import DomainError
from auditloop.notifications.models import Notification
from auditloop.programme import services
from auditloop.programme.models import CycleNotice, MeetingItem, NoticeSent
from tests.factories import InvolvementFactory, PersonFactory
from tests.programme.conftest import set_framework, submit
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db
K = CycleNotice.Kind
D = dt.date


@pytest.fixture
def month(framework, council, auditors, fake_solver, django_capture_on_commit_callbacks):
    set_framework(allocation_unit="singles")
    people = auditors(2)
    cases = council["cases"][:3]
    for case in cases:
        case.key_worker.email = "kw@example.org"
        case.key_worker.save()
        case.team_manager = PersonFactory(email="tm@example.org")
        case.save()
    cycle = confirmed_cycle(cases)
    audits = services.allocation_confirm(
        run=services.allocation_propose(cycle=cycle, actor=None), actor=None)
    cycle.refresh_from_db()
    return {"cycle": cycle, "audits": audits, "auditors": people, "cases": cases}


def send(cycle, kinds, capture):
    with capture(execute=True):
        return services.notices_queue(cycle=cycle, kinds=kinds, actor=None)


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_auditors_get_one_notice_each_in_tray_and_email(month, django_capture_on_commit_callbacks):
    a, b = month["auditors"]
    for p in (a, b):
        p.email = f"{p.staff_number}@example.org"
        p.save()
    (batch,) = send(month["cycle"], [K.ALLOCATION], django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status == CycleNotice.Status.SENT and batch.sent_count == 2
    assert not batch.late
    notice = Notification.objects.get(recipient=a)
    assert notice.subject == "Your audits for the June 2026 cycle"
    assert "2 audits" in notice.body and "due by 29 June 2026" in notice.body
    assert notice.link == reverse("programme:my_audits")
    assert {m.to[0] for m in mail.outbox} >= {a.email, b.email}


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_those_holding_each_case_are_told_by_the_frameworks_rules(
        month, django_capture_on_commit_callbacks):
    iro = PersonFactory()
    InvolvementFactory(case=month["cases"][0], person=iro, role=Involvement.Role.IRO)
    (batch,) = send(month["cycle"], [K.AUDIT_SELECTED], django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    # The framework names the key worker and team manager (not the IRO) for this event.
    assert batch.sent_count == 6
    assert not Notification.objects.filter(recipient=iro).exists()
    kw = month["cases"][0].key_worker
    notice = Notification.objects.get(recipient=kw)
    assert notice.subject == "A case you work with will be audited"
    assert notice.link == reverse("cases:case_detail", args=[month["cases"][0].pk])
    assert "from 1 June 2026 to 29 June 2026" in notice.body


# On time: the framework's dates are not the subject here.
@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_no_notice_carries_a_childs_details(month, django_capture_on_commit_callbacks):
    set_framework(notification_rules={})  # the default: SW, TM, SM and IRO (002)
    iro = PersonFactory()
    InvolvementFactory(case=month["cases"][0], person=iro, role=Involvement.Role.IRO)
    send(month["cycle"], [K.ALLOCATION, K.AUDIT_SELECTED], django_capture_on_commit_callbacks)
    assert Notification.objects.filter(recipient=iro).exists()
    texts = " ".join(n.subject + n.body for n in Notification.objects.all())
    texts += " ".join(m.subject + m.body for m in mail.outbox)
    for case in month["cases"]:
        assert case.reference not in texts and case.child_identifier not in texts


# On time: the framework's dates are not the subject here.
@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_sending_again_tells_nobody_twice(month, django_capture_on_commit_callbacks):
    send(month["cycle"], [K.ALLOCATION], django_capture_on_commit_callbacks)
    (again,) = send(month["cycle"], [K.ALLOCATION], django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert again.sent_count == 0 and again.status == CycleNotice.Status.SENT
    assert Notification.objects.count() == 2 == NoticeSent.objects.count()


@time_machine.travel(dt.datetime(2026, 5, 28, 9), tick=False)
def test_notice_later_than_the_framework_allows_is_marked_late(
        month, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        allocation, selected = services.notices_queue(
            cycle=month["cycle"], kinds=[K.ALLOCATION, K.AUDIT_SELECTED], actor=None,
            late_reason="The list was confirmed late")
    assert not allocation.late and not allocation.late_reason  # allocations by 1 June
    # Notice by 25 May (a week before the audit period): late, with its reason.
    assert selected.late and selected.late_reason == "The list was confirmed late"


def test_notices_wait_for_the_right_step(framework, council, django_capture_on_commit_callbacks):
    cycle = confirmed_cycle(council["cases"][:1])
    with pytest.raises(DomainError, match="cannot be sent while the cycle is at"):
        services.notices_queue(cycle=cycle, kinds=[K.ALLOCATION], actor=None)
    with pytest.raises(DomainError, match="Choose which notices"):
        services.notices_queue(cycle=cycle, kinds=[], actor=None)


# On time: the framework's dates are not the subject here.
@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_the_background_task_gets_the_cycles_id(month, django_capture_on_commit_callbacks,
                                                monkeypatch):
    from auditloop.programme import tasks

    seen = []

    class Recorder:
        def enqueue(self, *args, **kwargs):
            seen.append((args, kwargs))

    monkeypatch.setattr(tasks, "send_cycle_notices", Recorder())
    with django_capture_on_commit_callbacks(execute=True):
        services.notices_queue(cycle=month["cycle"], kinds=[K.ALLOCATION], actor=None)
    assert seen == [((month["cycle"].pk,), {})]  # an id: never personal data
    assert CycleNotice.objects.get().status == CycleNotice.Status.QUEUED
    assert services.notices_send(cycle_id=month["cycle"].pk) == 2


# On time: the framework's dates are not the subject here.
@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_a_failed_batch_says_so_and_sends_the_rest(month, monkeypatch):
    from auditloop.programme.services import notices

    def broken(*args, **kwargs):
        raise RuntimeError("mail server down")

    monkeypatch.setitem(notices.BUILDERS, K.ALLOCATION, broken)
    services.notices_queue(cycle=month["cycle"], kinds=[K.ALLOCATION, K.AUDIT_SELECTED],
                           actor=None)
    services.notices_send(cycle_id=month["cycle"].pk)
    failed = CycleNotice.objects.get(kind=K.ALLOCATION)
    assert failed.status == CycleNotice.Status.FAILED and "Try again" in failed.message
    assert CycleNotice.objects.get(kind=K.AUDIT_SELECTED).status == CycleNotice.Status.SENT


def test_reminders_go_to_auditors_of_audits_due_within_the_week(month):
    a, b = month["auditors"]
    services.notices_queue(cycle=month["cycle"], kinds=[K.REMINDER], actor=None)
    assert services.notices_send(cycle_id=month["cycle"].pk, today=D(2026, 6, 10)) == 0
    services.notices_queue(cycle=month["cycle"], kinds=[K.REMINDER], actor=None)
    submit(month["audits"][0])
    assert services.notices_send(cycle_id=month["cycle"].pk, today=D(2026, 6, 24)) == 2
    assert Notification.objects.filter(subject="An audit is due soon").count() == 2


def test_overdue_audits_are_flagged_to_the_qa_manager_once(month):
    qa = PersonFactory(roles=["qa_manager"])
    submit(month["audits"][0])
    services.notices_queue(cycle=month["cycle"], kinds=[K.OVERDUE], actor=None)
    assert services.notices_send(cycle_id=month["cycle"].pk, today=D(2026, 7, 1)) == 2
    notices = Notification.objects.filter(recipient=qa)
    assert notices.count() == 2 and all(n.is_urgent for n in notices)
    services.notices_queue(cycle=month["cycle"], kinds=[K.OVERDUE], actor=None)
    assert services.notices_send(cycle_id=month["cycle"].pk, today=D(2026, 7, 2)) == 0


def test_the_daily_reminder_covers_every_allocated_cycle(month):
    made = services.reminders_due()
    assert {n.kind for n in made} == {K.REMINDER, K.OVERDUE}


def test_audit_reports_go_to_the_practitioners_managers_after_the_meeting(month):
    audit = submit(month["audits"][0])
    services.agenda_build(cycle=month["cycle"], actor=None)
    item = MeetingItem.objects.get(audit=audit)
    services.minutes_save(item=item, actor=None, impact="Better off", needs_met="Yes",
                          strengths="Voice of the child", development="Chronology",
                          discussed=True)
    services.meeting_close(cycle=month["cycle"], actor=None, open_confirmed=2)
    services.notices_send(cycle_id=month["cycle"].pk)
    tm = month["cases"][0].team_manager
    notice = Notification.objects.get(recipient=tm)
    assert notice.subject == "An audit report is ready"
    item.refresh_from_db()
    assert item.report_sent_at is not None
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.DISCUSSED
