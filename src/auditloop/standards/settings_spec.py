"""Every framework setting: its group, plain-English label and help, its YAML spec and editor.

The same specs read a preset file and check a change made on the settings page, so a value
that a preset can set is a value the QA manager can set, and the other way round.
Recipients of notices are roles (people.roles.Role), relationships to the case (below) or
named contacts held in the settings (`contact:<key>`): never people's names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from django.db import models

from auditloop.common.errors import DomainError
from auditloop.people.models import Service
from auditloop.people.roles import Role
from auditloop.standards.models import RETENTION_DEFAULTS, FrameworkSettings
from auditloop.standards.yamlcheck import (
    Boolean,
    Check,
    Either,
    F,
    Fields,
    FileProblems,
    Integer,
    Key,
    ListOf,
    MapOf,
    OneOf,
    Percent,
    Spec,
    Text,
    dump,
    read_value,
)

RELATIONSHIPS: dict[str, str] = {
    "case_key_worker": "The case's key worker or lead professional",
    "case_team_manager": "The case's team manager",
    "case_service_manager": "The case's service manager",
    "case_iro": "The case's IRO or CP Chair",
    "case_previous_key_worker": "Earlier key workers on the case",
    "case_previous_team_manager": "Earlier team managers on the case",
    "coordinator_line_manager": "The line manager of the case's coordinator (key worker)",
    "case_agency_lead": "The lead of the partner agency that holds the case",
    "case_auditors": "The case's auditors",
    "moderation_panel": "The moderation panel",
}
EVENTS: dict[str, str] = {
    "audit_selected": "A case is chosen for audit (the notice)",
    "allocation_made": "Audits are allocated to auditors",
    "worker_perspective_requested": "The practitioner is asked for their perspective",
    "worker_perspective_completed": "The practitioner's perspective is completed",
    "immediate_concern": "An immediate safeguarding concern is raised",
    "past_unsafe_practice": "Unsafe practice in the past is found",
    "unresolved_safeguarding": "An audit finds unresolved safeguarding issues",
    "inadequate": "An audit is graded inadequate",
    "requires_improvement": "An audit is graded requires improvement",
    "audit_submitted": "An auditor submits an audit",
    "audit_report_after_meeting": "The audit report after the QA meeting",
    "feedback_to_practitioner": "Feedback to the practitioner",
    "actions_created": "Actions are set from an audit",
    "remedial_action": "Remedial action is needed",
    "non_compliance": "Actions are not completed or not recorded",
    "disagreement": "The auditor and the team manager disagree",
    "previous_practitioner_feedback": "Practice by an earlier practitioner or team stands out",
    "re_audit_due": "A re-audit is due",
    "practice_alert": "An IRO or CP Chair raises a practice alert",
}
# Settings and notice events that are stored, shown and set by presets but that no code acts
# on yet: the voice and practice work will. The Framework settings page marks them "Not acted
# on yet", and the test that walks every setting exempts only these.
NOT_ACTED_ON_YET: tuple[str, ...] = ("other_activities", "practice_alert")
NOT_ACTED_ON_YET_TEXT = "Not acted on yet"
CHANNELS = {"verbal": "Verbally", "in_writing": "In writing", "tray": "In their tray",
            "email": "By email"}
SELECTION_MODES = {
    "random": "Chosen at random (the seed and the eligible list are recorded)",
    "themed": "Chosen by a theme or filter",
    "nominated_by_team_managers": "Nominated by team managers for the month's issue",
    "nominated_by_service_managers": "Nominated by service managers to showcase good practice",
    "requested": "Requested by the roles named",
    "drift": "Picked up by the drift thresholds",
    "indicator_led": "Led by performance indicators",
    "previously_audited": "Cases audited before, to test improvement",
}
FILTERS = {
    "open_longer_than_months": "Open longer than a number of months",
    "agency_type": "Delivered by an agency type",
    "step_down": "Stepped down to early help",
    "theme": "A theme (neglect, domestic abuse, young carers...)",
    "service": "A service",
    "indicator": "A performance indicator",
}
EXCLUSIONS = {
    "audited_within_months": "Audited within this many months",
    "closed_longer_than_months": "Closed longer ago than this many months",
    "service": "In this service",
}
# The reports auditloop makes (insight.kinds registers one builder for each key).
REPORT_KINDS = {
    "monthly": "Monthly QA and impact report",
    "quarterly": "Quarterly audit report",
    "year_to_date": "Year-to-date summary by theme",
    "annual": "Annual QA report",
    "qa_tab": "QA tab of the monthly performance report",
    "journey": "Findings along the child's journey",
    "programme": "A one-off programme's report",
    "team": "Team report",
    "service": "Service overview",
    "newsletter": "Summary of recent audit activity for the newsletter",
    "safeguarding_unit": "Safeguarding Unit performance report",
}

FREQUENCIES = {
    "each_round": "After each round of audits",
    "monthly": "Monthly",
    "quarterly": "Quarterly",
    "twice_yearly": "Twice a year",
    "annual": "Annually",
    "year_to_date": "Year to date, cumulative",
    "each_issue": "In each issue",
    "fortnightly": "Fortnightly",
    "ongoing": "Ongoing",
}
ACTIVITIES = {
    "observation_of_practice": "Observations of practice",
    "service_user_feedback": "Service-user feedback",
    "staff_survey": "Staff survey",
    "complaints_and_compliments": "Complaints and compliments",
    "practice_week": "Practice week",
    "multi_agency_audit": "Multi-agency audits",
    "thematic_audit": "Thematic audits",
    "external_audit": "External audit programme",
    "performance_data": "Performance data",
    "safeguarding_unit_report": "Safeguarding unit report",
    "learning_session": "Reflective learning session",
    "quality_control": "Quality control of records",
}

# The records the retention job looks after (governance.retention), in the order it reports
# them. Complaints, feedback forms and observations of practice join when they are records.
RECORD_TYPES = {
    "audits": "Case audits (answers, comments, family feedback, moderation and their actions)",
    "notices": "Notices in people's trays",
    "uploads": "Uploaded import files (failed imports' files too)",
    "sign_in_events": "Sign-in events",
    "sessions": "Ended sign-in sessions",
    "access_log": "The access log (removed by the owner's procedure, not by the job)",
    "reports": "Reports made in auditloop",
    "families_feedback": "Families' feedback after a case closed (invitations, answers and "
                         "closure forms)",
    "complaints": "Complaints and compliments",
    "practice_alerts": "Practice alerts and their escalations",
    "observations": "Observations of practice",
    "staff_surveys": "Staff surveys' answers and feedback on the audit process",
}
KEEP = "keep"
_PERIOD = re.compile(r"^(?:keep|([1-9][0-9]?) (years?|months?))$")


def retention_period(text: str) -> tuple[int, int] | None:
    """A retention period as (years, months); None for "keep" (never removed)."""
    match = _PERIOD.match(text.strip().lower())
    if match is None:
        raise DomainError(f"“{text}” is not a retention period.", field="retention")
    if match.group(1) is None:
        return None
    n = int(match.group(1))
    return (n, 0) if match.group(2).startswith("year") else (0, n)


def _period_problem(text: str) -> str | None:
    if _PERIOD.match(text.strip().lower()) is None:
        return ("should be a number of years or months from 1 to 99 (6 years, 3 months), "
                "or keep")
    return None


PERIOD = Check(Text(max_length=20), _period_problem)


def recipient_label(value: str, contacts: list[dict[str, Any]] | None = None) -> str:
    if value in RELATIONSHIPS:
        return RELATIONSHIPS[value]
    if value in Role.values:
        return str(Role(value).label)
    if value.startswith("contact:"):
        key = value.removeprefix("contact:")
        for c in contacts or []:
            if c["key"] == key:
                return str(c["label"])
        # A contact since removed from the list (old values in the history): its key reads.
        return key.replace("_", " ").capitalize()
    return value


def recipient_choices(contacts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return (
        [(k, v) for k, v in RELATIONSHIPS.items()]
        + [(str(r.value), str(r.label)) for r in Role]
        + [(f"contact:{c['key']}", str(c["label"])) for c in contacts]
    )


RECIPIENT = Text(max_length=80)
ROLES = ListOf(OneOf(Role.values), unique=True)


def panel_member_parts(entry: str) -> tuple[str, str]:
    """A moderation panel entry as (role, service or team): "qa_manager" is every QA
    manager; "service_manager:Safeguarding and Review Unit" only the service manager of
    that service or team (002: "the Service Manager for the Safeguarding and Review Unit")."""
    role, _, unit = entry.partition(":")
    return role.strip(), unit.strip()


def panel_member_label(entry: str) -> str:
    role, unit = panel_member_parts(entry)
    label = str(Role(role).label) if role in Role.values else role
    return f"{label} of the {unit}" if unit else label


def _panel_member_problem(entry: str) -> str | None:
    role, unit = panel_member_parts(entry)
    if role not in Role.values:
        return (f"“{role}” is not a role: write a role, or a role, a colon and the service or "
                "team, for example service_manager:Safeguarding and Review Unit")
    if ":" in entry and not unit:
        return "name the service or team after the colon, or leave out the colon"
    return None


PANEL_MEMBERS = ListOf(Check(Text(max_length=200), _panel_member_problem), unique=True)
NOTICE = Either(
    RECIPIENT,
    Fields({
        "to": F(RECIPIENT, required=True),
        "how": F(ListOf(OneOf(CHANNELS), unique=True), default=list),
        "at_once": F(Boolean(), default=False),
        "where_appropriate": F(Boolean(), default=False),
        "note": F(Text(max_length=500), default=""),
    }, name="a recipient (to, how, at_once, where_appropriate, note)"),
)
SPECS: dict[str, Spec] = {
    "tools": ListOf(Key(), unique=True),
    "theme_plan": ListOf(Fields({
        "cycle": F(Integer(minimum=1, maximum=52), required=True),
        "theme": F(Text(max_length=200), required=True),
        "note": F(Text(max_length=500), default=""),
    }, name="a cycle's theme (cycle, theme)"), unique_by="cycle"),
    "eligible_services": ListOf(OneOf(Service.Kind.values), unique=True),
    "selection_modes": ListOf(Fields({
        "mode": F(OneOf(SELECTION_MODES), required=True),
        "by": F(ListOf(Text(max_length=80), unique=True), default=list),
        "filters": F(ListOf(Fields({
            "filter": F(OneOf(FILTERS), required=True),
            "value": F(Text(max_length=200), default=""),
        }, name="a filter (filter, value)")), default=list),
        "months": F(Integer(minimum=1, maximum=120)),
        "note": F(Text(max_length=1000), default=""),
    }, name="a way of choosing cases (mode, by, filters, months, note)")),
    "exclusions": ListOf(Fields({
        "rule": F(OneOf(EXCLUSIONS), required=True),
        "value": F(Text(max_length=200), required=True),
        "note": F(Text(max_length=500), default=""),
    }, name="an exclusion (rule, value)")),
    "auditor_roles": ROLES,
    "moderation_panel_roles": PANEL_MEMBERS,
    "re_audit_by_roles": ROLES,
    "contacts": ListOf(Fields({
        "key": F(Key(), required=True),
        "label": F(Text(max_length=200), required=True),
        "email": F(Text(max_length=254), default=""),
        "note": F(Text(max_length=500), default=""),
    }, name="a contact (key, label, email)"), unique_by="key"),
    "notification_rules": MapOf(Key(), ListOf(NOTICE), allowed=EVENTS),
    "escalation_grades": ListOf(Key(), unique=True),
    "overdue_action_escalation": ListOf(Fields({
        "after_days": F(Integer(minimum=0, maximum=365), required=True),
        "to": F(ListOf(RECIPIENT, unique=True), required=True),
        "note": F(Text(max_length=500), default=""),
    }, name="an escalation step (after_days, to)"), unique_by="after_days"),
    "re_audit_grades": ListOf(Key(), unique=True),
    "reports": ListOf(Fields({
        "report": F(Text(max_length=200), required=True),
        # Which of auditloop's reports this is (insight.kinds); empty for a report the
        # council makes elsewhere, which the QA manager is reminded of when it is due.
        "kind": F(OneOf(REPORT_KINDS), default=""),
        "frequency": F(OneOf(FREQUENCIES), required=True),
        # The role that approves it before it goes out; empty: the QA team publishes it.
        "approved_by": F(OneOf(Role.values), default=""),
        "audiences": F(ListOf(RECIPIENT, unique=True), default=list),
        "months": F(ListOf(Integer(minimum=1, maximum=12), unique=True), default=list),
        "note": F(Text(max_length=1000), default=""),
    }, name="a report (report, kind, frequency, approved_by, audiences)")),
    "other_activities": ListOf(Fields({
        "activity": F(OneOf(ACTIVITIES), required=True),
        "of": F(ListOf(RECIPIENT, unique=True), default=list),
        "frequency": F(OneOf(FREQUENCIES)),
        "per_year": F(Integer(minimum=1, maximum=365)),
        "at_least_one_of": F(Text(max_length=200), default=""),
        "months": F(ListOf(Integer(minimum=1, maximum=12), unique=True), default=list),
        "note": F(Text(max_length=1000), default=""),
    }, name="an activity (activity, of, frequency, per_year, at_least_one_of, months, note)")),
    "practice_alert_escalation_days": Integer(minimum=0, maximum=90),
    "feedback_link_days": Integer(minimum=1, maximum=365),
    "survey_anonymity_threshold": Integer(minimum=1, maximum=100),
    # A record type left out keeps its default (standards.models.RETENTION_DEFAULTS).
    "retention": Fields({key: F(PERIOD, default=RETENTION_DEFAULTS[key])
                         for key in RECORD_TYPES},
                        name="a period for each kind of record (" + ", ".join(RECORD_TYPES)
                             + ")"),
}


@dataclass(frozen=True)
class Page:
    """One of the framework's settings pages: the settings a QA manager looks at together."""

    key: str  # in the page's address
    title: str
    description: str  # one line on the overview
    # The settings whose values the overview shows beside the page's link.
    key_settings: tuple[str, ...]


