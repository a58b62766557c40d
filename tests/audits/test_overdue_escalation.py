"""Overdue audit actions are escalated as the framework says (002's preset: the service
manager the day after the due date, the assistant director 14 days after; 001: senior
management), each step once per action, never for an action signed off as done."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from auditloop.audits.models import ActionEscalation
from auditloop.audits.overdue import overdue_actions_escalate
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set
from tests.audits.tracker_factories import audited_case, council, done, quick_action
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
DUE = dt.date(2026, 6, 10)


def day(n: int) -> dt.date:
    return DUE + dt.timedelta(days=n)


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        w = council()
        w.audit = audited_case(w, reference="C-TRACK-1", child_identifier="CH-SECRET-9")
        w.action = quick_action(w.audit, owner=w.kw, due_on=DUE)
        Notification.objects.all().delete()
        yield w


def told(person) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(recipient=person))


def run(n: int):  # type: ignore[no-untyped-def]
    return overdue_actions_escalate(today=day(n))


def test_nobody_is_told_before_the_first_step(world):
    for n in (-5, 0):
        assert run(n).escalated == []
    assert not Notification.objects.exists() and not ActionEscalation.objects.exists()


def test_the_service_manager_is_told_the_day_after_the_due_date(world):
    report = run(1)
    (row,) = report.escalated
    assert (row.action, row.after_days, row.escalated_on, row.due_on) == (
        world.action, 1, day(1), DUE)
    assert row.to == ["case_service_manager"]
    assert row.told == [{"to": "case_service_manager", "person_id": world.sm.pk,
                         "name": world.sm.full_name}]
    (notice,) = told(world.sm)
    assert notice.link == reverse("actions:action_detail", args=[world.action.pk])
    assert "1 day overdue" in notice.body and world.kw.full_name in notice.body
    # Notices go by e-mail: no child's details, nor the action's own words.
    for secret in ("C-TRACK-1", "CH-SECRET-9", world.action.action, world.action.issue):
        assert secret not in notice.subject + notice.body
    assert told(world.ad) == [] and told(world.tm) == []


def test_a_second_run_the_same_day_or_later_tells_nobody_again(world):
    run(1)
    assert run(1).escalated == []
    assert run(5).escalated == []
    assert len(told(world.sm)) == 1
    assert ActionEscalation.objects.count() == 1


def test_the_assistant_director_is_told_14_days_after_the_due_date(world):
    run(1)
    assert run(13).escalated == []
    (row,) = run(14).escalated
    assert row.after_days == 14 and row.to == ["assistant_director"]
    # The AD above the case's key worker in line management, not every AD.
    PersonFactory(roles=[Role.ASSISTANT_DIRECTOR])
    assert [t["person_id"] for t in row.told] == [world.ad.pk]
    assert len(told(world.ad)) == 1 and len(told(world.sm)) == 1
    assert run(30).escalated == []


def test_a_first_run_long_after_the_due_date_takes_every_step_reached(world):
    report = run(20)
    assert [e.after_days for e in report.escalated] == [1, 14]
    assert len(told(world.sm)) == 1 and len(told(world.ad)) == 1


def test_with_no_ad_above_the_case_every_ad_is_told(world):
    world.sm.line_manager = None
    world.sm.save(update_fields=["line_manager"])
    other_ad = PersonFactory(roles=[Role.ASSISTANT_DIRECTOR])
    (_, row) = run(14).escalated
    assert {t["person_id"] for t in row.told} == {world.ad.pk, other_ad.pk}


def test_actions_signed_off_as_done_are_never_escalated(world):
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
        done(world.action, world)
    assert run(1).escalated == [] and run(40).escalated == []
    assert not Notification.objects.filter(recipient__in=[world.sm, world.ad]).exists()


def test_an_action_waiting_for_sign_off_is_still_escalated(world):
    from auditloop.actions.services import action_submit_for_sign_off

    action_submit_for_sign_off(action=world.action, actor=world.kw, evidence="Done")
    assert len(run(1).escalated) == 1


def test_changing_the_setting_changes_the_timing(world):
    framework_settings_set(values={"overdue_action_escalation": [
        {"after_days": 3, "to": ["case_team_manager", "case_service_manager"]}]},
        actor=None, reason="Three days' grace")
    assert run(1).escalated == [] and run(2).escalated == []
    (row,) = run(3).escalated
    assert row.after_days == 3
    assert {t["person_id"] for t in row.told} == {world.tm.pk, world.sm.pk}
    assert run(14).escalated == []  # the AD's step is gone


def test_no_steps_means_no_escalation(world):
    framework_settings_set(values={"overdue_action_escalation": []}, actor=None, reason="None")
    assert run(60).escalated == []


def test_a_step_that_means_nobody_is_recorded_and_reported(world):
    framework_settings_set(values={"overdue_action_escalation": [
        {"after_days": 1, "to": ["case_iro"]}]}, actor=None, reason="The IRO")
    report = run(1)
    (row,) = report.told_nobody
    assert row.told == [] and row.told_nobody
    assert report.as_dict()["told_nobody"] == [
        {"action": world.action.pk, "audit": world.audit.pk, "after_days": 1,
         "to": ["case_iro"]}]
    assert not Notification.objects.exists()
    assert run(2).escalated == []  # recorded: not tried again every day


def test_001_escalates_to_senior_management(world):
    from auditloop.standards.services import preset_apply

    preset_apply(key="001-early-help-domains")
    senior = PersonFactory(roles=[Role.SENIOR_MANAGER])
    (row,) = run(1).escalated
    assert row.to == ["senior_manager"] and [t["person_id"] for t in row.told] == [senior.pk]


def test_the_daily_command_escalates_and_says_so(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("escalate_actions", "--date", day(1).isoformat(), stdout=out, stderr=err)
    assert out.getvalue().strip() == "1 escalation step taken; 1 person told."
    out = io.StringIO()
    call_command("escalate_actions", "--date", day(1).isoformat(), stdout=out)
    assert out.getvalue().strip() == "0 escalation steps taken; 0 people told."


def test_the_command_reports_steps_that_tell_nobody(world):
    framework_settings_set(values={"overdue_action_escalation": [
        {"after_days": 1, "to": ["case_iro"]}]}, actor=None, reason="The IRO")
    err = io.StringIO()
    call_command("escalate_actions", "--date", day(1).isoformat(), stdout=io.StringIO(),
                 stderr=err)
    assert f"Action {world.action.pk}" in err.getvalue() and "means nobody" in err.getvalue()


def test_the_command_queues_the_task(world):
    # Tests run tasks at once (settings.TASKS): the queued task counts from today.
    out = io.StringIO()
    with time_machine.travel(dt.datetime(2026, 6, 11, 7, 0, tzinfo=dt.UTC), tick=False):
        call_command("escalate_actions", "--queue", stdout=out)
    assert out.getvalue().startswith("Queued the escalation of overdue actions")
    assert ActionEscalation.objects.get().escalated_on == day(1)


def test_the_tracker_shows_each_escalation(world, client_for):
    run(1)
    run(14)
    with time_machine.travel(dt.datetime(2026, 6, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        page = client_for(world.qa).get(reverse("audits:tracker")).content.decode()
    assert f"Escalated <span class=\"app-nowrap\">11 June 2026</span> to {world.sm.full_name}" \
        in page
    assert f"24 June 2026</span> to {world.ad.full_name}" in page


@pytest.mark.parametrize(("after_days", "escalated_on_day_3"), [(3, True), (5, False)])
def test_overdue_action_escalation_sets_when_an_overdue_action_is_escalated(
        world, after_days, escalated_on_day_3):
    framework_settings_set(values={"overdue_action_escalation": [
        {"after_days": after_days, "to": ["case_team_manager"]}]}, actor=None, reason="Test")
    assert bool(run(3).escalated) is escalated_on_day_3
    assert bool(run(5).escalated) is not escalated_on_day_3
