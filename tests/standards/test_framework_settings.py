"""Framework settings: changed in the browser, checked, and every change recorded."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.urls import reverse
from markupsafe import escape

from auditloop.common.errors import DomainError
from auditloop.people.roles import Role
from auditloop.standards import selectors, services, settings_spec
from auditloop.standards.models import FrameworkSettingChange
from tests.standards.conftest import SMALL_TOOL

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def _edit(client, name: str, value, reason: str = ""):  # type: ignore[no-untyped-def]
    return client.post(reverse("standards:setting_edit", args=[name]),
                       {"value": value, "reason": reason})


def test_qa_manager_changes_a_setting_and_sees_it_recorded(role_client):
    client, person = role_client(Role.QA_MANAGER)
    with time_machine.travel(NOON, tick=False):
        response = _edit(client, "action_deadline_days", "40", "Seed 002: 40 days at most")
        page = client.get(response["Location"]).content.decode()
    assert response.status_code == 302 and response["Location"] == reverse(
        "standards:framework_page", args=["actions"])
    assert selectors.framework_settings_row().action_deadline_days == 40
    change = FrameworkSettingChange.objects.get()
    assert (change.setting, change.old_value, change.new_value) == (
        "action_deadline_days", None, 40)
    assert change.changed_by == person.user and change.changed_at == NOON
    assert change.reason == "Seed 002: 40 days at most"
    assert "Audit actions completed within (days)" in page
    assert person.full_name in html.unescape(page) and "2 March 2026, 12:00pm" in page


def test_saving_the_same_value_records_nothing(qa_manager_client):
    _edit(qa_manager_client, "cycles_per_year", "12")
    assert not FrameworkSettingChange.objects.exists()


def test_a_yes_no_setting(qa_manager_client):
    _edit(qa_manager_client, "avoid_same_key_worker_consecutive_cycles", "yes")
    assert selectors.framework_settings_row().avoid_same_key_worker_consecutive_cycles is True
    change = FrameworkSettingChange.objects.get()
    assert (change.old_value, change.new_value) == (False, True)


def test_roles_are_chosen_from_the_role_list(qa_manager_client):
    qa_manager_client.post(reverse("standards:setting_edit", args=["re_audit_by_roles"]),
                           {"value": [Role.SENIOR_MANAGER]})
    assert selectors.framework_settings_row().re_audit_by_roles == ["senior_manager"]
    bad = qa_manager_client.post(reverse("standards:setting_edit", args=["re_audit_by_roles"]),
                                 {"value": ["Tracy Lysons"]})
    assert "Select the roles that re-audit from the list" in bad.content.decode()


def test_a_rule_between_settings_is_checked(qa_manager_client):
    _edit(qa_manager_client, "sample_size_max", "6")
    response = _edit(qa_manager_client, "sample_size_min", "8")
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert "The smallest number of cases a cycle (8) is more than the largest (6)." in body
    assert selectors.framework_settings_row().sample_size_min is None


def test_who_is_told_is_written_as_yaml_and_checked_with_line_numbers(qa_manager_client):
    response = _edit(qa_manager_client, "notification_rules",
                     "immediate_concern:\n  - to: case_team_manager\n    how: [shout]\n")
    body = response.content.decode()
    assert "line 3, immediate_concern[case_team_manager].how" not in body  # items named by #n
    assert "line 3, immediate_concern[#1].how[#1]: “shout” is not allowed here" in body
    response = _edit(qa_manager_client, "notification_rules",
                     "immediate_concern:\n  - Tracy Lysons\n")
    assert "“Tracy Lysons” is not a role, a relationship to the case or contact:&lt;key&gt;" \
        in response.content.decode()


def test_a_named_contact_must_exist_before_it_is_told(qa_manager_client):
    rules = "immediate_concern:\n  - to: contact:family_support_manager\n    at_once: yes\n"
    response = _edit(qa_manager_client, "notification_rules", rules)
    assert "is not one of the named contacts" in response.content.decode()
    _edit(qa_manager_client, "contacts",
          "- key: family_support_manager\n  label: Family Support Manager\n")
    assert _edit(qa_manager_client, "notification_rules", rules).status_code == 302
    row = selectors.framework_settings_row()
    assert row.notification_rules["immediate_concern"][0] == {
        "to": "contact:family_support_manager", "how": [], "at_once": True,
        "where_appropriate": False, "note": ""}
    page = qa_manager_client.get(
        reverse("standards:framework_page", args=["notices"])).content.decode()
    assert "An immediate safeguarding concern is raised: Family Support Manager (at once)" in page


def test_the_years_themes_are_edited_cycle_by_cycle(qa_manager_client):
    response = qa_manager_client.post(reverse("standards:setting_edit", args=["theme_plan"]),
                                      {"theme_1": "Neglect", "theme_3": "Young carers",
                                       "reason": "Agreed at the QA meeting"})
    assert response.status_code == 302
    assert selectors.framework_settings_row().theme_plan == [
        {"cycle": 1, "theme": "Neglect", "note": ""},
        {"cycle": 3, "theme": "Young carers", "note": ""}]


def test_the_qa_meetings_prevalent_issue_sets_the_next_theme():
    services.framework_theme_set(cycle=2, theme="Domestic abuse", actor=None,
                                 source=FrameworkSettingChange.Source.QA_MEETING)
    services.framework_theme_set(cycle=2, theme="Neglect", actor=None)
    row = selectors.framework_settings_row()
    assert row.theme_plan == [{"cycle": 2, "theme": "Neglect", "note": ""}]
    sources = list(FrameworkSettingChange.objects.order_by("id").values_list("source",
                                                                             flat=True))
    assert sources == ["qa_meeting", "page"]


def test_grades_must_belong_to_the_tools_in_use():
    services.tool_version_create(text=SMALL_TOOL, filename="small.yaml")
    services.framework_setting_change(setting="tools", value=["small-tool"], actor=None)
    services.framework_setting_change(setting="re_audit_grades", value=["poor"], actor=None)
    with pytest.raises(DomainError, match="“inadequate” is not a grade of the tools in use"):
        services.framework_setting_change(setting="re_audit_grades", value=["inadequate"],
                                          actor=None)


def test_a_tool_must_exist_to_be_in_use():
    with pytest.raises(DomainError, match="There is no tool called “missing”"):
        services.framework_setting_change(setting="tools", value=["missing"], actor=None)


def test_the_history_cannot_be_rewritten():
    services.framework_setting_change(setting="cycles_per_year", value=6, actor=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        FrameworkSettingChange.objects.update(new_value=12)
    with pytest.raises(DatabaseError), transaction.atomic():
        FrameworkSettingChange.objects.all().delete()
    assert FrameworkSettingChange.objects.get().new_value == 6


def test_every_setting_has_a_page_and_a_label(qa_manager_client):
    for name, setting in settings_spec.SETTINGS.items():
        response = qa_manager_client.get(reverse("standards:setting_edit", args=[name]))
        assert response.status_code == 200, name
        assert str(escape(setting.label)) in response.content.decode()


def test_an_unknown_setting_is_not_found(qa_manager_client):
    assert qa_manager_client.get(
        reverse("standards:setting_edit", args=["no_such_setting"])).status_code == 404


def test_the_full_history_lists_every_change(qa_manager_client):
    for n in (6, 12, 4):
        services.framework_setting_change(setting="cycles_per_year", value=n, actor=None)
    body = qa_manager_client.get(reverse("standards:framework_history")).content.decode()
    assert body.count("Cycles a year") == 3


@pytest.mark.parametrize("preset", ["000", "001", "002", "003", "004"])
def test_every_written_setting_saves_back_unchanged(preset, qa_manager_client):
    """The text shown for a list setting reads back as the same value: saving it untouched
    records no change."""
    services.preset_apply(key=preset)
    before = FrameworkSettingChange.objects.count()
    for name, setting in settings_spec.SETTINGS.items():
        if setting.editor != "yaml":
            continue
        url = reverse("standards:setting_edit", args=[name])
        shown = qa_manager_client.get(url).context["form"]["value"].value()
        response = qa_manager_client.post(url, {"value": shown or ""})
        assert response.status_code == 302, (name, response.content.decode()[-2000:])
    assert FrameworkSettingChange.objects.count() == before