PAGES: tuple[Page, ...] = (
    Page("the-month", "The month",
         "Cycles a year, the QA meeting that ends each one and the year's themes.",
         ("cycles_per_year", "qa_meeting_timing")),
    Page("choosing-cases", "Choosing cases",
         "How many cases each cycle, which cases may be chosen and how they are chosen.",
         ("sample_size_min", "sample_size_max", "period_under_review_months")),
    Page("drift", "Drift",
         "When a case's meetings, plan or assessment have drifted long enough to need a look.",
         ("taf_interval_weeks_acceptable", "plan_open_audit_months")),
    Page("who-audits", "Who audits",
         "The pool of auditors, pairs or single auditors, how many cases each, and who may "
         "not audit a case.",
         ("auditor_roles", "allocation_unit", "cases_per_unit_max")),
    Page("the-audit", "The audit",
         "The tools auditors use, the conversations and contacts of each audit, and the case "
         "note.",
         ("tools", "practitioner_sees_audit", "learning_conversation_minutes")),
    Page("notices", "Notices and escalation",
         "Who is told of each event, named contacts and who acts on a safeguarding concern.",
         ("audit_notice_days", "immediate_concern_sign_off_role")),
    Page("moderation", "Moderation",
         "How many audits are moderated, who sits on the panel, who settles a disagreement, "
         "and agreement figures.",
         ("moderation_share_percent", "disagreement_settled_by")),
    Page("actions", "Actions and re-audit",
         "Deadlines and sign-off for audit actions, escalating overdue ones, re-audits and "
         "revisiting what was learnt.",
         ("action_deadline_days", "actions_signed_off_by", "re_audit_grades")),
    Page("reports", "Reports and other activity",
         "The reports, when they are due, who approves and who reads them, and other quality "
         "assurance work.",
         ("reports",)),
    Page("families-and-staff", "What families and staff tell us",
         "How long a family's feedback link works, and the fewest answers a survey group "
         "needs before it is shown.",
         ("feedback_link_days", "survey_anonymity_threshold")),
    Page("records", "Keeping records",
         "How long each kind of record is kept before the daily retention job removes it.",
         ("retention",)),
)
PAGES_BY_KEY: dict[str, Page] = {p.key: p for p in PAGES}


