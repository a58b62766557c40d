"""Every framework setting and notice event does what the settings page says: it is read by
code outside the standards app, and a behaviour test changes its value and sees a different
outcome. Only the settings and events in NOT_ACTED_ON_YET are exempt, and the Framework
settings page marks those "Not acted on yet".

Adding a setting or an event without its behaviour (and its test named below) turns this
red, and so does naming a test that never mentions the key: the named test, or a helper or
table of its own module that it uses, must set that setting (or that event's notice rule)."""

from __future__ import annotations

import ast
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
    PAGES,
    SETTINGS,
    SPECS,
)

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "auditloop"

# Each setting and notice event, and the test that changes its value and sees a different
# outcome ("tests/<path>.py::<test function>").
BEHAVIOUR: dict[str, str] = {
    # What families and staff tell us
    "feedback_link_days": "tests/voice/test_closure_invitations.py::"
                          "test_feedback_link_days_sets_how_long_a_link_works",
    "survey_anonymity_threshold": "tests/voice/test_surveys.py::"
                                  "test_survey_anonymity_threshold_sets_the_fewest_answers_shown",
    # Audit tools
    "tools": "tests/standards/test_setting_behaviours_more.py::"
             "test_tools_decide_whether_imported_records_join_the_quality_control_queue",
    # Cycles and themes
    "cycles_per_year": "tests/programme/test_setting_behaviours.py::"
                       "test_cycles_per_year_sets_the_cycles_and_their_span",
    "cycle_ends_in_qa_meeting": "tests/programme/test_setting_behaviours.py::"
                                "test_cycle_ends_in_qa_meeting_decides_whether_a_cycle_has_a_"
                                "meeting",
    "qa_meeting_timing": "tests/programme/test_setting_behaviours.py::"
                         "test_qa_meeting_timing_moves_the_meeting_into_the_next_cycles_first_week",
    "qa_meeting_minutes_per_case": "tests/programme/test_setting_behaviours.py::"
                                   "test_minutes_for_each_case_are_given_to_the_agenda",
    "theme_plan": "tests/programme/test_setting_behaviours.py::"
                  "test_theme_plan_gives_each_cycle_its_planned_theme",
    "next_theme_from_qa_meeting": "tests/programme/test_setting_behaviours.py::"
                                  "test_next_theme_from_qa_meeting_ticks_the_meetings_sets_next_"
                                  "theme_box",
    "monthly_learning_session": "tests/programme/test_setting_behaviours.py::"
                                "test_a_monthly_learning_session_is_held_only_where_the_"
                                "framework_holds_one",
    # Choosing cases
    "sample_size_min": "tests/programme/test_selection.py::"
                       "test_sample_size_min_sets_the_least_drawn",
    "sample_size_max": "tests/programme/test_selection.py::"
                       "test_sample_size_max_sets_the_most_drawn",
    "coverage_target_percent": "tests/programme/test_selection.py::"
                               "test_coverage_target_percent_sets_which_teams_are_short",
    "coverage_target_months": "tests/programme/test_selection.py::"
                              "test_coverage_target_months_sets_how_far_back_audits_count",
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
                  "test_exclusions_leave_out_cases_audited_within_the_frameworks_months",
    "avoid_same_key_worker_consecutive_cycles": "tests/programme/test_selection.py::"
                                                "test_avoid_same_key_worker_consecutive_cycles_"
                                                "flags_last_cycles_key_workers",
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
                                            "test_plan_open_contact_coordinator_months_sets_"
                                            "which_plans_need_a_contact",
    "assessment_current_months": "tests/quality/test_findings.py::"
                                 "test_the_assessment_is_current_for_the_frameworks_months",
    "cp_visit_working_days": "tests/indicators/test_returns_visits.py::"
                             "test_cp_visit_working_days_sets_the_interval_for_children_on_a_plan",
    "cla_visit_weeks": "tests/indicators/test_returns_visits.py::"
                       "test_cla_visit_weeks_sets_the_interval_for_children_in_care",
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
    "auditor_roles": "tests/standards/test_setting_behaviours_more.py::"
                     "test_auditor_roles_decide_who_may_be_chosen_to_audit",
    "auditors_must_be_trained": "tests/programme/test_setting_behaviours.py::"
                                "test_auditors_must_be_trained_decides_whether_untrained_"
                                "auditors_may_audit",
    "conflict_involved_with_case": "tests/audits/test_conflicts.py::"
                                   "test_each_rule_holds_on_every_path",
    "conflict_line_management_depth": "tests/audits/test_conflicts.py::test_the_depth_"
                                      "setting_reaches_further_up_the_line_and_never_below_"
                                      "direct_reports",
    "auditor_may_ask_for_another_case": "tests/programme/test_setting_behaviours.py::"
                                        "test_auditors_may_decline_and_ask_for_another_case_"
                                        "decide_whether_one_may_decline",
    "auditors_may_decline": "tests/programme/test_setting_behaviours.py::"
                            "test_auditors_may_decline_and_ask_for_another_case_decide_whether_"
                            "one_may_decline",
    "partner_completes_alone_if_absent": "tests/programme/test_setting_behaviours.py::"
                                         "test_partner_completes_alone_if_absent_decides_between_"
                                         "alone_and_a_replacement",
    "allocation_notice_days_before_meeting": "tests/programme/test_setting_behaviours.py::"
                                             "test_allocation_notice_days_set_when_"
                                             "allocations_are_due",
    "audit_notice_days": "tests/programme/test_setting_behaviours.py::"
                         "test_audit_notice_days_set_when_those_holding_the_cases_are_told",
    # The audit
    "practitioner_sees_audit": "tests/audits/test_audit_page.py::test_the_practitioner_and_"
                               "their_managers_read_it_once_the_framework_allows",
    "worker_perspective_form": "tests/audits/test_voices.py::"
                               "test_worker_perspective_form_decides_whether_the_key_worker_is_"
                               "asked",
    "learning_conversation_minutes": "tests/audits/test_voices.py::"
                                     "test_learning_conversation_minutes_sets_the_shortest_"
                                     "booking",
    "family_contact": "tests/audits/test_family_contact_setting.py::"
                      "test_the_voices_page_expects_family_contact_only_where_the_framework_"
                      "does",
    "feedback_to_previous_practitioner": "tests/audits/test_feedback.py::"
                                         "test_feedback_to_previous_practitioner_decides_whether_"
                                         "earlier_feedback_is_sent",
    "reflective_discussion": "tests/audits/test_escalations.py::"
                             "test_reflective_discussion_setting_decides_whether_supervision_has_"
                             "one",
    "practitioner_replies_to_feedback": "tests/audits/test_feedback.py::"
                                        "test_practitioner_replies_to_feedback_decides_whether_a_"
                                        "reply_is_asked_for",
    "case_note_when": "tests/audits/test_case_note_when.py::"
                      "test_never_means_no_case_note_and_the_page_says_so",
    "case_note_title": "tests/audits/test_exports.py::"
                       "test_case_note_title_and_text_are_the_frameworks_words",
    "case_note_text": "tests/audits/test_exports.py::"
                      "test_case_note_title_and_text_are_the_frameworks_words",
    # Disagreement and moderation
    "disagreement_settled_by": "tests/audits/test_feedback.py::"
                               "test_disagreement_settled_by_sets_the_route_a_disagreement_takes",
    "moderation_share_percent": "tests/moderation/test_sample.py::"
                                "test_moderation_share_percent_sets_how_many_are_drawn",
    "moderate_disputed_audits": "tests/moderation/test_sample.py::"
                                "test_moderate_disputed_audits_decides_whether_a_dispute_is_added",
    "moderation_panel_roles": "tests/moderation/test_panel_members.py::"
                              "test_the_unit_can_be_a_team_as_well_as_a_service",
    "audit_quality_review": "tests/moderation/test_audit_quality_review.py::"
                            "test_auditors_are_flagged_for_mentoring_only_when_the_framework_"
                            "reviews_audit_quality",
    "agreement_window_months": "tests/moderation/test_audit_quality_review.py::"
                               "test_the_agreement_window_sets_which_reviews_count",
    "agreement_min_audits": "tests/moderation/test_figures.py::"
                            "test_agreement_min_audits_sets_the_floor_for_showing_figures",
    "mentoring_threshold_percent": "tests/moderation/test_audit_quality_review.py::"
                                   "test_the_mentoring_threshold_sets_who_is_flagged",
    # Who is told, escalation
    "contacts": "tests/audits/test_immediate_concern.py::"
                "test_contacts_give_the_mailbox_a_concern_shows",
    "notification_rules": "tests/audits/test_immediate_concern.py::"
                          "test_notification_rules_for_immediate_concern_name_who_is_told_and_how",
    "escalation_grades": "tests/audits/test_escalations.py::"
                         "test_escalation_grades_decide_which_grades_raise_the_alert",
    "immediate_concern_sign_off_role": "tests/audits/test_immediate_concern.py::"
                                       "test_immediate_concern_sign_off_role_names_who_signs_off",
    "practice_alert_escalation_days": "tests/practice/test_alert_escalation_days.py::"
                                      "test_practice_alert_escalation_days_sets_when_an_alert_"
                                      "is_escalated",
    "immediate_concern_wider_review": "tests/audits/test_immediate_concern.py::"
                                      "test_immediate_concern_wider_review_decides_whether_the_"
                                      "wider_look_is_taken",
    # Actions, re-audit and closing the loop
    "action_deadline_days": "tests/audits/test_action_deadline.py::"
                            "test_action_deadline_days_sets_the_last_day_an_action_may_be_due",
    "actions_signed_off_by": "tests/audits/test_event_rules.py::"
                             "test_actions_are_signed_off_by_whom_the_framework_names",
    "overdue_action_escalation": "tests/audits/test_overdue_escalation.py::"
                                 "test_overdue_action_escalation_sets_when_an_overdue_action_is_"
                                 "escalated",
    "ri_actions_reviewed_at_next_qa_meeting": "tests/programme/test_ri_follow_ups.py::"
                                              "test_the_next_meeting_reviews_requires_"
                                              "improvement_discussions_when_the_framework_"
                                              "says",
    "ri_discussion_recorded_in": "tests/audits/test_escalations.py::"
                                 "test_ri_discussion_recorded_in_is_the_place_the_notice_names",
    "reports": "tests/insight/test_report_lifecycle.py::"
               "test_the_reports_setting_says_which_reports_are_due",
    "retention": "tests/governance/test_retention.py::"
                 "test_a_changed_retention_setting_changes_what_goes",
    "re_audit_grades": "tests/audits/test_escalations.py::"
                       "test_re_audit_grades_decide_which_grades_plan_a_re_audit",
    "re_audit_after_months_min": "tests/audits/test_escalations.py::"
                                 "test_re_audit_after_months_min_sets_the_earliest_start",
    "re_audit_after_months_max": "tests/audits/test_escalations.py::"
                                 "test_re_audit_after_months_max_sets_the_due_date",
    "re_audit_by_roles": "tests/audits/test_escalations.py::"
                         "test_re_audit_by_roles_names_who_re_audits",
    "closing_loop_revisit_months": "tests/programme/test_revisits.py::"
                                   "test_closing_loop_revisit_months_sets_when_the_theme_is_"
                                   "revisited",
    "action_plan_review_months": "tests/actions/test_action_plans.py::"
                                 "test_action_plan_review_months_sets_the_first_review",
    "post_audit_briefing": "tests/programme/test_learning_sessions.py::"
                           "test_post_audit_briefing_decides_whether_a_briefing_is_held",
    # Notice events (notification_rules)
    "audit_selected": "tests/programme/test_framework_notices.py::"
                      "test_the_audit_selected_rule_names_who_is_told_the_case_will_be_audited",
    "allocation_made": "tests/programme/test_framework_notices.py::"
                       "test_the_allocation_made_rule_names_who_is_told_of_the_allocation",
    "worker_perspective_requested": "tests/audits/test_voices.py::"
                                    "test_the_worker_perspective_requested_rule_names_who_is_"
                                    "told_of_the_request",
    "worker_perspective_completed": "tests/audits/test_event_rules.py::"
                                    "test_the_worker_perspective_completed_rule_names_who_is_"
                                    "told_it_is_ready",
    "immediate_concern": "tests/audits/test_immediate_concern.py::"
                         "test_notification_rules_for_immediate_concern_name_who_is_told_and_how",
    "past_unsafe_practice": "tests/audits/test_immediate_concern.py::"
                            "test_the_past_unsafe_practice_rule_names_who_else_is_told",
    "unresolved_safeguarding": "tests/audits/test_escalations.py::"
                               "test_the_unresolved_safeguarding_rule_names_who_is_told_at_submit",
    "inadequate": "tests/audits/test_escalations.py::"
                  "test_the_inadequate_rule_names_who_is_alerted",
    "requires_improvement": "tests/audits/test_escalations.py::"
                            "test_the_requires_improvement_rule_names_who_is_asked_for_smart_"
                            "actions",
    "audit_submitted": "tests/audits/test_submitted_notices.py::"
                       "test_audit_submitted_tells_whom_the_framework_names_and_nobody_"
                       "otherwise",
    "audit_report_after_meeting": "tests/programme/test_framework_notices.py::"
                                  "test_the_audit_report_after_meeting_rule_names_who_gets_the_"
                                  "report",
    "feedback_to_practitioner": "tests/audits/test_event_rules.py::"
                                "test_the_feedback_to_practitioner_rule_names_who_gets_the_"
                                "feedback",
    "actions_created": "tests/audits/test_event_rules.py::"
                       "test_actions_created_goes_to_whom_the_framework_names",
    "remedial_action": "tests/audits/test_submitted_notices.py::test_remedial_action_tells_"
                       "the_lead_professional_and_manager_when_actions_are_recorded",
    "non_compliance": "tests/programme/test_meeting.py::"
                      "test_the_non_compliance_rule_names_who_a_missed_follow_up_is_escalated_to",
    "disagreement": "tests/audits/test_feedback.py::"
                    "test_the_disagreement_rule_names_who_is_told_of_a_disagreement",
    "previous_practitioner_feedback": "tests/audits/test_earlier_feedback_notice.py::"
                                      "test_the_previous_practitioner_feedback_rule_names_who_is_"
                                      "told",
    "re_audit_due": "tests/programme/test_framework_notices.py::"
                    "test_the_re_audit_due_rule_names_who_is_told_of_the_re_audit",
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


def _source_with_its_helpers(path: str, name: str) -> str:
    """The test's own text (with its decorators) and that of the functions, tables and
    constants of its module it uses, two steps deep: where a behaviour test sets the value."""
    text = (ROOT / path).read_text(encoding="utf-8")
    tree = ast.parse(text)
    top: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            top[node.name] = node
        elif isinstance(node, ast.Assign):
            top.update({t.id: node for t in node.targets if isinstance(t, ast.Name)})
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top[node.target.id] = node
    found = [top[name]]
    for _ in range(2):
        used = {n.id for node in found for n in ast.walk(node) if isinstance(n, ast.Name)}
        found += [top[u] for u in sorted(used) if u in top and top[u] not in found]
    parts = []
    for node in found:
        decorators = getattr(node, "decorator_list", [])
        parts += [ast.get_source_segment(text, d) or "" for d in decorators]
        parts.append(ast.get_source_segment(text, node) or "")
    return "\n".join(parts)


@pytest.mark.parametrize("key", sorted(BEHAVIOUR))
def test_the_behaviour_test_named_mentions_the_key(key: str) -> None:
    path, name = BEHAVIOUR[key].split("::")
    source = _source_with_its_helpers(path, name)
    # A notice event is set as a rule's quoted key ({"inadequate": [...]}); a setting by its
    # name (set_framework(key=...), {"key": ...}, row.key = ...).
    pattern = rf"[\"']{re.escape(key)}[\"']" if key in EVENTS else rf"\b{re.escape(key)}\b"
    assert re.search(pattern, source), (
        f"{BEHAVIOUR[key]} never mentions “{key}”: name a test that sets it two ways and "
        "sees a different outcome.")


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
    page = "".join(client.get(reverse("standards:framework_page", args=[p.key])).content.decode()
                   for p in PAGES)
    settings_shown = [k for k in NOT_ACTED_ON_YET if k in SETTINGS]
    assert page.count(f'govuk-tag--grey">{NOT_ACTED_ON_YET_TEXT}<') == len(settings_shown)
    assert "raises a practice alert: The case&#39;s team manager (not acted on yet)" in page \
        or "raises a practice alert: The case's team manager (not acted on yet)" in page
    assert "graded inadequate: The case&#39;s team manager (not acted on yet)" not in page
