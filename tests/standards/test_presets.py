"""Presets 000-004: each loads and validates, sets its seed's rules, and applying is idempotent."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from auditloop.common.errors import DomainError
from auditloop.standards import presets, selectors, services
from auditloop.standards.models import FrameworkSettingChange, ToolVersion

pytestmark = pytest.mark.django_db
KEYS = ["000-eha-signs-of-wellbeing", "001-early-help-domains", "002-six-key-areas",
        "003-caf-tiered", "004-focus-areas"]


def test_there_is_one_preset_for_each_seed():
    found = presets.shipped_presets()
    assert [p.key for p in found] == KEYS
    assert [p.seed for p in found] == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("key", KEYS)
def test_each_preset_applies_with_its_tools(key):
    result = services.preset_apply(key=key)
    preset = result.preset
    row = selectors.framework_settings_row()
    assert row.preset_key == key
    assert row.tools == preset.tool_keys
    for tool_key in preset.tool_keys:
        assert selectors.latest_version(tool_key) is not None
    assert all(created for _, created in result.tools)
    assert result.changes and all(c.preset_key == key for c in result.changes)


@pytest.mark.parametrize("key", KEYS)
def test_applying_a_preset_again_changes_nothing(key):
    services.preset_apply(key=key)
    versions = ToolVersion.objects.count()
    history = FrameworkSettingChange.objects.count()
    again = services.preset_apply(key=key)
    assert again.changes == []
    assert not any(created for _, created in again.tools)
    assert (ToolVersion.objects.count(), FrameworkSettingChange.objects.count()) == (
        versions, history)
    _, planned, tools = services.preset_plan(key=key)
    assert planned == [] and tools == []


def test_switching_presets_leaves_nothing_of_the_first():
    services.preset_apply(key="001-early-help-domains")
    services.preset_apply(key="003-caf-tiered")
    row = selectors.framework_settings_row()
    assert row.allocation_unit == "singles" and not row.pairs_formed_at_random
    assert row.re_audit_by_roles == [] and row.case_note_when == "never"
    assert row.tools == ["003-tier-2-caf-toolkit", "003-tier-1-quality-control"]


def test_preset_000_sets_the_eha_rules():
    services.preset_apply(key="000")
    row = selectors.framework_settings_row()
    assert (row.sample_size_min, row.sample_size_max) == (8, 8)
    assert (row.initial_review_weeks_after_taf, row.plan_open_audit_months,
            row.plan_open_contact_coordinator_months) == (6, 9, 12)
    assert row.notification_rules["inadequate"][0]["to"] == "coordinator_line_manager"
    assert row.notification_rules["unresolved_safeguarding"][0]["to"] == \
        "coordinator_line_manager"
    filters = {f["filter"]: f["value"] for m in row.selection_modes for f in m["filters"]}
    assert filters["open_longer_than_months"] == "24"
    assert row.auditor_roles == ["early_help_officer"]


def test_preset_001_sets_pairs_meetings_and_re_audit():
    services.preset_apply(key="001")
    row = selectors.framework_settings_row()
    assert (row.cycles_per_year, row.cycle_ends_in_qa_meeting, row.qa_meeting_minutes_per_case) \
        == (12, True, 10)
    assert (row.allocation_unit, row.pairs_formed_at_random, row.cases_per_unit_min,
            row.cases_per_unit_max) == ("pairs", True, 2, 2)
    assert row.conflict_line_management_depth == 1 and row.partner_completes_alone_if_absent
    assert row.allocation_notice_days_before_meeting == 14
    assert (row.re_audit_after_months_min, row.re_audit_after_months_max,
            row.re_audit_by_roles) == (2, 3, ["senior_manager"])
    assert row.re_audit_grades == ["inadequate", "inadequate_critical"]
    assert row.disagreement_settled_by == "head_of_qa"
    assert row.practitioner_sees_audit == "after_qa_meeting"
    assert row.case_note_title == "Quality Assurance: case audited"
    assert row.next_theme_from_qa_meeting and row.worker_perspective_form
    assert row.ri_discussion_recorded_in == "a supervision or management oversight case note"


def test_preset_002_sets_moderation_notice_and_deadlines():
    services.preset_apply(key="002")
    row = selectors.framework_settings_row()
    assert row.moderation_share_percent == Decimal("33.33")
    assert row.moderate_disputed_audits and row.disagreement_settled_by == "moderation_panel"
    # 002: the service manager of the Safeguarding and Review Unit, not every one.
    assert row.moderation_panel_roles == ["assistant_director", "principal_social_worker",
                                          "qa_manager",
                                          "service_manager:Safeguarding and Review Unit"]
    assert row.audit_notice_days == 7
    assert [n["to"] for n in row.notification_rules["audit_selected"]] == [
        "case_key_worker", "case_team_manager", "case_service_manager", "case_iro"]
    concern = row.notification_rules["immediate_concern"]
    assert concern[0]["how"] == ["verbal", "tray"] and concern[0]["at_once"]
    assert row.immediate_concern_sign_off_role == "assistant_director"
    assert (row.action_deadline_days, row.actions_signed_off_by) == (40, "case_team_manager")
    assert row.period_under_review_months == 6 and row.closing_loop_revisit_months == 6
    assert row.avoid_same_key_worker_consecutive_cycles
    assert row.reflective_discussion == "next_supervision"
    assert row.learning_conversation_minutes == 60 and row.family_contact
    assert row.immediate_concern_wider_review
    observations = [a for a in row.other_activities
                    if a["activity"] == "observation_of_practice"]
    assert [(a["of"], a["per_year"], a["at_least_one_of"], a["months"])
            for a in observations] == [
        (["practitioner"], 2, "direct work with a child/young person or family member", [1, 7]),
        (["team_manager"], 2, "supervision", [1, 7])]


def test_preset_003_sets_sample_drift_and_escalation():
    services.preset_apply(key="003")
    row = selectors.framework_settings_row()
    assert (row.sample_size_min, row.sample_size_max) == (6, 8)
    assert (row.coverage_target_percent, row.coverage_target_months) == (Decimal("20.00"), 12)
    assert (row.taf_interval_weeks_min, row.taf_interval_weeks_max,
            row.taf_interval_weeks_acceptable) == (4, 6, 8)
    assert (row.cases_per_unit_min, row.cases_per_unit_max) == (1, 2)
    assert row.conflict_involved_with_case and row.auditor_may_ask_for_another_case
    concern = {n["to"]: n for n in row.notification_rules["immediate_concern"]}
    assert concern["contact:family_support_manager"]["at_once"]
    assert concern["contact:mash"]["where_appropriate"]
    assert {"case_key_worker", "case_team_manager"} <= set(concern)
    assert {c["key"] for c in row.contacts} >= {"family_support_manager", "mash"}
    past = {n["to"] for n in row.notification_rules["past_unsafe_practice"]}
    assert past == {"contact:family_support_manager", "contact:mash"}
    assert not row.auditors_may_decline


def test_preset_004_tags_the_childs_journey_and_trains_auditors():
    services.preset_apply(key="004")
    row = selectors.framework_settings_row()
    assert row.auditors_must_be_trained and row.audit_quality_review
    modes = {m["mode"]: m for m in row.selection_modes}
    assert modes["previously_audited"]["months"] == 6
    assert len(modes["indicator_led"]["filters"]) == 6
    version = selectors.latest_version("004-focus-areas")
    assert version is not None and version.definition["tag_question"] == "journey.journey"


def test_an_unknown_preset_names_the_presets():
    with pytest.raises(DomainError, match="The presets are: 000-eha-signs-of-wellbeing"):
        services.preset_apply(key="cumbria")


def test_the_preset_command_lists_and_applies():
    out = StringIO()
    call_command("preset", "list", stdout=out)
    listing = out.getvalue()
    for key in KEYS:
        assert key in listing
    out = StringIO()
    call_command("preset", "apply", "003-caf-tiered", stdout=out)
    text = out.getvalue()
    assert "tool 003-tier-2-caf-toolkit: version 1 (new version)" in text
    assert FrameworkSettingChange.objects.filter(source="command").exists()
    out = StringIO()
    call_command("preset", "apply", "003-caf-tiered", stdout=out)
    assert "0 settings changed" in out.getvalue() and "(unchanged)" in out.getvalue()
    out = StringIO()
    call_command("preset", "list", stdout=out)
    assert "003-caf-tiered  (applied)" in out.getvalue()


def test_the_preset_command_explains_a_bad_name():
    with pytest.raises(CommandError, match="There is no preset called"):
        call_command("preset", "apply", "nope", stdout=StringIO())


def test_the_qa_manager_sees_what_a_preset_changes_before_applying_it(qa_manager_client):
    url = reverse("standards:preset_apply", args=["002-six-key-areas"])
    preview = qa_manager_client.get(url).content.decode()
    assert "settings would change" in preview and "Share of each cycle" in preview
    assert not FrameworkSettingChange.objects.exists()
    response = qa_manager_client.post(url)
    assert response.status_code == 302
    assert selectors.framework_settings_row().preset_key == "002-six-key-areas"
    again = qa_manager_client.get(url).content.decode()
    assert "applying it changes nothing" in again
