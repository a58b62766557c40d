"""The central tracker (002: "a central tracker of all cases audited and any outstanding
actions"): reads only. Every audited case with its actions, and every outstanding action,
filtered and scoped to the person asking, with the facts the monthly performance meeting
asks about each action: its owner, due date, RAG, days since it was agreed, how overdue,
whether it is past the framework's deadline, waiting for the team manager's sign-off, and
who it was escalated to.

When an action was agreed: a reply's action (the lead professional's, 003) is agreed when the
team manager confirms the audit's actions (the audit's move to "actions agreed"); every other
audit action (an immediate concern's, one agreed from the audit) is agreed when it is made,
its "Agreed" history entry, written in the same transaction as the action itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from auditloop.actions.deadline import ActionDeadline
from auditloop.actions.models import Action, ActionOwner
from auditloop.audits.blinding import blind_audit_ids
from auditloop.audits.models import ActionEscalation, Audit, AuditAction, AuditTransition
from auditloop.cases.selectors import cases_for_user
from auditloop.people.models import Person
from auditloop.people.roles import Capability, Role
from auditloop.standards.models import ToolVersion

S = Audit.Status
A = Action.Status
# Audits the tracker lists: finished (submitted or later), or with an action agreed early
# (an immediate concern's actions never wait for the audit to be finished, 002).
AUDITED = Audit.workflow.groups["submitted_or_later"]
# Who opens the tracker: the QA team (every case) and managers (their people's cases, for
# the monthly performance meeting, 002).
READERS = (Capability.VIEW_ALL_CASES, Capability.VIEW_EARLY_HELP_CASES,
           Capability.VIEW_TEAM_CASES)
# Exports hold the names of key workers and managers and what each action is about: the
# same people who may export the case register.
EXPORTERS = (Capability.EXPORT_REGISTER,)


class Status:
    """The status filter's values (RAG, waiting for sign-off, done)."""

    OPEN = "open"
    RED = "red"
    AMBER = "amber"
    AWAITING = "awaiting"
    DONE = "done"
    CHOICES = [
        (OPEN, "Not yet done (red or amber)"),
        (RED, "Red: not started"),
        (AMBER, "Amber: in progress"),
        (AWAITING, "Waiting for sign-off"),
        (DONE, "Green: signed off as done"),
    ]


@dataclass(frozen=True)
class TrackerFilters:
    """What the tracker is filtered by: ids and keys only (they travel in the URL)."""

    team_id: int | None = None
    service_id: int | None = None
    locality_id: int | None = None
    owner_id: int | None = None
    status: str = ""
    overdue: bool = False
    grade: str = ""

    @property
    def on_actions(self) -> bool:
        """Filters that pick actions (so an audit is listed if one of its actions fits)."""
        return bool(self.owner_id or self.status or self.overdue)

    def query_string_items(self) -> list[tuple[str, str]]:
        pairs = [("team", self.team_id), ("service", self.service_id),
                 ("locality", self.locality_id), ("owner", self.owner_id),
                 ("status", self.status), ("overdue", "1" if self.overdue else ""),
                 ("grade", self.grade)]
        return [(k, str(v)) for k, v in pairs if v]

    def log_key(self) -> str:
        """The filters as the access log records them: ids and keys, no names."""
        return ("&".join(f"{k}={v}" for k, v in self.query_string_items()) or "all")[:64]


@dataclass
class ActionFacts:
    """One audit action as the tracker shows it."""

    link: AuditAction
    action: Action
    audit: Audit
    owner: Person | None
    agreed_on: dt.date | None
    days_since_agreement: int | None
    deadline_on: dt.date | None
    overdue_by: int
    over_limit_by: int
    signed_off_late: bool
    awaiting_sign_off: bool
    escalations: list[ActionEscalation] = field(default_factory=list)
    deadline_days: int | None = None  # the framework's limit the facts were counted against

    @property
    def is_done(self) -> bool:
        return self.action.status == A.GREEN

    @property
    def over_limit(self) -> bool:
        return self.over_limit_by > 0 or self.signed_off_late

    @property
    def sign_off_by(self) -> str:
        a = self.action
        if a.sign_off_person_id:
            return str(a.sign_off_person)
        return Role(a.sign_off_role).label if a.sign_off_role in Role.values else a.sign_off_role

    @property
    def status_label(self) -> str:
        if self.awaiting_sign_off:
            return "Waiting for sign-off"
        return str(self.action.get_status_display())


@dataclass
class AuditRow:
    audit: Audit
    actions: list[ActionFacts]


# Visibility and filters --------------------------------------------------------------------

def may_read_tracker(user: Any) -> bool:
    return any(user.has_capability(c) for c in READERS)


