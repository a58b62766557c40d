"""Audit tools and their versions, the council's framework settings and the history of changes.

A ToolVersion is never edited: a new upload makes a new version. Once an audit has used a
version (`in_use_since` is set) the database refuses to delete it, and it refuses any change
to a version's content at all (migration 0002). The settings history is append-only too.
A ScheduledSettingChange is a change decided now that takes effect on a later date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from auditloop.common.models import BaseModel
from auditloop.people.roles import Role


class Tool(BaseModel):
    """An audit tool in the library. Its content lives in its versions."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    seed = models.CharField(max_length=10, blank=True)
    purpose = models.CharField(max_length=30, default="case_audit")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class ToolVersion(models.Model):
    """One uploaded version of a tool: the file as written and its checked definition."""

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    source = models.TextField(help_text="The YAML file exactly as uploaded.")
    definition = models.JSONField(help_text="The checked, fully defaulted tool (schema.py).")
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # People are deactivated, never deleted, so PROTECT keeps the uploader on record.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    in_use_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tool", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "number"], name="toolversion_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.tool.key} version {self.number}"

    @property
    def in_use(self) -> bool:
        return self.in_use_since is not None

    @property
    def sections(self) -> list[dict[str, Any]]:
        return list(self.definition["sections"])


class ToolUpload(models.Model):
    """A file uploaded and checked but not yet confirmed: the diff is shown before it counts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        DISCARDED = "discarded", "Discarded"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200)
    source = models.TextField()
    note = models.CharField(max_length=500, blank=True)
    tool_key = models.SlugField(max_length=60)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    version = models.ForeignKey(
        ToolVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


# How long each kind of record is kept before the daily retention job removes it (the
# `retention` setting): "<n> years", "<n> months" or "keep". The defaults are councils' usual
# schedules for children's social care QA records (the IRMS Local Government Retention
# Guidelines; docs/standards.md, "Keeping records").
RETENTION_DEFAULTS: dict[str, str] = {
    "audits": "6 years",
    "notices": "1 year",
    "uploads": "3 months",
    "sign_in_events": "1 year",
    "sessions": "1 year",
    "access_log": "2 years",
    "reports": "keep",
    # Our choice, with the case audits: what families, staff and observers recorded about
    # practice, 6 years; staff surveys' anonymous answers 3 years (a survey a year, compared
    # with the two before it).
    "families_feedback": "6 years",
    "complaints": "6 years",
    "practice_alerts": "6 years",
    "observations": "6 years",
    "staff_surveys": "3 years",
}


def retention_defaults() -> dict[str, str]:
    return dict(RETENTION_DEFAULTS)


class FrameworkSettings(models.Model):
    """The council's framework: every rule a council sets (docs/standards.md). One row (pk=1).

    Scalar rules are columns; lists and tables are JSON checked by settings_spec.py, which
    also holds each field's group, editor and plain-English description. Defaults here are
    the seeds' where they agree; a preset sets every field.
    """

    class MeetingTiming(models.TextChoices):
        END_OF_CYCLE = "end_of_cycle", "At the end of the cycle, after the audit period"
        START_OF_NEXT = "start_of_next", "In the first week of the next cycle"

    class AllocationUnit(models.TextChoices):
        PAIRS = "pairs", "Pairs of auditors"
        SINGLES = "singles", "Single auditors"

    class PractitionerSees(models.TextChoices):
        ON_SUBMIT = "on_submit", "When the auditor submits the audit"
        AFTER_QA_REVIEW = "after_qa_review", "After the QA team has reviewed it"
        AFTER_QA_MEETING = "after_qa_meeting", "After the QA meeting"

    class ReflectiveDiscussion(models.TextChoices):
        NONE = "none", "Not required"
        WITH_TEAM_MANAGER = "with_team_manager", (
            "The team manager meets the practitioner as part of the audit"
        )
        NEXT_SUPERVISION = "next_supervision", "In the practitioner's next supervision"

    class CaseNoteWhen(models.TextChoices):
        NEVER = "never", "No case note"
        ON_SUBMIT = "on_submit", "When the audit is submitted"
        AFTER_QA_MEETING = "after_qa_meeting", "After the QA meeting"

    class SettledBy(models.TextChoices):
        HEAD_OF_QA = "head_of_qa", "The head of service for QA takes an independent look"
        MODERATION_PANEL = "moderation_panel", "The moderation panel"
        BOTH = "both", "The head of service for QA, then the moderation panel"

    preset_key = models.CharField(max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Tools
    tools = models.JSONField(default=list, blank=True)

    # Cycle and themes
    cycles_per_year = models.PositiveSmallIntegerField(default=12)
    cycle_ends_in_qa_meeting = models.BooleanField(default=True)
    qa_meeting_timing = models.CharField(
        max_length=20, choices=MeetingTiming.choices, default=MeetingTiming.END_OF_CYCLE
    )
    qa_meeting_minutes_per_case = models.PositiveSmallIntegerField(null=True, blank=True)
    theme_plan = models.JSONField(default=list, blank=True)
    next_theme_from_qa_meeting = models.BooleanField(default=False)
    monthly_learning_session = models.BooleanField(default=False)

    # Selection
    sample_size_min = models.PositiveSmallIntegerField(null=True, blank=True)
    sample_size_max = models.PositiveSmallIntegerField(null=True, blank=True)
    coverage_target_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    coverage_target_months = models.PositiveSmallIntegerField(null=True, blank=True)
    period_under_review_months = models.PositiveSmallIntegerField(default=6)
    eligible_services = models.JSONField(default=list, blank=True)
    open_cases_only = models.BooleanField(default=False)
    sample_spread_across_localities = models.BooleanField(default=False)
    selection_modes = models.JSONField(default=list, blank=True)
    exclusions = models.JSONField(default=list, blank=True)
    avoid_same_key_worker_consecutive_cycles = models.BooleanField(default=False)
    audit_list_days_before_cycle = models.PositiveSmallIntegerField(null=True, blank=True)

    # Drift thresholds
    taf_interval_weeks_min = models.PositiveSmallIntegerField(null=True, blank=True)
    taf_interval_weeks_max = models.PositiveSmallIntegerField(null=True, blank=True)
    taf_interval_weeks_acceptable = models.PositiveSmallIntegerField(null=True, blank=True)
    taf_plan_current_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    initial_review_weeks_after_taf = models.PositiveSmallIntegerField(null=True, blank=True)
    plan_open_audit_months = models.PositiveSmallIntegerField(null=True, blank=True)
    plan_open_contact_coordinator_months = models.PositiveSmallIntegerField(
        null=True, blank=True
    )
    assessment_current_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # Statutory visits: the longest gap the council accepts (not in the seeds).
    cp_visit_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    cla_visit_weeks = models.PositiveSmallIntegerField(null=True, blank=True)

    # Allocation
    allocation_unit = models.CharField(
        max_length=10, choices=AllocationUnit.choices, default=AllocationUnit.SINGLES
    )
    pairs_formed_at_random = models.BooleanField(default=False)
    cases_per_unit_min = models.PositiveSmallIntegerField(null=True, blank=True)
    cases_per_unit_max = models.PositiveSmallIntegerField(null=True, blank=True)
    auditor_roles = models.JSONField(default=list, blank=True)
    auditors_must_be_trained = models.BooleanField(default=False)
    conflict_involved_with_case = models.BooleanField(default=True)
    conflict_line_management_depth = models.PositiveSmallIntegerField(default=0)
    auditor_may_ask_for_another_case = models.BooleanField(default=False)
    auditors_may_decline = models.BooleanField(default=True)
    partner_completes_alone_if_absent = models.BooleanField(default=False)
    allocation_notice_days_before_meeting = models.PositiveSmallIntegerField(
        null=True, blank=True
    )

    # Notice
    audit_notice_days = models.PositiveSmallIntegerField(null=True, blank=True)

    # The audit
    practitioner_sees_audit = models.CharField(
        max_length=20, choices=PractitionerSees.choices, default=PractitionerSees.ON_SUBMIT
    )
    worker_perspective_form = models.BooleanField(default=False)
    learning_conversation_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    family_contact = models.BooleanField(default=False)
    feedback_to_previous_practitioner = models.BooleanField(default=False)
    reflective_discussion = models.CharField(
        max_length=20, choices=ReflectiveDiscussion.choices, default=ReflectiveDiscussion.NONE
    )
    practitioner_replies_to_feedback = models.BooleanField(default=False)
    case_note_when = models.CharField(
        max_length=20, choices=CaseNoteWhen.choices, default=CaseNoteWhen.NEVER
    )
    case_note_title = models.CharField(max_length=200, blank=True)
    case_note_text = models.TextField(blank=True)

    # Disagreement and moderation
    disagreement_settled_by = models.CharField(
        max_length=20, choices=SettledBy.choices, default=SettledBy.HEAD_OF_QA
    )
    moderation_share_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    moderate_disputed_audits = models.BooleanField(default=False)
    moderation_panel_roles = models.JSONField(default=list, blank=True)
    audit_quality_review = models.BooleanField(default=False)
    # How agreement between auditors and moderators is measured (not in the seeds: a month
    # has only a few moderated audits, so figures need a window and a floor to mean anything).
    agreement_window_months = models.PositiveSmallIntegerField(default=12)
    agreement_min_audits = models.PositiveSmallIntegerField(default=10)
    mentoring_threshold_percent = models.DecimalField(max_digits=5, decimal_places=2,
                                                      default=25)

    # Who is told, escalation
    contacts = models.JSONField(default=list, blank=True)
    notification_rules = models.JSONField(default=dict, blank=True)
    escalation_grades = models.JSONField(default=list, blank=True)
    immediate_concern_sign_off_role = models.CharField(
        max_length=32, choices=Role.choices, blank=True
    )
    immediate_concern_wider_review = models.BooleanField(default=False)
    # Days after a practice alert's respond-by date that the first escalation step is taken;
    # the second step is a week after the first.
    practice_alert_escalation_days = models.PositiveSmallIntegerField(default=1)

    # Actions, re-audit and closing the loop
    action_deadline_days = models.PositiveSmallIntegerField(null=True, blank=True)
    actions_signed_off_by = models.CharField(max_length=60, blank=True)
    overdue_action_escalation = models.JSONField(default=list, blank=True)
    ri_actions_reviewed_at_next_qa_meeting = models.BooleanField(default=False)
    ri_discussion_recorded_in = models.CharField(max_length=200, blank=True)
    re_audit_grades = models.JSONField(default=list, blank=True)
    re_audit_after_months_min = models.PositiveSmallIntegerField(null=True, blank=True)
    re_audit_after_months_max = models.PositiveSmallIntegerField(null=True, blank=True)
    re_audit_by_roles = models.JSONField(default=list, blank=True)
    closing_loop_revisit_months = models.PositiveSmallIntegerField(null=True, blank=True)
    action_plan_review_months = models.PositiveSmallIntegerField(null=True, blank=True)
    post_audit_briefing = models.BooleanField(default=False)

    # Reports and other QA activity
    reports = models.JSONField(default=list, blank=True)
    other_activities = models.JSONField(default=list, blank=True)

    # What families and staff tell us
    feedback_link_days = models.PositiveSmallIntegerField(default=28)
    survey_anonymity_threshold = models.PositiveSmallIntegerField(default=5)

    # Keeping records
    retention = models.JSONField(default=retention_defaults, blank=True)

    class Meta:
        verbose_name_plural = "framework settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="frameworksettings_one_row")
        ]

    def __str__(self) -> str:
        return "Framework settings"


class FrameworkSettingChange(models.Model):
    """One change to one setting: who, when, why, and the value before and after.

    Rows cannot be changed or deleted: database triggers refuse it (migration 0002).
    """

    class Source(models.TextChoices):
        PAGE = "page", "Settings page"
        PRESET = "preset", "Preset"
        COMMAND = "command", "Command line"
        QA_MEETING = "qa_meeting", "QA meeting"
        SCHEDULED = "scheduled", "Scheduled change"

    setting = models.CharField(max_length=60, db_index=True)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.PAGE)
    preset_key = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.setting} changed at {self.changed_at}"


class ScheduledSettingChange(models.Model):
    """A setting that takes a new value from a date (002: "a transition arrangement").

    Made on the settings page or by a preset; applied once through the normal change path
    (services.framework_scheduled_changes_apply), which writes the history row. It is then
    marked applied, or it is cancelled before: never both, never deleted.
    """

    setting = models.CharField(max_length=60)
    value = models.JSONField(null=True, blank=True)
    effective_on = models.DateField(help_text="The setting takes the value from this day.")
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A preset's own scheduled changes: the preset and the entry's key in its file, so that
    # applying the preset again finds them instead of adding them twice.
    preset_key = models.CharField(max_length=60, blank=True)
    preset_entry = models.CharField(max_length=60, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_change = models.ForeignKey(
        FrameworkSettingChange, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
        help_text="The history row it made; empty when the setting already had the value.",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    problem = models.CharField(
        max_length=500, blank=True,
        help_text="Why it could not be applied when it was due; it waits until it can be.",
    )

    class Meta:
        ordering = ["effective_on", "id"]
        indexes = [models.Index(fields=["effective_on"], name="scheduled_change_due",
                                condition=Q(applied_at__isnull=True,
                                            cancelled_at__isnull=True))]
        constraints = [
            models.CheckConstraint(
                condition=Q(applied_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="scheduledsettingchange_applied_or_cancelled",
            )
        ]

    def __str__(self) -> str:
        return f"{self.setting} from {self.effective_on}"

    @property
    def pending(self) -> bool:
        return self.applied_at is None and self.cancelled_at is None

    def is_due(self, today: dt.date) -> bool:
        return self.pending and self.effective_on <= today
