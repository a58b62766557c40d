"""Roles and capabilities: a fixed set in code. Councils map their own job titles onto roles.

The roles are those the seeds (000 to 004) name; a person may hold several.
"""

from django.db import models


class Capability(models.TextChoices):
    VIEW_ALL_CASES = "view_all_cases", "See every case in the register"
    VIEW_EARLY_HELP_CASES = "view_early_help_cases", "See every Early Help case"
    VIEW_TEAM_CASES = "view_team_cases", "See the cases of the people they manage"
    IMPORT_CASES = "import_cases", "Import cases and staff"
    EXPORT_REGISTER = "export_register", "Export the case register"
    MANAGE_STAFF = "manage_staff", "Edit staff, teams, services and localities"
    VIEW_STAFF = "view_staff", "See the staff directory"
    MANAGE_FRAMEWORK = "manage_framework", "Change the framework's tools and settings"
    RUN_CYCLE = "run_cycle", "Run the monthly audit cycle"
    AUDIT = "audit", "Audit cases"
    MODERATE = "moderate", "Moderate audits"
    SETTLE_DISAGREEMENT = "settle_disagreement", "Settle a disagreement about an audit"
    SIGN_OFF_ACTIONS = "sign_off_actions", "Sign off actions"
    OWN_ACTION_PLANS = "own_action_plans", "Own strategic action plans"
    VIEW_REPORTS = "view_reports", "Read QA reports"
    VIEW_ACCESS_LOG = "view_access_log", "Read and export the access log and sign-in events"
    HOLD_CASES = "hold_cases", "Hold cases as key worker or lead professional"
    OVERSEE_CASES = "oversee_cases", "Oversee cases independently (IRO, CP Chair)"
    LOG_COMPLAINTS = "log_complaints", "Log complaints and compliments and their learning"
    ENTER_INDICATORS = "enter_indicators", "Enter or import indicator values"


class Role(models.TextChoices):
    QA_MANAGER = "qa_manager", "QA manager"
    AUDITOR = "auditor", "Auditor"
    MODERATOR = "moderator", "Moderator"
    PRACTITIONER = "practitioner", "Practitioner / lead professional"
    TEAM_MANAGER = "team_manager", "Team manager"
    SENIOR_MANAGER = "senior_manager", "Senior manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    HEAD_OF_QA = "head_of_qa", "Head of service for QA"
    ASSISTANT_DIRECTOR = "assistant_director", "Assistant director"
    DIRECTOR = "director", "Director"
    PRINCIPAL_SOCIAL_WORKER = "principal_social_worker", "Principal social worker"
    IRO = "iro", "IRO / CP Chair"
    EARLY_HELP_OFFICER = "early_help_officer", "Early help officer"
    STRATEGIC_LEAD = "strategic_lead", "Strategic lead"
    PARTNER_AGENCY_LEAD = "partner_agency_lead", "Partner-agency lead"
    SENIOR_LEADER = "senior_leader", "Senior leader / reader"
    # Named by the seeds as auditors or as staff needing support before they audit.
    SENIOR_PRACTITIONER = "senior_practitioner", "Senior practitioner"  # 001
    ASSISTANT_TEAM_MANAGER = "assistant_team_manager", "Assistant team manager"  # 002
    PRACTICE_ASSESSOR_LEAD = "practice_assessor_lead", "Practice assessor lead"  # 002
    PERSONAL_ADVISER = "personal_adviser", "Personal adviser"  # 002, care leavers
    PANEL_ADVISER = "panel_adviser", "Panel adviser"  # 002, auditors from December 2022
    # Not named by the seeds: the council's information governance lead (Data Protection
    # Officer or Caldicott Guardian's delegate), who answers "who looked at this record".
    INFORMATION_GOVERNANCE_LEAD = "information_governance_lead", "Information governance lead"
    # Not named by the seeds: the performance team's analyst (004's indicators), who uploads
    # the figures auditloop does not compute itself, with their benchmarks and source.
    PERFORMANCE_ANALYST = "performance_analyst", "Performance analyst"