@dataclass(frozen=True)
class Setting:
    name: str
    label: str
    help: str
    editor: str  # bool, choice, number, percent, text, longtext, roles, role, recipient,
    #             services, tools, grades, themes, yaml
    spec: Spec
    page: str  # the key of the one page (PAGES) it is on
    # What the value is, in the words of error messages: "Enter a share between 0 and 100",
    # "Select who settles a disagreement".
    what: str = ""

    @property
    def field(self) -> models.Field[Any, Any]:
        return _model_field(self.name)

    @property
    def nullable(self) -> bool:
        return bool(self.field.null)

    @property
    def error_messages(self) -> dict[str, str]:
        """The form field's messages, in the council's words, for every check it makes."""
        what = self.what
        if self.editor == "number":
            low, high = self.spec.minimum, self.spec.maximum  # type: ignore[attr-defined]
            between = f"Enter {what} between {low} and {high}"
            return {"required": between, "invalid": f"Enter {what} as a whole number, like 6",
                    "min_value": between, "max_value": between}
        if self.editor == "percent":
            between = f"Enter {what} between 0 and 100"
            decimals = f"Enter {what} with no more than 2 decimal places, like 33.33"
            return {"required": between, "invalid": f"Enter {what} as a number, like 33.33",
                    "min_value": between, "max_value": between, "max_digits": between,
                    "max_whole_digits": between, "max_decimal_places": decimals}
        if self.editor in ("bool", "choice", "role", "recipient"):
            choose = f"Select {what}"
            return {"required": choose, "invalid_choice": choose}
        if self.editor in ("roles", "services", "tools", "grades"):
            # An error message ("Select the roles that audit from the list"), not SQL.
            choose = f"Select {what} from the list"  # nosec B608
            return {"required": choose, "invalid_choice": choose, "invalid_list": choose}
        limit = 200 if self.editor == "text" else 2000
        return {"required": f"Enter {what}",
                "max_length": f"{self.label} must be {limit} characters or fewer"}