def _visible(qs: QuerySet[Any], user: Any, prefix: str) -> QuerySet[Any]:
    """Managers see the cases of the people they manage: the register's own rule. A
    moderator who has not yet graded an audit blind does not see it here (its grade, or a
    grade filter, would tell them the auditor's)."""
    blind = blind_audit_ids(getattr(user, "person_or_none", None))
    if blind:
        qs = qs.exclude(**{f"{prefix}pk__in": blind})
    if user.has_capability(Capability.VIEW_ALL_CASES):
        return qs
    return qs.filter(**{f"{prefix}case_id__in": cases_for_user(user=user).values("pk")})


def _case_q(f: TrackerFilters, prefix: str) -> Q:
    q = Q()
    if f.team_id:
        q &= Q(**{f"{prefix}case__team_id": f.team_id})
    if f.service_id:
        q &= Q(**{f"{prefix}case__service_id": f.service_id})
    if f.locality_id:
        q &= Q(**{f"{prefix}case__locality_id": f.locality_id})
    if f.grade:
        q &= Q(**{f"{prefix}final_grade": f.grade})
    return q


def _action_q(f: TrackerFilters, today: dt.date) -> Q:
    """On AuditAction rows."""
    q = Q()
    if f.owner_id:
        q &= Q(action__owner_rows__person_id=f.owner_id,
               action__owner_rows__ended_at__isnull=True)
    if f.status == Status.OPEN:
        q &= ~Q(action__status=A.GREEN)
    elif f.status in (Status.RED, Status.AMBER):
        q &= Q(action__status=f.status, action__completion_submitted_at__isnull=True)
    elif f.status == Status.AWAITING:
        q &= Q(action__completion_submitted_at__isnull=False) & ~Q(action__status=A.GREEN)
    elif f.status == Status.DONE:
        q &= Q(action__status=A.GREEN)
    if f.overdue:
        q &= Q(action__due_on__lt=today) & ~Q(action__status=A.GREEN)
    return q


def _action_prefetches(prefix: str = "") -> list[Prefetch[Any]]:
    return [
        Prefetch(f"{prefix}action__owner_rows",
                 queryset=ActionOwner.objects.filter(ended_at__isnull=True)
                 .select_related("person"), to_attr="current_owner_rows"),
        Prefetch(f"{prefix}action__escalations",
                 queryset=ActionEscalation.objects.order_by("after_days"),
                 to_attr="tracked_escalations"),
    ]


def _agreed_prefetch(lookup: str) -> Prefetch[Any]:
    return Prefetch(lookup, queryset=AuditTransition.objects.filter(
        to_status=S.ACTIONS_AGREED).order_by("at", "id"), to_attr="agreed_transitions")


_CASE_FIELDS = ("case", "case__service", "case__team", "case__locality", "case__key_worker",
                "case__team_manager", "tool_version__tool")
# Only what the tracker shows: the case's reference and where it sits, never the child's
# details, and not a tool version's large definition.
_AUDIT_ONLY = (
    "id", "status", "final_grade", "submitted_at", "case", "tool_version",
    "case__reference", "case__service", "case__team", "case__locality", "case__key_worker",
    "case__team_manager", "case__service__name", "case__team__name", "case__locality__name",
    "case__key_worker__full_name", "case__team_manager__full_name", "tool_version__tool",
    "tool_version__tool__name",
)
_ACTION_ONLY = (
    "id", "issue", "action", "due_on", "status", "sign_off_role", "sign_off_person",
    "completion_submitted_at", "signed_off_by", "signed_off_at", "created_at",
    "sign_off_person__full_name", "signed_off_by__full_name",
)


def tracker_audits(*, user: Any, filters: TrackerFilters, today: dt.date) -> QuerySet[Audit]:
    """Every audited case the user may see, newest audit first, each with the actions that
    fit the filters (on `tracked_links`)."""
    with_actions = AuditAction.objects.values("audit_id")
    qs = Audit.objects.filter(Q(status__in=AUDITED) | Q(pk__in=with_actions))
    qs = _visible(qs, user, "").filter(_case_q(filters, ""))
    action_q = _action_q(filters, today)
    if filters.on_actions:
        qs = qs.filter(pk__in=AuditAction.objects.filter(action_q).values("audit_id"))
    links = (AuditAction.objects.filter(action_q)
             .select_related("action", "action__sign_off_person", "action__signed_off_by")
             .only("id", "source", "audit", "action", *(f"action__{n}" for n in _ACTION_ONLY))
             .prefetch_related(*_action_prefetches())
             .order_by("action__due_on", "action_id"))
    return (qs.select_related(*_CASE_FIELDS).only(*_AUDIT_ONLY)
            .prefetch_related(Prefetch("action_links", queryset=links, to_attr="tracked_links"),
                              _agreed_prefetch("transitions"))
            .order_by("-submitted_at", "-id"))