C = Capability
_QA_TEAM = {
    C.VIEW_ALL_CASES, C.VIEW_STAFF, C.VIEW_REPORTS, C.AUDIT,
}
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.QA_MANAGER: frozenset(
        _QA_TEAM
        | {C.IMPORT_CASES, C.EXPORT_REGISTER, C.MANAGE_STAFF, C.MANAGE_FRAMEWORK, C.RUN_CYCLE,
           C.LOG_COMPLAINTS}
    ),
    Role.HEAD_OF_QA: frozenset(
        _QA_TEAM
        | {C.IMPORT_CASES, C.EXPORT_REGISTER, C.MANAGE_STAFF, C.MANAGE_FRAMEWORK, C.RUN_CYCLE,
           C.SETTLE_DISAGREEMENT, C.MODERATE, C.SIGN_OFF_ACTIONS, C.LOG_COMPLAINTS}
    ),
    # Reads who looked at what and who signed in; sees no case itself (need to know).
    Role.INFORMATION_GOVERNANCE_LEAD: frozenset({C.VIEW_ACCESS_LOG}),
    # Uploads indicator values and reads the indicators' pages: figures only, no case.
    Role.PERFORMANCE_ANALYST: frozenset({C.ENTER_INDICATORS}),
    # 000: Early Help Officers, in the Early Help Team, carry out audits of Early Help
    # Assessments and request them: they see every Early Help case, and no child protection,
    # child in need or looked-after case (need to know).
    Role.EARLY_HELP_OFFICER: frozenset(
        {C.VIEW_EARLY_HELP_CASES, C.VIEW_STAFF, C.VIEW_REPORTS, C.AUDIT}),
    Role.AUDITOR: frozenset({C.AUDIT}),
    Role.MODERATOR: frozenset({C.MODERATE}),
    Role.PRACTITIONER: frozenset({C.HOLD_CASES}),
    Role.TEAM_MANAGER: frozenset({C.VIEW_TEAM_CASES, C.SIGN_OFF_ACTIONS, C.HOLD_CASES}),
    Role.SENIOR_MANAGER: frozenset({C.VIEW_TEAM_CASES, C.SIGN_OFF_ACTIONS, C.VIEW_REPORTS}),
    Role.SERVICE_MANAGER: frozenset(
        {C.VIEW_TEAM_CASES, C.SIGN_OFF_ACTIONS, C.VIEW_REPORTS, C.VIEW_STAFF}
    ),
    Role.ASSISTANT_DIRECTOR: frozenset(
        {C.VIEW_ALL_CASES, C.VIEW_STAFF, C.VIEW_REPORTS, C.SIGN_OFF_ACTIONS,
         C.SETTLE_DISAGREEMENT, C.OWN_ACTION_PLANS}
    ),
    Role.DIRECTOR: frozenset(
        {C.VIEW_ALL_CASES, C.VIEW_STAFF, C.VIEW_REPORTS, C.OWN_ACTION_PLANS}
    ),
    Role.PRINCIPAL_SOCIAL_WORKER: frozenset(
        {C.VIEW_ALL_CASES, C.VIEW_STAFF, C.VIEW_REPORTS, C.AUDIT, C.MODERATE}
    ),
    Role.IRO: frozenset({C.OVERSEE_CASES}),
    Role.STRATEGIC_LEAD: frozenset({C.VIEW_REPORTS, C.OWN_ACTION_PLANS}),
    # Partner-agency leads hold cases and audit in multi-agency audits, and see nothing else.
    Role.PARTNER_AGENCY_LEAD: frozenset({C.HOLD_CASES, C.AUDIT}),
    Role.SENIOR_LEADER: frozenset({C.VIEW_REPORTS}),
    Role.SENIOR_PRACTITIONER: frozenset({C.HOLD_CASES, C.AUDIT}),
    Role.ASSISTANT_TEAM_MANAGER: frozenset({C.HOLD_CASES, C.VIEW_TEAM_CASES}),
    Role.PRACTICE_ASSESSOR_LEAD: frozenset({C.HOLD_CASES}),
    Role.PERSONAL_ADVISER: frozenset({C.HOLD_CASES}),
    Role.PANEL_ADVISER: frozenset({C.AUDIT}),
}


def capabilities_for(roles: set[str] | frozenset[str]) -> frozenset[Capability]:
    caps: set[Capability] = set()
    for role in roles:
        caps |= ROLE_CAPABILITIES[Role(role)]
    return frozenset(caps)


def case_reach(role: Role) -> str:
    """What a role alone lets its holder see of children's records, in the words of the
    user guide's "Who sees which records" table (a test keeps the two the same). Relationships
    add to it: anyone involved in a case, or an audit's auditor, sees that case or audit."""
    caps = ROLE_CAPABILITIES[role]
    if C.VIEW_ALL_CASES in caps:
        return "Every case and audit"
    parts = []
    if C.VIEW_EARLY_HELP_CASES in caps:
        parts.append("every Early Help case and its audits")
    if C.VIEW_TEAM_CASES in caps:
        parts.append("cases held or managed by the people they manage")
    if C.HOLD_CASES in caps:
        parts.append("cases they hold or are involved in")
    if C.OVERSEE_CASES in caps:
        parts.append("cases they review or chair")
    if C.AUDIT in caps:
        parts.append("audits allocated to them")
    if C.MODERATE in caps:
        parts.append("audits they are assigned to moderate, while the review is open")
    if not parts:
        if C.VIEW_ACCESS_LOG in caps:
            return "No child's record: the access log and sign-in events"
        return "No child's record: figures only"
    text = "; ".join(parts)
    return text[0].upper() + text[1:]