def _model_field(name: str) -> models.Field[Any, Any]:
    return FrameworkSettings._meta.get_field(name)  # type: ignore[return-value]


def _scalar_spec(name: str) -> tuple[Spec, str]:
    f = _model_field(name)
    if isinstance(f, models.BooleanField):
        return Boolean(), "bool"
    if f.choices:
        return OneOf([str(v) for v, _ in f.choices if v != ""]), "choice"
    if isinstance(f, models.PositiveSmallIntegerField):
        return Integer(minimum=0, maximum=999), "number"
    if isinstance(f, models.DecimalField):
        return Percent(), "percent"
    if isinstance(f, models.TextField):
        return Text(max_length=2000), "longtext"
    return Text(max_length=200), "text"


_EDITORS = {
    "tools": "tools", "theme_plan": "themes", "eligible_services": "services",
    "auditor_roles": "roles", "moderation_panel_roles": "yaml", "re_audit_by_roles": "roles",
    "escalation_grades": "grades", "re_audit_grades": "grades",
    "actions_signed_off_by": "recipient", "immediate_concern_sign_off_role": "role",
    "overdue_action_escalation": "yaml", "practice_alert_escalation_days": "number",
    "feedback_link_days": "number", "survey_anonymity_threshold": "number",
}

# (page, [(field, label, help)]): each setting's page (PAGES), in the order it shows them.
# A setting is on exactly one page; help cites seeds by number (seeds.cite names them).
_BY_PAGE: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("the-month", [
        ("cycles_per_year", "Cycles a year", "001: 12 audit cycles per calendar year."),
        ("cycle_ends_in_qa_meeting", "Each cycle ends in a QA meeting",
         "001: a case audit period followed by a Quality Assurance meeting."),
        ("qa_meeting_timing", "When the QA meeting is held", ""),
        ("qa_meeting_minutes_per_case", "Minutes for each case at the QA meeting",
         "001: approximately 10 minutes. Leave empty for no rule."),
        ("theme_plan", "The year's themes",
         "A theme for each cycle. Change it as the year goes."),
        ("next_theme_from_qa_meeting", "The QA meeting's prevalent issue sets the next theme",
         "001: cases are selected on a prevalent issue identified at the preceding meeting."),
        ("monthly_learning_session", "A reflective learning session every month",
         "002: for those audited, to consider earlier months' audit outcomes."),
        ("audit_list_days_before_cycle", "Days before the cycle the audit list is collated",
         "002: during the last week of each month (7)."),
        ("post_audit_briefing", "A briefing after each month's audits",
         "002: for all those involved in the previous month's audits."),
    ]),
    ("choosing-cases", [
        ("sample_size_min", "Cases a cycle: at least", "000: 8 a month. 003: 6 to 8."),
        ("sample_size_max", "Cases a cycle: at most", ""),
        ("coverage_target_percent", "Coverage target (% of open cases)",
         "003: 20% of open CAF cases."),
        ("coverage_target_months", "Coverage target: over how many months", "003: 12."),
        ("period_under_review_months", "Months of practice under review",
         "002: the last 6 months unless there are clear reasons to go back further."),
        ("eligible_services", "Services whose cases may be chosen",
         "None ticked means every service."),
        ("open_cases_only", "Open cases only", "003: open CAF cases."),
        ("sample_spread_across_localities", "Spread each cycle's cases across the localities",
         "000: audited 'from across the County'."),
        ("selection_modes", "Ways of choosing cases",
         "Random, themed, nominated, requested, drift, indicator-led, previously audited. "
         "They set what the form for proposing a cycle's cases starts with: a random dip, "
         "drift, the themes and the months for cases audited before. Requests and "
         "nominations are always added."),
        ("exclusions", "Cases left out", ""),
        ("avoid_same_key_worker_consecutive_cycles",
         "Try not to audit the same key worker in consecutive cycles",
         "002: 'efforts will be made'. A preference, not a bar."),
    ]),
    ("drift", [
        ("taf_interval_weeks_min", "TAF meetings expected every: from (weeks)", "003: 4."),
        ("taf_interval_weeks_max", "TAF meetings expected every: to (weeks)", "003: 6."),
        ("taf_interval_weeks_acceptable", "Longest acceptable gap between TAF meetings "
         "(weeks)", "003: 8 weeks being acceptable."),
        ("taf_plan_current_weeks", "A TAF plan is current for (weeks after the last TAF)",
         "003: dated within 8 weeks of the last recorded TAF meeting."),
        ("initial_review_weeks_after_taf", "Initial review after the TAF meeting (weeks)",
         "000: six weeks."),
        ("plan_open_audit_months", "A plan open longer than this triggers an audit (months)",
         "000: nine months."),
        ("plan_open_contact_coordinator_months",
         "A plan open longer than this means contacting the coordinator (months)",
         "000: twelve months. The coordinator is contacted; this is not an audit."),
        ("assessment_current_months", "An assessment is current for (months)",
         "003: updated within 12 months."),
        ("cp_visit_working_days",
         "Longest gap between statutory visits to a child on a protection plan (working "
         "days)",
         "Not in the seeds: the council's own practice standard (many councils set 10 "
         "working days). The statutory visits overdue indicator counts a longer gap; leave "
         "it empty and visits are not counted."),
        ("cla_visit_weeks",
         "Longest gap between statutory visits to a child in care (weeks)",
         "Not in the seeds: the Care Planning, Placement and Case Review (England) "
         "Regulations 2010 (regulation 28) allow at most 6 weeks in a placement's first "
         "year. The statutory visits overdue indicator counts a longer gap; leave it empty "
         "and visits are not counted."),
    ]),
    ("who-audits", [
        ("allocation_unit", "Auditors work in", "001: pairs. 003: single auditors."),
        ("pairs_formed_at_random", "Pairs are formed at random", "001."),
        ("cases_per_unit_min", "Cases for each auditor or pair: at least",
         "001: two cases a pair. 003: 1 to 2 cases an auditor."),
        ("cases_per_unit_max", "Cases for each auditor or pair: at most",
         "Leave empty for no limit: the cases are then spread as evenly as the rules allow, "
         "and no case is left without auditors that the rules let someone audit."),
        ("auditor_roles", "Who audits", "The roles that make up the pool of auditors."),
        ("auditors_must_be_trained", "Auditors must be trained",
         "004: audits by those trained in the new audit model."),
        ("conflict_involved_with_case", "Nobody audits a case they were involved with",
         "003: they should ask for a different case."),
        ("conflict_line_management_depth",
         "Nobody audits the case of someone they manage, this many levels down",
         "001: team managers do not audit their own practitioner's case. Nobody ever "
         "audits the cases of their direct reports, whatever this says; 2 or more bars "
         "the cases of people further down the line too."),
        ("auditor_may_ask_for_another_case", "An auditor may ask for a different case", "003."),
        ("auditors_may_decline", "An auditor may decline an allocation",
         "003: auditing is 'non-negotiable' (no), apart from a case they were involved with."),
        ("partner_completes_alone_if_absent",
         "If one of a pair is on leave or sick, the other completes alone", "001."),
        ("allocation_notice_days_before_meeting",
         "Allocations go out at least this many days before the QA meeting", "001: 2 weeks."),
    ]),
    ("the-audit", [
        ("tools", "Tools in use",
         "The audit tools this framework uses. New audits start on each tool's latest "
         "version."),
        ("practitioner_sees_audit", "When the practitioner sees the audit", ""),
        ("worker_perspective_form", "The practitioner completes a Perspective of Worker form",
         "001: sent to the auditors."),
        ("learning_conversation_minutes", "Learning conversation with the key worker "
         "(at least, minutes)", "002: face to face, pre-booked, at least an hour."),
        ("family_contact", "Contact the family for every audit",
         "002: and the child or young person if appropriate."),
        ("feedback_to_previous_practitioner",
         "Feed back to earlier practitioners or teams whose practice stands out", "001."),
        ("reflective_discussion", "Reflective discussion with the audited practitioner",
         "001: the team manager meets the practitioner. 002: in their next supervision."),
        ("practitioner_replies_to_feedback",
         "The lead professional replies to audit feedback with comments and actions", "003."),
        ("case_note_when", "When a case note about the audit is written",
         "001: after the QA meeting. 002: actions are added to the case file note."),
        ("case_note_title", "Case note title", "001: Quality Assurance: case audited."),
        ("case_note_text", "Case note text", "{audit_date} is replaced by the audit's date."),
    ]),
    ("notices", [
        ("audit_notice_days", "Days' notice that a case will be audited",
         "002: at least 1 week's notice. Who is told is under 'Who is told of each event'."),
        ("contacts", "Named contacts and groups",
         "Mailboxes and groups that are not roles here, such as the Family Support Manager, "
         "MASH or a partnership group. A job title, never a person's name."),
        ("notification_rules", "Who is told of each event",
         "Roles, relationships to the case, or contact:<key>."),
        ("escalation_grades", "Grades that count as inadequate", "001: inadequate and "
         "inadequate-critical."),
        ("immediate_concern_sign_off_role", "Who signs off immediate-concern actions",
         "002: the relevant assistant director."),
        ("immediate_concern_wider_review",
         "An immediate concern can lead to a wider look at the key worker's caseload",
         "002: a wider view of the caseload, management practice or IRO/CP oversight."),
        ("practice_alert_escalation_days",
         "Practice alerts not answered are escalated after (days)",
         "002: practice alerts go to the team manager's tray; the seeds give no days. Days "
         "after the date the response was wanted by: the service manager is told then, the "
         "head of service a week later."),
    ]),
    ("moderation", [
        ("disagreement_settled_by", "Who settles a disagreement", ""),
        ("moderation_share_percent", "Share of each cycle's audits moderated (%)",
         "002: a third (33.33)."),
        ("moderate_disputed_audits", "Every disputed audit is moderated", "002."),
        ("moderation_panel_roles", "The moderation panel",
         "002: the assistant director, principal social worker, QA manager and the service "
         "manager of the safeguarding and review unit. Each line a role, or a role, a colon "
         "and a service or team for one of them (service_manager:Safeguarding and Review "
         "Unit). Whoever holds the moderator role sits on the panel too."),
        ("audit_quality_review", "Review the quality of the audits themselves",
         "004: mentoring auditors to become audit champions."),
        ("agreement_window_months", "Agreement figures cover the last (months)",
         "A month has only a few moderated audits: figures are worked out over this window."),
        ("agreement_min_audits", "Moderated audits needed before a figure is shown",
         "Figures for a section or an auditor with fewer moderated audits are not shown."),
        ("mentoring_threshold_percent",
         "Offer mentoring to auditors whose grades moderation changes more often than (%)",
         "004: mentoring and support to develop audit champions."),
    ]),
    ("actions", [
        ("action_deadline_days", "Audit actions completed within (days)",
         "002: a maximum of 40 days."),
        ("actions_signed_off_by", "Who signs off audit actions",
         "002: the allocated team manager."),
        ("overdue_action_escalation", "Overdue actions are escalated",
         "001: non-compliance is escalated to senior management. Each step: days after the "
         "action was due, and who is told (for example the service manager, then the "
         "assistant director)."),
        ("ri_actions_reviewed_at_next_qa_meeting",
         "Actions on 'requires improvement' cases are reviewed at the next QA meeting", "001."),
        ("ri_discussion_recorded_in",
         "Where the discussion of a 'requires improvement' audit is recorded",
         "001: a supervision or management oversight case note. Empty, with nobody named "
         "under 'Who is told of each event' for requires improvement: no SMART-action "
         "discussion is asked for."),
        ("re_audit_grades", "Grades that mean a re-audit", "001: inadequate and "
         "inadequate-critical."),
        ("re_audit_after_months_min", "Re-audit after: from (months)", "001: 2 to 3 months."),
        ("re_audit_after_months_max", "Re-audit after: to (months)", ""),
        ("re_audit_by_roles", "Who re-audits", "001: a senior manager."),
        ("closing_loop_revisit_months", "Revisit audited areas after (months)",
         "002: 6 months to let learning embed."),
        ("action_plan_review_months", "Action plans are reviewed every (months)",
         "004: monitored through quarterly quality assurance meetings (3)."),
    ]),
    ("reports", [
        ("reports", "Reports and who reads them",
         "Each report, when it is due, who approves it and who it goes to. A report with no "
         "kind is made outside auditloop: the QA manager is reminded when it is due."),
        ("other_activities", "Other quality assurance activity",
         "Recorded for the work to come: nothing is scheduled from this yet."),
    ]),
    ("families-and-staff", [
        ("feedback_link_days", "A family's feedback link works for (days)",
         "000: once the Early Help Assessment is closed the family is invited to complete a "
         "feedback form; the seed gives no time. The link, and a letter's short code, work "
         "once and stop working after this many days."),
        ("survey_anonymity_threshold", "Fewest answers before a survey group is shown",
         "002: the annual survey of teams and managers; the seed gives no number. A group "
         "with fewer answers than this is not shown, so nobody's answers can be picked out."),
    ]),
    ("records", [
        ("retention", "How long records are kept",
         "Not in the seeds: councils' usual retention schedules for children's social care "
         "quality assurance (the IRMS Local Government Retention Guidelines). Case audits 6 "
         "years after the audit, notices 1 year, uploaded files 3 months, sign-in events and "
         "ended sessions 1 year, the access log 2 years, reports kept; families' feedback, "
         "complaints and compliments, practice alerts and observations of practice 6 years, "
         "staff surveys' answers 3 years (our choice). Each a number of years or months, or "
         "keep. The daily retention job removes what is older; for the access log it says "
         "what the owner should remove."),
    ]),
]