def tracker_actions(*, user: Any, filters: TrackerFilters, today: dt.date
                    ) -> QuerySet[AuditAction]:
    """Every outstanding audit action the user may see (or, with a status filter, those of
    that status), soonest due first."""
    f = filters if filters.status else replace(filters, status=Status.OPEN)
    qs = AuditAction.objects.filter(_action_q(f, today)).filter(_case_q(f, "audit__"))
    qs = _visible(qs, user, "audit__")
    fields = [f"audit__{name}" for name in _CASE_FIELDS]
    return (qs.select_related("audit", *fields, "action", "action__sign_off_person",
                            "action__signed_off_by")
            .only("id", "source", "audit", "action", *(f"audit__{n}" for n in _AUDIT_ONLY),
                  *(f"action__{n}" for n in _ACTION_ONLY))
            .prefetch_related(*_action_prefetches(), _agreed_prefetch("audit__transitions"))
            .order_by("action__due_on", "action_id"))


# Facts about each action ------------------------------------------------------------------

def agreed_at(link: AuditAction) -> dt.datetime | None:
    """When the action was agreed (see the module's docstring)."""
    if link.source == AuditAction.Source.REPLY:
        confirmed = getattr(link.audit, "agreed_transitions", None)
        if confirmed is None:
            confirmed = list(link.audit.transitions.filter(to_status=S.ACTIONS_AGREED)
                             .order_by("at", "id"))
        return confirmed[-1].at if confirmed else None
    return link.action.created_at


def _local_date(when: dt.datetime | None) -> dt.date | None:
    from django.utils import timezone

    return timezone.localdate(when) if when is not None else None


def action_facts(link: AuditAction, *, today: dt.date, deadline_days: int | None
                 ) -> ActionFacts:
    action = link.action
    owners = getattr(action, "current_owner_rows", None)
    owner = owners[0].person if owners else (action.owner if owners is None else None)
    escalations = getattr(action, "tracked_escalations", None)
    if escalations is None:
        escalations = list(action.escalations.order_by("after_days"))
    agreed_on = _local_date(agreed_at(link))
    done = action.status == A.GREEN
    signed_on = _local_date(action.signed_off_at)
    deadline_on = (ActionDeadline(deadline_days).latest_due_on(agreed_on)
                   if agreed_on is not None else None)
    end = signed_on if done and signed_on else today
    return ActionFacts(
        link=link, action=action, audit=link.audit, owner=owner, agreed_on=agreed_on,
        days_since_agreement=(end - agreed_on).days if agreed_on else None,
        deadline_on=deadline_on,
        overdue_by=0 if done else max(0, (today - action.due_on).days),
        # 002: "completed within a maximum of 40 days": day 40 is within, day 41 is over.
        over_limit_by=0 if done or deadline_on is None else max(0, (today - deadline_on).days),
        signed_off_late=bool(done and deadline_on and signed_on and signed_on > deadline_on),
        awaiting_sign_off=action.awaiting_sign_off,
        escalations=list(escalations),
        deadline_days=deadline_days if deadline_on is not None else None,
    )


def audit_rows(audits: Any, *, today: dt.date, deadline_days: int | None) -> list[AuditRow]:
    deadline = deadline_days
    rows = []
    for audit in audits:
        facts = []
        for link in getattr(audit, "tracked_links", []):
            link.audit = audit
            facts.append(action_facts(link, today=today, deadline_days=deadline))
        rows.append(AuditRow(audit=audit, actions=facts))
    return rows


def action_rows(links: Any, *, today: dt.date, deadline_days: int | None
                ) -> list[ActionFacts]:
    return [action_facts(link, today=today, deadline_days=deadline_days) for link in links]


# The filters' choices and grade labels ------------------------------------------------------

def grade_labels() -> dict[str, str]:
    """Each overall grade's label, from the tools audits were done with (one query)."""
    labels: dict[str, str] = {}
    used = Audit.objects.filter(status__in=AUDITED).values("tool_version_id")
    versions = ToolVersion.objects.filter(pk__in=used).only("definition").order_by("pk")
    for version in versions:
        definition = version.definition or {}
        scale_key = (definition.get("overall") or {}).get("scale") or ""
        for level in (definition.get("scales", {}).get(scale_key) or {}).get("levels", []):
            labels.setdefault(str(level["key"]), str(level.get("label") or level["key"]))
    return labels


def action_owners(*, user: Any) -> QuerySet[Any]:
    """(id, name) of the people who own an audit action now on a case the user may see: the
    owner filter's choices."""
    links = _visible(AuditAction.objects.all(), user, "audit__")
    return (Person.objects.filter(action_rows__ended_at__isnull=True,
                                  action_rows__action__audit_link__in=links)
            .distinct().order_by("full_name").values_list("pk", "full_name"))
