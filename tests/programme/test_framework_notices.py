"""Cycle notices raised by the framework's notification rules: "allocation_made" (whoever the
framework names besides the auditors) and "re_audit_due" (a re-audit the cycle has taken
up). Each names no child: a link to the case."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits.services import audit_plan_re_audit
from auditloop.notifications.models import Notification
from auditloop.programme import services
from auditloop.programme.models import CycleCase, CycleNotice
from tests.factories import PersonFactory, make_audit
from tests.programme.conftest import set_framework
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db
K = CycleNotice.Kind
D = dt.date


def _month(council, auditors, *, re_audit: bool = False):  # type: ignore[no-untyped-def]
    set_framework(allocation_unit="singles")
    auditors(2)
    cases = council["cases"][:2]
    for case in cases:
        case.team_manager = PersonFactory()
        case.save()
    cycle = confirmed_cycle(cases)
    if re_audit:
        set_framework(re_audit_by_roles=["auditor"])
        earlier = make_audit(case=cases[0])
        planned = audit_plan_re_audit(of=earlier, actor=None, earliest=D(2026, 6, 1),
                                      latest=D(2026, 7, 31), reason="Graded inadequate")
        CycleCase.objects.filter(cycle=cycle, case=cases[0]).update(planned_audit=planned)
    services.allocation_confirm(run=services.allocation_propose(cycle=cycle, actor=None),
                                actor=None)
    cycle.refresh_from_db()
    return cycle, cases


def _send(cycle, kind, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        services.notices_queue(cycle=cycle, kinds=[kind], actor=None)


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_allocation_made_tells_whom_the_framework_names_besides_the_auditors(
        framework, council, auditors, fake_solver, django_capture_on_commit_callbacks):
    set_framework(notification_rules={"allocation_made": ["case_auditors",
                                                          "case_team_manager"]})
    cycle, cases = _month(council, auditors)
    _send(cycle, K.ALLOCATION, django_capture_on_commit_callbacks)
    tm = cases[0].team_manager
    [notice] = Notification.objects.filter(recipient=tm)
    assert notice.subject == "An audit has been allocated"
    assert notice.link == reverse("cases:case_detail", args=[cases[0].pk])
    assert cases[0].reference not in notice.subject + notice.body
    # The auditors have their own allocation notice, once.
    assert Notification.objects.filter(subject="Your audits for the June 2026 cycle").exists()
    assert not Notification.objects.filter(subject="An audit has been allocated").exclude(
        recipient__in=[c.team_manager for c in cases]).exists()


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_allocation_made_naming_only_the_auditors_tells_nobody_else(
        framework, council, auditors, fake_solver, django_capture_on_commit_callbacks):
    set_framework(notification_rules={"allocation_made": ["case_auditors"]})
    cycle, cases = _month(council, auditors)
    _send(cycle, K.ALLOCATION, django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(subject="An audit has been allocated").exists()
    assert Notification.objects.filter(subject="Your audits for the June 2026 cycle").exists()


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_re_audit_due_tells_whom_the_framework_names_when_the_cycle_takes_it_up(
        framework, council, auditors, fake_solver, django_capture_on_commit_callbacks):
    set_framework(notification_rules={"audit_selected": ["case_key_worker"],
                                      "re_audit_due": ["case_team_manager"]})
    cycle, cases = _month(council, auditors, re_audit=True)
    _send(cycle, K.AUDIT_SELECTED, django_capture_on_commit_callbacks)
    [notice] = Notification.objects.filter(subject="A re-audit is due")
    assert notice.recipient == cases[0].team_manager
    assert "due by 29 June 2026" in notice.body
    assert notice.link == reverse("cases:case_detail", args=[cases[0].pk])
    # The case that is not a re-audit raises no such notice.
    assert not Notification.objects.filter(recipient=cases[1].team_manager,
                                           subject="A re-audit is due").exists()


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_re_audit_due_is_not_raised_when_the_framework_names_nobody(
        framework, council, auditors, fake_solver, django_capture_on_commit_callbacks):
    set_framework(notification_rules={"audit_selected": ["case_key_worker"]})
    cycle, cases = _month(council, auditors, re_audit=True)
    _send(cycle, K.AUDIT_SELECTED, django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(subject="A re-audit is due").exists()


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
def test_the_audit_report_goes_to_whom_the_framework_names(framework, council, auditors,
                                                           fake_solver):
    from auditloop.audits.models import Audit
    from auditloop.programme.models import MeetingItem
    from tests.programme.conftest import submit

    set_framework(notification_rules={"audit_report_after_meeting": ["case_key_worker"]})
    cycle, cases = _month(council, auditors)
    audit = submit(Audit.objects.get(case=cases[0], status=Audit.Status.ALLOCATED))
    services.agenda_build(cycle=cycle, actor=None)
    item = MeetingItem.objects.get(audit=audit)
    services.minutes_save(item=item, actor=None, impact="Better off", needs_met="Yes",
                          strengths="Voice of the child", development="Chronology",
                          discussed=True)
    services.meeting_close(cycle=cycle, actor=None, open_confirmed=1)
    services.notices_send(cycle_id=cycle.pk)
    told = set(Notification.objects.filter(subject="An audit report is ready")
               .values_list("recipient", flat=True))
    assert told == {cases[0].key_worker_id}


# Each event's rule read two ways (one value a run): the same month, different people told.


def _who(person_id, cases):  # type: ignore[no-untyped-def]
    for case in cases:
        if person_id == case.key_worker_id:
            return "key worker"
        if person_id == case.team_manager_id:
            return "team manager"
    return "other"


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
@pytest.mark.parametrize(("rule", "told"), [
    (["case_auditors", "case_team_manager"], {"team manager"}),
    (["case_auditors", "case_key_worker"], {"key worker"}),
    (["case_auditors"], set()),
])
def test_the_allocation_made_rule_names_who_is_told_of_the_allocation(
        framework, council, auditors, fake_solver, django_capture_on_commit_callbacks, rule,
        told):
    set_framework(notification_rules={"allocation_made": rule})
    cycle, cases = _month(council, auditors)
    _send(cycle, K.ALLOCATION, django_capture_on_commit_callbacks)
    assert {_who(p, cases) for p in Notification.objects.filter(
        subject="An audit has been allocated").values_list("recipient", flat=True)} == told


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
@pytest.mark.parametrize(("rule", "told"), [
    (["case_team_manager"], {"team manager"}),
    (["case_key_worker"], {"key worker"}),
    ([], set()),
])
def test_the_re_audit_due_rule_names_who_is_told_of_the_re_audit(
        framework, council, auditors, fake_solver, django_capture_on_commit_callbacks, rule,
        told):
    set_framework(notification_rules={"audit_selected": ["case_auditors"],
                                      "re_audit_due": rule})
    cycle, cases = _month(council, auditors, re_audit=True)
    _send(cycle, K.AUDIT_SELECTED, django_capture_on_commit_callbacks)
    assert {_who(p, cases) for p in Notification.objects.filter(
        subject="A re-audit is due").values_list("recipient", flat=True)} == told


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
@pytest.mark.parametrize(("rule", "told"), [
    (["case_key_worker", "case_team_manager"], {"key worker", "team manager"}),
    (["case_team_manager"], {"team manager"}),
])
def test_the_audit_selected_rule_names_who_is_told_the_case_will_be_audited(
        framework, council, auditors, fake_solver, django_capture_on_commit_callbacks, rule,
        told):
    set_framework(notification_rules={"audit_selected": rule})
    cycle, cases = _month(council, auditors)
    _send(cycle, K.AUDIT_SELECTED, django_capture_on_commit_callbacks)
    assert {_who(p, cases) for p in Notification.objects.filter(
        subject="A case you work with will be audited").values_list("recipient", flat=True)
    } == told


@time_machine.travel(dt.datetime(2026, 5, 20, 9), tick=False)
@pytest.mark.parametrize(("rule", "told"), [
    (["case_key_worker"], {"key worker"}),
    (["case_team_manager"], {"team manager"}),
])
def test_the_audit_report_after_meeting_rule_names_who_gets_the_report(
        framework, council, auditors, fake_solver, rule, told):
    from auditloop.audits.models import Audit
    from auditloop.programme.models import MeetingItem
    from tests.programme.conftest import submit

    set_framework(notification_rules={"audit_report_after_meeting": rule})
    cycle, cases = _month(council, auditors)
    audit = submit(Audit.objects.get(case=cases[0], status=Audit.Status.ALLOCATED))
    services.agenda_build(cycle=cycle, actor=None)
    services.minutes_save(item=MeetingItem.objects.get(audit=audit), actor=None,
                          impact="Better off", needs_met="Yes", strengths="Voice",
                          development="Chronology", discussed=True)
    services.meeting_close(cycle=cycle, actor=None, open_confirmed=1)
    services.notices_send(cycle_id=cycle.pk)
    assert {_who(p, cases) for p in Notification.objects.filter(
        subject="An audit report is ready").values_list("recipient", flat=True)} == told