# What each value is, for error messages (Setting.what); the rest read from their label.
_WHAT = {
    "cycles_per_year": "a number of cycles",
    "qa_meeting_minutes_per_case": "a number of minutes",
    "learning_conversation_minutes": "a number of minutes",
    "sample_size_min": "a number of cases", "sample_size_max": "a number of cases",
    "cases_per_unit_min": "a number of cases", "cases_per_unit_max": "a number of cases",
    "coverage_target_percent": "a percentage of open cases",
    "moderation_share_percent": "a share",
    "mentoring_threshold_percent": "a percentage",
    "conflict_line_management_depth": "a number of levels",
    "agreement_min_audits": "a number of audits",
    "allocation_notice_days_before_meeting": "a number of days",
    "audit_notice_days": "a number of days",
    "audit_list_days_before_cycle": "a number of days",
    "action_deadline_days": "a number of days",
    "practice_alert_escalation_days": "a number of days",
    "feedback_link_days": "a number of days",
    "survey_anonymity_threshold": "a number of answers",
    "allocation_unit": "whether auditors work in pairs or alone",
    "reflective_discussion": "when the reflective discussion is held",
    "immediate_concern_sign_off_role": "who signs off immediate-concern actions",
    "actions_signed_off_by": "who signs off audit actions",
    "auditor_roles": "the roles that audit", "re_audit_by_roles": "the roles that re-audit",
    "eligible_services": "the services", "tools": "the tools",
    "escalation_grades": "the grades", "re_audit_grades": "the grades",
    "case_note_title": "the case note's title", "case_note_text": "the case note's text",
    "ri_discussion_recorded_in": "where the discussion is recorded",
}


