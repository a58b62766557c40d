"""Scheduled changes: a setting takes a new value from a date (002's transition arrangement)."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from auditloop.common.errors import DomainError
from auditloop.people.roles import Role
from auditloop.standards import presets, selectors, services
from auditloop.standards.models import FrameworkSettingChange, ScheduledSettingChange
from tests.factories import PersonFactory
from tests.standards.test_pages import BASE

pytestmark = pytest.mark.django_db
JUNE = dt.date(2022, 6, 15)  # the seed's own month: "as of June 2022"
DECEMBER = dt.date(2022, 12, 1)
JANUARY = dt.date(2023, 1, 1)
FEBRUARY = dt.date(2023, 2, 1)
PIT = ["qa_manager", "auditor"]  # 002: "all audit activity ... by the Practice Improvement Team"


def _preset_002_text() -> str:
    return resources.files("auditloop.standards").joinpath(
        "presets/002-six-key-areas.yaml").read_text("utf-8")


def _at(day: dt.date, hour: int = 9) -> time_machine.travel:
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC),
                               tick=False)


def _schedule(setting: str, value, on: dt.date, actor=None, today: dt.date = JUNE,  # type: ignore[no-untyped-def]
              reason: str = "") -> ScheduledSettingChange:
    return services.scheduled_change_create(setting=setting, value=value, effective_on=on,
                                            actor=actor, today=today, reason=reason)


# Scheduling checks the value as a change made today is checked.

def test_a_role_that_does_not_exist_is_refused_with_the_same_message_as_a_change_today():
    with pytest.raises(DomainError) as today:
        services.framework_setting_change(setting="auditor_roles", value=["qa_manager", "wizard"],
                                          actor=None)
    with pytest.raises(DomainError) as later:
        _schedule("auditor_roles", ["qa_manager", "wizard"], DECEMBER)
    assert later.value.message == today.value.message
    assert "“wizard” is not allowed here; use one of qa_manager" in later.value.message
    assert later.value.field == "auditor_roles"
    assert not ScheduledSettingChange.objects.exists()
    assert not FrameworkSettingChange.objects.exists()


def test_the_schedule_page_refuses_a_bad_role_as_the_change_page_does(qa_manager_client):
    bad = {"value": ["wizard"], "reason": ""}
    now = qa_manager_client.post(reverse("standards:setting_edit", args=["auditor_roles"]), bad)
    later = qa_manager_client.post(
        reverse("standards:scheduled_change_new") + "?setting=auditor_roles",
        {**bad, "effective_on": "2099-12-01"})
    message = "Select the roles that audit from the list"
    assert message in now.content.decode() and message in later.content.decode()
    assert later.status_code == 200 and not ScheduledSettingChange.objects.exists()


def test_rules_between_settings_are_checked_against_the_settings_on_that_day():
    services.framework_setting_change(setting="sample_size_max", value=6, actor=None)
    with pytest.raises(DomainError, match=r"The smallest number of cases a cycle \(8\) is "
                                          r"more than the largest \(6\)"):
        _schedule("sample_size_min", 8, DECEMBER)
    # With the largest raised first, on or before that day, it is fine.
    _schedule("sample_size_max", 10, dt.date(2022, 11, 1))
    _schedule("sample_size_min", 8, DECEMBER)
    assert ScheduledSettingChange.objects.count() == 2


def test_a_date_that_is_not_after_today_is_refused():
    with pytest.raises(DomainError, match="Choose a date after today") as refused:
        _schedule("audit_notice_days", 7, JUNE, today=JUNE)
    assert refused.value.field == "effective_on"


def test_scheduling_the_value_the_setting_will_have_anyway_is_refused():
    with pytest.raises(DomainError, match="will already have this value"):
        _schedule("cycles_per_year", 12, DECEMBER)


# Due changes are applied once, through the normal change path.

def test_due_changes_apply_once_with_who_scheduled_them_and_later_ones_wait(person_with_role):
    qa = person_with_role(Role.QA_MANAGER)
    services.framework_setting_change(setting="auditor_roles", value=PIT, actor=None)
    december = _schedule("auditor_roles", [*PIT, "team_manager", "iro"], DECEMBER,
                         actor=qa.user, reason="Managers begin auditing")
    january = _schedule("auditor_roles", [*PIT, "team_manager", "iro", "panel_adviser"],
                        JANUARY, actor=qa.user)
    history = FrameworkSettingChange.objects.count()

    assert services.framework_scheduled_changes_apply(today=dt.date(2022, 11, 30)) == []
    assert selectors.framework_settings_row().auditor_roles == PIT

    with _at(DECEMBER):
        applied = services.framework_scheduled_changes_apply(today=DECEMBER)
        again = services.framework_scheduled_changes_apply(today=DECEMBER)
    assert [c.pk for c in applied] == [december.pk] and again == []
    assert selectors.framework_settings_row().auditor_roles == [*PIT, "team_manager", "iro"]
    change = FrameworkSettingChange.objects.order_by("-id").first()
    assert FrameworkSettingChange.objects.count() == history + 1
    assert change is not None
    assert (change.setting, change.source, change.changed_by) == ("auditor_roles", "scheduled",
                                                                  qa.user)
    assert change.old_value == PIT and change.new_value == [*PIT, "team_manager", "iro"]
    assert change.changed_at == dt.datetime(2022, 12, 1, 9, tzinfo=dt.UTC)
    assert change.reason == "Scheduled for 1 December 2022: Managers begin auditing"
    december.refresh_from_db()
    january.refresh_from_db()
    assert december.applied_change == change and december.applied_at == change.changed_at
    assert january.pending

    with _at(JANUARY):
        assert [c.pk for c in services.framework_scheduled_changes_apply(today=JANUARY)] == [
            january.pk]
    assert "panel_adviser" in selectors.framework_settings_row().auditor_roles
    assert FrameworkSettingChange.objects.count() == history + 2


def test_a_cancelled_change_never_applies_and_an_applied_one_cannot_be_cancelled(
    person_with_role,
):
    qa = person_with_role(Role.HEAD_OF_QA)
    notice = _schedule("audit_notice_days", 7, DECEMBER)
    deadline = _schedule("action_deadline_days", 40, DECEMBER)
    services.scheduled_change_cancel(change=notice, actor=qa.user)
    services.scheduled_change_cancel(change=notice, actor=qa.user)  # twice: nothing more
    notice.refresh_from_db()
    assert notice.cancelled_by == qa.user and notice.cancelled_at is not None
    with _at(DECEMBER):
        applied = services.framework_scheduled_changes_apply(today=DECEMBER)
    assert [c.pk for c in applied] == [deadline.pk]
    row = selectors.framework_settings_row()
    assert row.audit_notice_days is None and row.action_deadline_days == 40
    with pytest.raises(DomainError, match="took effect on 1 December 2022, so it cannot be "
                                          "cancelled"):
        services.scheduled_change_cancel(change=deadline, actor=qa.user)


def test_a_change_the_rules_refuse_on_the_day_waits_and_says_why():
    late = _schedule("sample_size_min", 8, DECEMBER)
    services.framework_setting_change(setting="sample_size_max", value=6, actor=None)
    other = _schedule("audit_notice_days", 7, DECEMBER)
    applied = services.framework_scheduled_changes_apply(today=DECEMBER)
    assert [c.pk for c in applied] == [other.pk]  # the others are applied all the same
    late.refresh_from_db()
    assert late.pending and "The smallest number of cases a cycle (8)" in late.problem
    assert selectors.framework_settings_row().sample_size_min is None
    services.framework_setting_change(setting="sample_size_max", value=10, actor=None)
    assert [c.pk for c in services.framework_scheduled_changes_apply(today=DECEMBER)] == [
        late.pk]
    late.refresh_from_db()
    assert late.problem == "" and selectors.framework_settings_row().sample_size_min == 8


def test_a_change_to_a_value_the_setting_already_has_is_applied_without_a_history_row():
    change = _schedule("audit_notice_days", 7, DECEMBER)
    services.framework_setting_change(setting="audit_notice_days", value=7, actor=None)
    history = FrameworkSettingChange.objects.count()
    assert services.framework_scheduled_changes_apply(today=DECEMBER) == [change]
    change.refresh_from_db()
    assert change.applied_at is not None and change.applied_change is None
    assert FrameworkSettingChange.objects.count() == history


def test_a_scheduled_change_cannot_be_edited_or_marked_twice():
    change = _schedule("audit_notice_days", 7, DECEMBER)
    with pytest.raises(DatabaseError), transaction.atomic():
        ScheduledSettingChange.objects.filter(pk=change.pk).update(value=14)
    services.framework_scheduled_changes_apply(today=DECEMBER)
    with pytest.raises(DatabaseError), transaction.atomic():
        ScheduledSettingChange.objects.filter(pk=change.pk).update(applied_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledSettingChange.objects.filter(pk=change.pk).update(cancelled_at=timezone.now())
    change.refresh_from_db()
    assert change.value == 7 and change.cancelled_at is None


# Presets carry scheduled changes.

def test_preset_002_schedules_its_transition_from_the_day_it_is_applied():
    with _at(JUNE):
        result = services.preset_apply(key="002")
    assert selectors.framework_settings_row().auditor_roles == PIT
    made = list(ScheduledSettingChange.objects.order_by("effective_on"))
    assert [(c.setting, c.effective_on, c.preset_key, c.preset_entry) for c in made] == [
        ("auditor_roles", DECEMBER, "002-six-key-areas", "managers-begin-auditing"),
        ("auditor_roles", JANUARY, "002-six-key-areas", "all-managers-cycle"),
        ("eligible_services", FEBRUARY, "002-six-key-areas", "fostering-joins"),
    ]
    assert result.scheduled == made
    december, january = (set(c.value) for c in made[:2])
    assert "fostering" in made[2].value  # "Fostering Services ... in early 2023"
    # "all managers from Assistant Director to Team Manager level including IRO/FIRO/CP
    # Chairs/Panel Advisors"; the Practice Improvement Team stays.
    assert {"assistant_director", "service_manager", "team_manager", "iro",
            "panel_adviser", *PIT} <= december
    assert "assistant_team_manager" not in december
    assert january - december == {"assistant_team_manager", "practice_assessor_lead"}
    assert "Seed 002" in made[0].reason


def test_applying_a_preset_again_does_not_schedule_its_changes_twice():
    with _at(JUNE):
        services.preset_apply(key="002")
    with _at(dt.date(2022, 7, 20)):
        again = services.preset_apply(key="002")
    assert again.scheduled == [] and again.changes == []
    assert ScheduledSettingChange.objects.count() == 3
    assert set(ScheduledSettingChange.objects.values_list("effective_on", flat=True)) == {
        DECEMBER, JANUARY, FEBRUARY}


def test_applying_the_preset_again_after_its_transition_keeps_the_transition():
    with _at(JUNE):
        services.preset_apply(key="002")
    with _at(DECEMBER):
        services.framework_scheduled_changes_apply(today=DECEMBER)
    december_roles = selectors.framework_settings_row().auditor_roles
    history = FrameworkSettingChange.objects.count()
    with _at(dt.date(2022, 12, 10)):
        again = services.preset_apply(key="002")
        _, planned, tools = services.preset_plan(key="002")
    assert again.changes == [] and again.scheduled == [] and planned == [] and tools == []
    assert selectors.framework_settings_row().auditor_roles == december_roles
    assert FrameworkSettingChange.objects.count() == history
    assert ScheduledSettingChange.objects.filter(applied_at__isnull=True).count() == 2


def test_switching_presets_cancels_the_first_presets_changes_but_not_the_councils(
    person_with_role,
):
    qa = person_with_role(Role.QA_MANAGER)
    with _at(JUNE):
        services.preset_apply(key="002")
        own = _schedule("audit_notice_days", 10, DECEMBER, actor=qa.user)
        switched = services.preset_apply(key="003", actor=qa.user)
    assert len(switched.cancelled) == 3
    assert list(selectors.scheduled_changes_waiting()) == [own]
    with _at(dt.date(2022, 8, 3)):
        back = services.preset_apply(key="002")
    # Applied afresh, the preset starts its transition again from the day it is applied.
    assert [c.effective_on for c in back.scheduled] == [dt.date(2023, 2, 1),
                                                        dt.date(2023, 3, 1),
                                                        dt.date(2023, 4, 1)]
    assert len(selectors.scheduled_changes_waiting()) == 4


def test_a_preset_step_gives_after_months_or_a_date_and_a_past_date_applies_at_once():
    text = _preset_002_text()
    base = text.split("\nscheduled:")[0]
    both = base + ("\nscheduled:\n  - key: both\n    after_months: 6\n"
                   "    effective_on: 2022-12-01\n    settings:\n      audit_notice_days: 8\n")
    with pytest.raises(DomainError, match=r"scheduled\[both\]: give either after_months or "
                                          "effective_on"):
        presets.read_preset(both, "002-six-key-areas.yaml")
    not_a_day = both.replace("    after_months: 6\n", "").replace("2022-12-01", "2022-13-01")
    with pytest.raises(DomainError, match="“2022-13-01” is not a date"):
        presets.read_preset(not_a_day, "002-six-key-areas.yaml")
    bad_rule = both.replace("    after_months: 6\n", "").replace(
        "audit_notice_days: 8", "sample_size_min: 9\n      sample_size_max: 3")
    with pytest.raises(DomainError, match=r"scheduled\[both\]: The smallest number of cases"):
        presets.read_preset(bad_rule, "002-six-key-areas.yaml")
    fixed = presets.read_preset(both.replace("    after_months: 6\n", ""), "x.yaml")
    step = fixed.scheduled[0]
    assert step.date_from(dt.date(2030, 1, 1)) == DECEMBER
    assert presets.get_preset("002").scheduled[0].date_from(dt.date(2022, 6, 30)) == DECEMBER


def test_a_preset_step_dated_in_the_past_takes_effect_when_the_preset_is_applied(monkeypatch):
    text = _preset_002_text().replace(
        "    after_months: 6\n", "    effective_on: 2022-12-01\n", 1)
    preset = presets.read_preset(text, "002-six-key-areas.yaml")
    monkeypatch.setattr(presets, "get_preset", lambda key: preset)
    with _at(dt.date(2024, 3, 4)):
        result = services.preset_apply(key="002")
    assert [c.preset_entry for c in result.applied] == ["managers-begin-auditing"]
    assert "iro" in selectors.framework_settings_row().auditor_roles
    assert FrameworkSettingChange.objects.filter(source="scheduled").count() == 1


# The pages.

def test_the_framework_page_lists_the_changes_to_come_and_applies_those_due(role_client):
    client, person = role_client(Role.HEAD_OF_QA)
    with _at(JUNE):
        services.preset_apply(key="002", actor=person.user)
        client.force_login(person.user)  # a session begun on the day
        body = client.get(reverse("standards:framework")).content.decode()
    assert "Changes to come" in body
    assert "1 December 2022" in body and "1 January 2023" in body
    assert "Panel adviser" in body and "Preset: Monthly thematic audits on six key areas" in body
    with _at(DECEMBER, hour=10):
        client.force_login(person.user)
        body = client.get(reverse("standards:framework")).content.decode()
    assert "panel_adviser" in selectors.framework_settings_row().auditor_roles
    assert "Scheduled for 1 December 2022" in body  # in the recent changes
    assert [c.effective_on for c in selectors.scheduled_changes_waiting()] == [JANUARY,
                                                                               FEBRUARY]


def test_the_qa_manager_schedules_a_change_on_the_page(role_client):
    client, person = role_client(Role.QA_MANAGER)
    url = reverse("standards:scheduled_change_new")
    assert "Which setting?" in client.get(url).content.decode()
    page = client.get(url + "?setting=audit_notice_days")
    assert page.status_code == 200 and "From which date?" in page.content.decode()
    assert client.get(url + "?setting=no_such_setting").status_code == 404
    with _at(JUNE):
        client.force_login(person.user)
        past = client.post(url + "?setting=audit_notice_days",
                           {"effective_on": "2022-06-15", "value": "7"})
        assert "Choose a date after today" in past.content.decode()
        response = client.post(url + "?setting=audit_notice_days",
                               {"effective_on": "2022-12-01", "value": "7",
                                "reason": "Seed 002: a week's notice"})
    assert response.status_code == 302
    assert response["Location"] == reverse("standards:framework") + "#scheduled"
    change = ScheduledSettingChange.objects.get()
    assert (change.setting, change.value, change.effective_on, change.created_by,
            change.reason) == ("audit_notice_days", 7, DECEMBER, person.user,
                               "Seed 002: a week's notice")


def test_the_years_themes_can_be_scheduled(qa_manager_client):
    url = reverse("standards:scheduled_change_new") + "?setting=theme_plan"
    with _at(JUNE):
        response = qa_manager_client.post(url, {"effective_on": "2023-01-01",
                                                "theme_1": "Neglect"})
    assert response.status_code == 302
    assert ScheduledSettingChange.objects.get().value == [
        {"cycle": 1, "theme": "Neglect", "note": ""}]


def test_the_qa_manager_cancels_a_change_on_the_page(role_client):
    client, person = role_client(Role.QA_MANAGER)
    change = _schedule("audit_notice_days", 7, dt.date(2099, 1, 1), today=timezone.localdate())
    url = reverse("standards:scheduled_change_cancel", args=[change.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.cancelled_by == person.user
    assert "No changes are scheduled." in client.get(
        reverse("standards:framework")).content.decode()
    assert client.post(reverse("standards:scheduled_change_cancel", args=[99999])
                       ).status_code == 404


def test_an_applied_change_is_not_cancelled_from_the_page(qa_manager_client):
    change = _schedule("audit_notice_days", 7, DECEMBER)
    services.framework_scheduled_changes_apply(today=DECEMBER)
    response = qa_manager_client.post(
        reverse("standards:scheduled_change_cancel", args=[change.pk]), follow=True)
    assert "so it cannot be cancelled" in response.content.decode()
    change.refresh_from_db()
    assert change.cancelled_at is None


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ASSISTANT_DIRECTOR, Role.TEAM_MANAGER])
def test_only_those_who_manage_the_framework_schedule_or_cancel(role, role_client):
    client, _ = role_client(role)
    change = _schedule("audit_notice_days", 7, dt.date(2099, 1, 1), today=timezone.localdate())
    new = reverse("standards:scheduled_change_new") + "?setting=audit_notice_days"
    assert client.get(new).status_code == 403
    assert client.post(new, {"effective_on": "2099-02-01", "value": "8"}).status_code == 403
    assert client.post(reverse("standards:scheduled_change_cancel",
                               args=[change.pk])).status_code == 403
    change.refresh_from_db()
    assert change.pending and ScheduledSettingChange.objects.count() == 1


def test_the_schedule_page_refuses_other_methods(qa_manager_client):
    url = reverse("standards:scheduled_change_new") + "?setting=audit_notice_days"
    assert qa_manager_client.put(url).status_code == 405


def test_the_preset_page_shows_the_changes_it_would_schedule(qa_manager_client):
    url = reverse("standards:preset_apply", args=["002-six-key-areas"])
    with _at(JUNE):
        preview = qa_manager_client.get(url).content.decode()
        assert "3 changes would be scheduled for later" in preview
        assert "1 December 2022" in preview and "1 January 2023" in preview
        qa_manager_client.post(url)
        assert "applying it changes nothing" in qa_manager_client.get(url).content.decode()
        other = qa_manager_client.get(reverse("standards:preset_apply",
                                              args=["003-caf-tiered"])).content.decode()
    assert "Changes another preset scheduled would be cancelled" in other


@pytest.mark.parametrize("waiting", [1, 6])
def test_the_settings_page_has_no_query_per_scheduled_change(
    waiting, qa_manager_client, django_assert_max_num_queries,
):
    services.preset_apply(key="002")
    for n in range(waiting):
        _schedule("audit_notice_days", n + 10, dt.date(2099, 1, n + 1),
                  actor=PersonFactory().user, today=timezone.localdate())
    # The changes to come (with who scheduled them), the settings, the recent history, and
    # the names of the tools in use (the overview shows them by name, not key).
    with django_assert_max_num_queries(BASE + 4):
        response = qa_manager_client.get(reverse("standards:framework"))
    assert len(response.context["scheduled"]) == waiting + 3


# The daily command.

def test_the_command_applies_due_changes_for_a_day():
    _schedule("audit_notice_days", 7, DECEMBER)
    _schedule("action_deadline_days", 40, JANUARY)
    out = StringIO()
    call_command("framework", "apply-scheduled", "--today", "2022-12-01", stdout=out)
    assert "2022-12-01: Days' notice that a case will be audited (changed)" in out.getvalue()
    assert "1 scheduled changes applied for 2022-12-01." in out.getvalue()
    out = StringIO()
    call_command("framework", "apply-scheduled", "--today", "2022-12-01", stdout=out)
    assert "0 scheduled changes applied" in out.getvalue()
    row = selectors.framework_settings_row()
    assert (row.audit_notice_days, row.action_deadline_days) == (7, None)


def test_the_command_fails_loudly_when_a_due_change_cannot_be_applied():
    _schedule("sample_size_min", 8, DECEMBER)
    services.framework_setting_change(setting="sample_size_max", value=6, actor=None)
    err = StringIO()
    with pytest.raises(CommandError, match="1 scheduled changes are due but could not be "
                                           "applied"):
        call_command("framework", "apply-scheduled", "--today", "2022-12-01",
                     stdout=StringIO(), stderr=err)
    assert "sample_size_min could not be applied: The smallest number" in err.getvalue()
    with pytest.raises(CommandError, match="is not a date"):
        call_command("framework", "apply-scheduled", "--today", "1/12/2022")


def test_the_preset_command_says_what_it_schedules():
    out = StringIO()
    with _at(JUNE):
        call_command("preset", "apply", "002", "--dry-run", stdout=out)
        assert "from 2022-12-01: Who audits (scheduled)" in out.getvalue()
        assert not ScheduledSettingChange.objects.exists()
        out = StringIO()
        call_command("preset", "apply", "002", stdout=out)
    assert "3 changes scheduled" in out.getvalue()
    assert "from 2023-01-01: Who audits" in out.getvalue()

