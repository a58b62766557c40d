"""Every framework setting and notice event does what the settings page says: it is read by
code outside the standards app, and a behaviour test changes its value and sees a different
outcome. Only the settings and events in NOT_ACTED_ON_YET are exempt, and the Framework
settings page marks those "Not acted on yet".

Adding a setting or an event without its behaviour (and its test named below) turns this
red."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.urls import reverse

from auditloop.people.roles import Role
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.services import framework_settings_set
from auditloop.standards.settings_spec import (
    EVENTS,
    GROUPS,
    NOT_ACTED_ON_YET,
    NOT_ACTED_ON_YET_TEXT,
    SETTINGS,
    SPECS,
)

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "auditloop"

# Each setting and notice event, and the test that changes its value and sees a different
# outcome ("tests/<path>.py::<test function>").
BEHAVIOUR: dict[str, str] = {
    # Audit tools
    "tools": "tests/standards/test_tool_versions.py::"
             "test_the_only_version_of_a_tool_in_the_framework_cannot_be_deleted",
    # Cycles and themes
    "cycles_per_year": "tests/programme/test_setting_behaviours.py::"
                       "test_cycles_per_year_sets_the_cycles_and_their_span",
    "cycle_ends_in_qa_meeting": "tests/programme/test_cycles.py::"
                                "test_without_a_qa_meeting_the_cycle_has_none",
    "qa_meeting_timing": "tests/programme/test_setting_behaviours.py::"
                         "test_qa_meeting_timing_moves_the_meeting_into_the_next_cycles_first_week",
    "qa_meeting_minutes_per_case": "tests/programme/test_setting_behaviours.py::"
                                   "test_minutes_for_each_case_are_given_to_the_agenda",
    "theme_plan": "tests/programme/test_cycles.py::test_the_theme_comes_from_the_years_plan",
    "next_theme_from_qa_meeting": "tests/programme/test_cycles.py::test_the_last_meetings_"
                                  "prevalent_issue_sets_the_theme_when_the_meeting_said_so",
    "monthly_learning_session": "tests/programme/test_setting_behaviours.py::"
                                "test_a_monthly_learning_session_is_held_only_where_the_"
                                "framework_holds_one",
    # Choosing cases
    "sample_size_min": "tests/programme/test_selection.py::"
                       "test_a_range_of_cases_a_cycle_draws_a_number_within_it_from_the_seed",
    "sample_size_max": "tests/programme/test_selection.py::"
                       "test_a_range_of_cases_a_cycle_draws_a_number_within_it_from_the_seed",
    "coverage_target_percent": "tests/programme/test_selection.py::"
                               "test_favouring_teams_short_of_the_target",
    "coverage_target_months": "tests/programme/test_selection.py::"
                              "test_favouring_teams_short_of_the_target",
    "period_under_review_months": "tests/audits/test_period_under_review.py::"
                                  "test_a_new_audit_covers_the_frameworks_months_of_practice",
    "eligible_services": "tests/programme/test_setting_behaviours.py::"
                         "test_eligible_services_narrow_the_draw",
    "open_cases_only": "tests/programme/test_selection.py::"
                       "test_closed_cases_only_when_asked_and_never_where_the_framework_forbids",
    "sample_spread_across_localities": "tests/programme/test_setting_behaviours.py::"
                                       "test_spreading_across_localities_starts_the_draw_"
                                       "stratified",
    "selection_modes": "tests/programme/test_selection_modes.py::"
                       "test_random_and_drift_start_ticked_only_where_the_framework_uses_them",
    "exclusions": "tests/programme/test_selection.py::"
                  "test_cases_audited_recently_are_left_out_of_the_draw",
    "avoid_same_key_worker_consecutive_cycles": "tests/programme/test_selection.py::"
                                                "test_a_key_worker_audited_last_cycle_is_"
                                                "avoided_where_possible",
    "audit_list_days_before_cycle": "tests/programme/test_audit_list_due.py::"
                                    "test_a_longer_setting_tells_them_earlier_and_none_tells_"
                                    "nobody",
    # Drift
    "taf_interval_weeks_min": "tests/quality/test_findings.py::"
                              "test_the_taf_interval_reads_the_frameworks_from_weeks",
    "taf_interval_weeks_max": "tests/programme/test_setting_behaviours.py::"
                              "test_the_drift_thresholds_are_the_frameworks",
    "taf_interval_weeks_acceptable": "tests/quality/test_findings.py::"
                                     "test_the_taf_interval_reads_the_to_and_acceptable_weeks",
    "taf_plan_current_weeks": "tests/quality/test_findings.py::test_a_current_taf_plan_"
                              "is_dated_within_the_frameworks_weeks_of_the_last_meeting",
    "initial_review_weeks_after_taf": "tests/programme/test_setting_behaviours.py::"
                                      "test_the_initial_review_after_the_taf_meeting_is_drift_"
                                      "by_the_setting",
    "plan_open_audit_months": "tests/programme/test_setting_behaviours.py::"
                              "test_the_drift_thresholds_are_the_frameworks",
    "plan_open_contact_coordinator_months": "tests/programme/test_selection.py::"
                                            "test_drift_adds_cases_and_a_plan_open_too_long_"
                                            "means_contacting_its_coordinator",
    "assessment_current_months": "tests/quality/test_findings.py::"
                                 "test_the_assessment_is_current_for_the_frameworks_months",
    # Allocation
    "allocation_unit": "tests/programme/test_setting_behaviours.py::"
                       "test_the_allocation_unit_sets_how_many_auditors_each_case_needs",
    "pairs_formed_at_random": "tests/programme/test_pairs_at_random.py::"
                              "test_earlier_pairings_are_varied_only_when_pairs_are_formed_at_"
                              "random",
    "cases_per_unit_min": "tests/programme/test_cases_per_unit_min.py::"
                          "test_someone_given_fewer_cases_than_the_least_is_named",
    "cases_per_unit_max": "tests/programme/test_allocation.py::"
                          "test_with_no_cap_every_case_is_covered_when_the_rules_allow",
    "auditor_roles": "tests/audits/test_new_audit.py::"
                     "test_the_qa_manager_creates_an_audit_for_a_pair",
    "auditors_must_be_trained": "tests/programme/test_allocation.py::"
                                "test_involvement_line_management_and_absence_forbid_with_"
                                "reasons",
    "conflict_involved_with_case": "tests/audits/test_conflicts.py::"
                                   "test_each_rule_holds_on_every_path",
    "conflict_line_management_depth": "tests/audits/test_conflicts.py::test_the_depth_"
                                      "setting_reaches_further_up_the_line_and_never_below_"
                                      "direct_reports",
    "auditor_may_ask_for_another_case": "tests/programme/test_allocation.py::"
                                        "test_auditors_may_not_decline_where_the_framework_"
                                        "says_so",
    "auditors_may_decline": "tests/programme/test_allocation.py::"
                            "test_auditors_may_not_decline_where_the_framework_says_so",
    "partner_completes_alone_if_absent": "tests/programme/test_allocation.py::test_an_absent_"
                                         "auditor_is_replaced_where_partners_do_not_complete_"
                                         "alone",
    "allocation_notice_days_before_meeting": "tests/programme/test_setting_behaviours.py::"
                                             "test_allocation_notice_days_set_when_"
                                             "allocations_are_due",
    "audit_notice_days": "tests/programme/test_setting_behaviours.py::"
                         "test_audit_notice_days_set_when_those_holding_the_cases_are_told",
    # The audit
    "practitioner_sees_audit": "tests/audits/test_audit_page.py::test_the_practitioner_and_"
                               "their_managers_read_it_once_the_framework_allows",
    "worker_perspective_form": "tests/audits/test_voices.py::"
                               "test_no_perspective_is_asked_for_when_the_framework_does_not_"
                               "use_the_form",
    "learning_conversation_minutes": "tests/audits/test_voices.py::"
                                     "test_without_a_framework_minimum_any_length_is_booked",
    "family_contact": "tests/audits/test_family_contact_setting.py::"
                      "test_the_voices_page_expects_family_contact_only_where_the_framework_"
                      "does",
    "feedback_to_previous_practitioner": "tests/audits/test_feedback.py::"
                                         "test_earlier_feedback_is_sent_only_where_the_"
                                         "framework_says",
    "reflective_discussion": "tests/audits/test_escalations.py::"
                             "test_no_reflective_discussion_where_the_framework_asks_for_none",
    "practitioner_replies_to_feedback": "tests/audits/test_feedback.py::"
                                        "test_the_key_worker_and_team_manager_reply_with_"
                                        "comments",
    "case_note_when": "tests/audits/test_case_note_when.py::"
                      "test_never_means_no_case_note_and_the_page_says_so",
    "case_note_title": "tests/audits/test_exports.py::"
                       "test_the_case_note_follows_the_frameworks_own_wording",
    "case_note_text": "tests/audits/test_exports.py::"
                      "test_without_wording_of_its_own_the_case_note_uses_001s",
    # Disagreement and moderation
    "disagreement_settled_by": "tests/audits/test_feedback.py::"
                               "test_both_routes_go_to_the_head_of_qa_then_the_panel",
    "moderation_share_percent": "tests/moderation/test_sample.py::"
                                "test_unsubmitted_audits_are_not_eligible",
    "moderate_disputed_audits": "tests/moderation/test_sample.py::test_disputed_audits_join_"
                                "the_random_draw_when_the_framework_says_not_to_add_them",
    "moderation_panel_roles": "tests/moderation/test_panel_members.py::"
                              "test_the_setting_reads_and_shows_a_role_in_a_unit",
    "audit_quality_review": "tests/moderation/test_audit_quality_review.py::"
                            "test_auditors_are_flagged_for_mentoring_only_when_the_framework_"
                            "reviews_audit_quality",
    "agreement_window_months": "tests/moderation/test_audit_quality_review.py::"
                               "test_the_agreement_window_sets_which_reviews_count",
    "agreement_min_audits": "tests/moderation/test_figures.py::"
                            "test_groups_under_the_floor_show_their_count_only",
    "mentoring_threshold_percent": "tests/moderation/test_audit_quality_review.py::"
                                   "test_the_mentoring_threshold_sets_who_is_flagged",
    # Who is told, escalation
    "contacts": "tests/audits/test_immediate_concern.py::"
                "test_named_contacts_are_shown_with_their_mailbox",
    "notification_rules": "tests/audits/test_immediate_concern.py::"
                          "test_the_framework_names_who_is_told_and_who_must_be_told_verbally",
    "escalation_grades": "tests/audits/test_escalations.py::"
                         "test_grades_for_re_audit_and_for_the_alert_are_separate_settings",
    "immediate_concern_sign_off_role": "tests/audits/test_immediate_concern.py::"
                                       "test_the_framework_chooses_who_signs_off_concern_"
                                       "actions",
    "immediate_concern_wider_review": "tests/audits/test_immediate_concern.py::"
                                      "test_a_wider_look_is_not_offered_where_the_framework_"
                                      "does_not",
    # Actions, re-audit and closing the loop
    "action_deadline_days": "tests/audits/test_action_deadline.py::"
                            "test_no_limit_is_shown_when_the_framework_sets_none",
    "actions_signed_off_by": "tests/audits/test_event_rules.py::"
                             "test_actions_are_signed_off_by_whom_the_framework_names",
    "overdue_action_escalation": "tests/audits/test_overdue_escalation.py::"
                                 "test_changing_the_setting_changes_the_timing",
    "ri_actions_reviewed_at_next_qa_meeting": "tests/programme/test_ri_follow_ups.py::"
                                              "test_the_next_meeting_reviews_requires_"
                                              "improvement_discussions_when_the_framework_"
                                              "says",
    "ri_discussion_recorded_in": "tests/audits/test_escalations.py::"
                                 "test_requires_improvement_names_where_the_framework_says_the_"
                                 "note_goes",
    "re_audit_grades": "tests/audits/test_escalations.py::"
                       "test_grades_for_re_audit_and_for_the_alert_are_separate_settings",
    "re_audit_after_months_min": "tests/audits/test_escalations.py::"
                                 "test_the_re_audit_window_and_who_re_audits_come_from_the_"
                                 "settings",
    "re_audit_after_months_max": "tests/audits/test_escalations.py::"
                                 "test_the_re_audit_window_and_who_re_audits_come_from_the_"
                                 "settings",
    "re_audit_by_roles": "tests/audits/test_escalations.py::"
                         "test_the_re_audit_window_and_who_re_audits_come_from_the_settings",
    "closing_loop_revisit_months": "tests/programme/test_revisits.py::"
                                   "test_nothing_is_scheduled_when_the_framework_has_no_"
                                   "revisits",
    "action_plan_review_months": "tests/actions/test_action_plans.py::"
                                 "test_without_a_cadence_a_plan_has_no_review_date",
    "post_audit_briefing": "tests/programme/test_learning_sessions.py::"
                           "test_a_session_the_framework_does_not_hold_is_refused",
    # Notice events (notification_rules)
    "audit_selected": "tests/programme/test_notices.py::"
                      "test_those_holding_each_case_are_told_by_the_frameworks_rules",
    "allocation_made": "tests/programme/test_framework_notices.py::"
                       "test_allocation_made_tells_whom_the_framework_names_besides_the_"
                       "auditors",
    "worker_perspective_requested": "tests/audits/test_voices.py::"
                                    "test_the_framework_can_name_more_people_to_tell_of_the_"
                                    "request",
    "worker_perspective_completed": "tests/audits/test_event_rules.py::"
                                    "test_worker_perspective_completed_goes_to_whom_the_"
                                    "framework_names",
    "immediate_concern": "tests/audits/test_immediate_concern.py::"
                         "test_the_framework_names_who_is_told_and_who_must_be_told_verbally",
    "past_unsafe_practice": "tests/audits/test_immediate_concern.py::"
                            "test_unsafe_practice_in_the_past_also_tells_that_events_"
                            "recipients",
    "unresolved_safeguarding": "tests/audits/test_escalations.py::"
                               "test_an_open_concern_at_submit_tells_the_unresolved_"
                               "safeguarding_recipients",
    "inadequate": "tests/audits/test_escalations.py::"
                  "test_inadequate_critical_alerts_001s_service_manager_and_team_manager",
    "requires_improvement": "tests/audits/test_escalations.py::"
                            "test_a_requires_improvement_notice_rule_alone_asks_for_the_smart_"
                            "actions",
    "audit_submitted": "tests/audits/test_submitted_notices.py::"
                       "test_audit_submitted_tells_whom_the_framework_names_and_nobody_"
                       "otherwise",
    "audit_report_after_meeting": "tests/programme/test_framework_notices.py::"
                                  "test_the_audit_report_goes_to_whom_the_framework_names",
    "feedback_to_practitioner": "tests/audits/test_event_rules.py::"
                                "test_feedback_to_practitioner_goes_to_whom_the_framework_"
                                "names",
    "actions_created": "tests/audits/test_event_rules.py::"
                       "test_actions_created_goes_to_whom_the_framework_names",
    "remedial_action": "tests/audits/test_submitted_notices.py::test_remedial_action_tells_"
                       "the_lead_professional_and_manager_when_actions_are_recorded",
    "non_compliance": "tests/programme/test_meeting.py::"
                      "test_the_agenda_reviews_the_last_cycles_follow_ups_and_escalates",
    "disagreement": "tests/audits/test_feedback.py::"
                    "test_both_routes_go_to_the_head_of_qa_then_the_panel",
    "previous_practitioner_feedback": "tests/audits/test_earlier_feedback_notice.py::"
                                      "test_naming_only_the_earlier_key_worker_leaves_their_"
                                      "manager_out",
    "re_audit_due": "tests/programme/test_framework_notices.py::"
                    "test_re_audit_due_tells_whom_the_framework_names_when_the_cycle_takes_it_"
                    "up",
}


def _setting_keys() -> list[str]:
    shown = [name for _group, rows in GROUPS for name, _label, _help in rows]
    return sorted(set(shown) | set(SPECS))


def _event_keys() -> list[str]:
    return sorted(EVENTS)


ALL_KEYS = _setting_keys() + _event_keys()


def _source_outside_standards() -> str:
    texts = []
    for path in SRC.rglob("*"):
        if path.suffix not in (".py", ".html") or "migrations" in path.parts:
            continue
        if path.relative_to(SRC).parts[0] in ("standards", "demo"):
            continue
        texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


SOURCE = _source_outside_standards()


def test_every_shown_setting_is_a_model_field() -> None:
    fields = {f.name for f in FrameworkSettings._meta.get_fields()}
    assert set(_setting_keys()) <= fields
    assert set(_setting_keys()) == set(SETTINGS)


@pytest.mark.parametrize("key", [k for k in ALL_KEYS if k not in NOT_ACTED_ON_YET])
def test_the_key_is_read_by_code_outside_the_standards_app(key: str) -> None:
    # As an attribute (row.case_note_when, settings.family_contact) or a key/event name.
    name = re.escape(key)
    pattern = re.compile(rf"(\.{name}\b|[\"']{name}[\"'])")
    assert pattern.search(SOURCE), (
        f"Nothing outside standards/ reads “{key}”: act on it, or put it in "
        "NOT_ACTED_ON_YET (the page then says so).")


@pytest.mark.parametrize("key", [k for k in ALL_KEYS if k not in NOT_ACTED_ON_YET])
def test_the_key_has_a_behaviour_test_that_exists(key: str) -> None:
    assert key in BEHAVIOUR, f"Name the test that changes “{key}” and sees a different outcome."
    path, name = BEHAVIOUR[key].split("::")
    assert (ROOT / path).is_file(), BEHAVIOUR[key]
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert callable(getattr(module, name, None)), BEHAVIOUR[key]


def test_the_registry_and_the_exempt_list_name_only_real_keys() -> None:
    assert set(BEHAVIOUR) <= set(ALL_KEYS) - set(NOT_ACTED_ON_YET)
    assert set(NOT_ACTED_ON_YET) <= set(ALL_KEYS)
    assert len(set(NOT_ACTED_ON_YET)) == len(NOT_ACTED_ON_YET)


@pytest.mark.django_db
def test_the_framework_page_marks_what_is_not_acted_on_yet(role_client) -> None:  # type: ignore[no-untyped-def]
    framework_settings_set(values={
        "reports": [{"report": "Quarterly overview", "frequency": "quarterly"}],
        "notification_rules": {"practice_alert": ["case_team_manager"],
                               "inadequate": ["case_team_manager"]},
    }, actor=None)
    client, _ = role_client(Role.QA_MANAGER)
    page = client.get(reverse("standards:framework")).content.decode()
    settings_shown = [k for k in NOT_ACTED_ON_YET if k in SETTINGS]
    assert page.count(f'govuk-tag--grey">{NOT_ACTED_ON_YET_TEXT}<') == len(settings_shown)
    assert "raises a practice alert: The case&#39;s team manager (not acted on yet)" in page \
        or "raises a practice alert: The case's team manager (not acted on yet)" in page
    assert "graded inadequate: The case&#39;s team manager (not acted on yet)" not in page