def _what(name: str, label: str, editor: str) -> str:
    if name in _WHAT:
        return _WHAT[name]
    if editor == "number":
        for unit in ("months", "weeks", "days", "minutes"):
            if unit in label.lower():
                return f"a number of {unit}"
        return "a number"
    if editor == "bool":
        return "yes or no"
    if editor == "choice":
        return label[0].lower() + label[1:]
    return "a value"


def _build() -> dict[str, Setting]:
    out: dict[str, Setting] = {}
    for page, rows in _BY_PAGE:
        for name, label, help_text in rows:
            if name in SPECS:
                spec, editor = SPECS[name], _EDITORS.get(name, "yaml")
            else:
                spec, editor = _scalar_spec(name)
                editor = _EDITORS.get(name, editor)
                if name == "actions_signed_off_by":
                    spec = RECIPIENT
            out[name] = Setting(name, label, help_text, editor, spec, page,
                                _what(name, label, editor))
    return out


SETTINGS: dict[str, Setting] = _build()
# (page title, [(field, label, help)]) in the pages' order, for lists of every setting.
GROUPS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (PAGES_BY_KEY[key].title, rows) for key, rows in _BY_PAGE]
SETTINGS_SPEC = Fields({name: F(s.spec) for name, s in SETTINGS.items()},
                       name="the framework settings")


def defaults() -> dict[str, Any]:
    """Every setting's default value (the model's), as a preset starts from."""
    out: dict[str, Any] = {}
    for name in SETTINGS:
        out[name] = _model_field(name).get_default()
    return out


def check_value(name: str, value: Any) -> Any:
    """A value given in code, by a form or by a scheduled change, read by the same spec a
    preset file is read with. Returns the value as read; raises DomainError naming the
    problem (a role that does not exist, a number out of range...)."""
    setting = SETTINGS[name]
    if value is None or value == "" or value == [] or value == {}:
        field = setting.field
        if isinstance(field, models.JSONField):
            return field.get_default()
        if field.null:
            return None
        if field.blank and isinstance(value, str):
            return ""
        raise DomainError(f"{setting.label} needs a value.", field=name)
    try:
        return read_value(dump(_plain_values(value)), setting.label, setting.spec)
    except FileProblems as exc:
        raise DomainError(
            "; ".join(f"{setting.label}"
                      f"{'' if p.field in ('', '(the file)') else ' ' + p.field}: {p.message}"
                      for p in exc.problems), field=name,
        ) from exc


def _plain_values(value: Any) -> Any:
    """Enum members (Role.IRO, a model's choices) as the words they stand for."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain_values(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_values(v) for k, v in value.items()}
    return value


def normalise(name: str, value: Any) -> Any:
    """One stored shape for each value, so comparing old and new is exact."""
    if name == "notification_rules":
        return {event: [notice(n) for n in entries] for event, entries in (value or {}).items()}
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    if isinstance(value, list) and name in {"selection_modes", "exclusions", "reports",
                                            "other_activities", "theme_plan", "contacts"}:
        return [dict(v) for v in value]
    return value


def notice(entry: Any) -> dict[str, Any]:
    if isinstance(entry, str):
        return {"to": entry, "how": [], "at_once": False, "where_appropriate": False,
                "note": ""}
    return dict(entry)


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def cross_check(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules between settings. Returns (setting, message) pairs; empty when all is well."""
    problems: list[tuple[str, str]] = []

    def pair(low: str, high: str, what: str) -> None:
        a, b = values.get(low), values.get(high)
        if a is not None and b is not None and a > b:
            problems.append((low, f"The smallest {what} ({a}) is more than the largest ({b})."))

    pair("sample_size_min", "sample_size_max", "number of cases a cycle")
    pair("cases_per_unit_min", "cases_per_unit_max", "number of cases for each auditor or pair")
    pair("taf_interval_weeks_min", "taf_interval_weeks_max", "TAF interval")
    pair("taf_interval_weeks_max", "taf_interval_weeks_acceptable", "TAF interval")
    pair("re_audit_after_months_min", "re_audit_after_months_max", "re-audit window")
    cycles = values.get("cycles_per_year") or 0
    if cycles < 1:
        problems.append(("cycles_per_year", "There must be at least one cycle a year."))
    for entry in values.get("theme_plan") or []:
        if entry["cycle"] > cycles:
            problems.append(("theme_plan", f"Cycle {entry['cycle']} has a theme but there are "
                                           f"only {cycles} cycles a year."))
    if values.get("coverage_target_percent") is not None and not values.get(
        "coverage_target_months"
    ):
        problems.append(("coverage_target_months",
                         "Say over how many months the coverage target is measured."))
    if values.get("case_note_when", "never") != "never" and not values.get("case_note_title"):
        problems.append(("case_note_title", "Give the case note a title, or stop writing one."))
    contact_keys = {c["key"] for c in values.get("contacts") or []}

    def check_recipient(setting: str, value: str) -> None:
        if value in RELATIONSHIPS or value in Role.values:
            return
        if value.startswith("contact:"):
            if value.removeprefix("contact:") not in contact_keys:
                problems.append((setting, f"“{value}” is not one of the named contacts: add "
                                          "it under 'Named contacts and groups' first."))
            return
        problems.append((setting, f"“{value}” is not a role, a relationship to the case or "
                                  "contact:<key>."))

    for event, entries in (values.get("notification_rules") or {}).items():
        for entry in entries:
            check_recipient("notification_rules", notice(entry)["to"])
        del event
    for report in values.get("reports") or []:
        for audience in report["audiences"]:
            check_recipient("reports", audience)
    for activity in values.get("other_activities") or []:
        for who in activity.get("of") or []:
            check_recipient("other_activities", who)
    for mode in values.get("selection_modes") or []:
        for who in mode["by"]:
            check_recipient("selection_modes", who)
    if values.get("actions_signed_off_by"):
        check_recipient("actions_signed_off_by", values["actions_signed_off_by"])
    return problems
