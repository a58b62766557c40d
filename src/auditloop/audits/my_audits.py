"""The audits the people they are about look for: the audits of a case on its page, a
practitioner's "Audits of my cases", a team manager's "My team's audits", and on each what
is waiting for the reader after the audit (003: the lead professional replies with comments
and actions; 001: the team manager and practitioner agree SMART actions; 002: actions signed
off by the allocated team manager), with the day it is due.

Every list holds only audits the reader may open (selectors.openable_audit_ids, the rule of
get_audit_for_user), so a moderator still grading blind never sees an audit here, nor its
grade. Each list is answered in a fixed number of queries, however many audits it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from auditloop.actions.deadline import action_deadline
from auditloop.actions.models import Action, ActionOwner
from auditloop.audits import selectors
from auditloop.audits.models import (
    Audit,
    AuditAction,
    AuditTransition,
    Disagreement,
    FeedbackReply,
    ImmediateConcern,
)
from auditloop.cases.models import Involvement
from auditloop.people.models import Person
from auditloop.people.roles import Capability
from auditloop.people.selectors import management_subtree_ids

S = Audit.Status


class StepKind:
    REPLY = "reply"
    AGREE_ACTIONS = "agree_actions"
    CONFIRM_ACTIONS = "confirm_actions"
    DO_ACTION = "do_action"
    SIGN_OFF = "sign_off"


@dataclass(frozen=True)
class Step:
    """Something waiting for the reader on an audit: what to do, where, and by when. A step
    that cannot be taken yet carries `blocked` (why) and no link."""

    kind: str
    text: str
    href: str
    due_on: dt.date | None
    blocked: str = ""


@dataclass
class AuditRow:
    audit: Audit
    href: str
    grade: str  # the grade that counts, in the tool's words; "" before it exists
    steps: list[Step] = field(default_factory=list)

    @property
    def waiting(self) -> list[Step]:
        """The steps the reader can take now."""
        return [s for s in self.steps if not s.blocked]

    @property
    def due_on(self) -> dt.date | None:
        days = [s.due_on for s in self.waiting if s.due_on is not None]
        return min(days) if days else None

    @property
    def date(self) -> dt.date | None:
        """The audit's date as the lists show it: the day it was submitted, else its due day."""
        if self.audit.submitted_at is not None:
            return self.audit.submitted_at.date()
        return self.audit.due_on


# Who the team manager of an audit's case is: as recipients.people_for("case_team_manager")
# says (the case's team manager, else the key worker's line manager), read from the rows
# already loaded so a list asks nothing per audit.
def team_manager_id(audit: Audit) -> int | None:
    case = audit.case
    if case.team_manager_id:
        return case.team_manager_id
    return case.key_worker.line_manager_id if case.key_worker else None


def grade_text(audit: Audit) -> str:
    """The grade that counts (a moderator's or a settled disagreement's change, else the
    auditor's), by its label in the audit's tool."""
    key = audit.final_grade or audit.overall_grade
    if not key or not audit.is_submitted_or_later:
        return ""
    overall = audit.tool_version.definition.get("overall") or {}
    scale = audit.tool_version.definition.get("scales", {}).get(overall.get("scale") or "", {})
    return next((lv["label"] for lv in scale.get("levels", []) if lv["key"] == key), key)


def shared_on(audit: Audit) -> dt.date | None:
    """The day the findings reached the practice: the feedback was sent (the last time, if
    a settled disagreement sent it again), or, where the framework shows practice an audit
    on submit, the day it was submitted."""
    sent = getattr(audit, "feedback_sent_rows", None)
    if sent:
        return sent[-1].at.date()
    return audit.submitted_at.date() if audit.submitted_at else None


def respond_by(audit: Audit, days: int | None) -> dt.date | None:
    """When the reply and the agreed actions are due. The framework sets no deadline of its
    own for the reply; it sets one for the actions (002: completed within 40 days of being
    agreed), so the reply and the actions are asked for within that many days of the
    findings being shared, the latest day they could still be agreed and done in time."""
    start = shared_on(audit)
    if start is None or not days:
        return None
    return start + dt.timedelta(days=days)


def _with_workflow(qs: QuerySet[Audit]) -> QuerySet[Audit]:
    """What the steps are worked out from, in a fixed number of queries."""
    return qs.select_related(
        "case", "case__key_worker", "case__team_manager", "tool_version",
    ).prefetch_related(
        Prefetch("replies", queryset=FeedbackReply.objects.only("id", "audit_id", "person_id"),
                 to_attr="reply_rows"),
        Prefetch("disagreements",
                 queryset=Disagreement.objects.filter(outcome=Disagreement.Outcome.OPEN),
                 to_attr="open_disagreements"),
        Prefetch("transitions",
                 queryset=AuditTransition.objects.filter(to_status=S.FEEDBACK_SENT)
                 .order_by("at", "id"), to_attr="feedback_sent_rows"),
        Prefetch("action_links", queryset=AuditAction.objects.select_related("action")
                 .prefetch_related(Prefetch(
                     "action__owner_rows",
                     queryset=ActionOwner.objects.filter(ended_at__isnull=True)))
                 .order_by("action__due_on", "action_id"), to_attr="link_rows"),
    )


def _action_text(action: Action) -> str:
    text = " ".join(action.action.split())
    return text if len(text) <= 80 else text[:77].rstrip() + "…"


def steps_for(audit: Audit, person: Person, *, days: int | None) -> list[Step]:
    """What waits for this person on this audit (loaded by _with_workflow), in the order the
    work goes: the reply, the actions agreed, confirmed, done and signed off."""
    steps: list[Step] = []
    due = respond_by(audit, days)
    feedback = reverse("audits:feedback", args=[audit.pk])
    links = getattr(audit, "link_rows", [])
    open_disagreement = bool(getattr(audit, "open_disagreements", []))
    is_key_worker = person.pk == audit.case.key_worker_id
    is_team_manager = person.pk == team_manager_id(audit)
    replied = any(r.person_id == person.pk for r in getattr(audit, "reply_rows", []))
    # The lists hold only audits the reader may open: a key worker opens one once the
    # framework shares its findings with practice (on submit, or after the QA meeting).
    if is_key_worker and audit.status in (S.SUBMITTED, S.DISCUSSED, S.FEEDBACK_SENT) \
            and not replied:
        steps.append(Step(StepKind.REPLY, "Read it and reply", feedback + "#reply", due))
    if is_key_worker and audit.status == S.FEEDBACK_SENT and not links and replied:
        steps.append(Step(StepKind.AGREE_ACTIONS, "Agree the actions with your team manager",
                          reverse("audits:reply_action_new", args=[audit.pk]), due))
    if is_team_manager and audit.status == S.FEEDBACK_SENT:
        steps.append(Step(
            StepKind.CONFIRM_ACTIONS, "Confirm the actions", feedback + "#actions", due,
            blocked="Confirm the actions once the disagreement is settled"
            if open_disagreement else ""))
    for link in links:
        action = link.action
        if action.is_done:
            continue
        href = reverse("actions:action_detail", args=[action.pk])
        owners = [r.person_id for r in action.owner_rows.all()]
        if action.awaiting_sign_off:
            signs = (person.pk == action.sign_off_person_id if action.sign_off_person_id
                     else action.sign_off_role in person.roles)
            if signs:
                steps.append(Step(StepKind.SIGN_OFF,
                                  f"Sign off the action: {_action_text(action)}", href,
                                  action.due_on))
        elif person.pk in owners and audit.status in (S.ACTIONS_AGREED, S.CLOSED):
            steps.append(Step(StepKind.DO_ACTION, f"Do the action: {_action_text(action)}",
                              href, action.due_on))
    return steps


def home_steps_q() -> Q:
    """The audits on which a step the home page names (the reply, agreeing or confirming the
    actions, signing one off: attention.STEP_WORDS) can wait, by steps_for's own rules: the
    findings are out and the actions not yet agreed, or an action was submitted for sign-off
    and is not yet signed off. The home page's lists are narrowed to these in the database
    before steps_for decides, so a manager of hundreds of people does not load every audit
    their people's cases ever had (benchmarks/RESULTS.md, the home pages)."""
    awaiting_sign_off = AuditAction.objects.filter(
        audit_id=OuterRef("pk"), action__completion_submitted_at__isnull=False,
    ).exclude(action__status__in=Action.workflow.groups["done"])
    return Q(status__in=[S.SUBMITTED, S.DISCUSSED, S.FEEDBACK_SENT]) | Q(
        Exists(awaiting_sign_off))


def _rows(user: Any, person: Person, candidates: QuerySet[Audit],
          only: Q | None = None) -> list[AuditRow]:
    if only is not None:
        candidates = candidates.filter(only)
    ids = set(candidates.exclude(status__in=[S.PLANNED, S.WITHDRAWN])
              .values_list("pk", flat=True))
    openable = selectors.openable_audit_ids(user, ids)
    days = action_deadline().days
    rows = []
    for audit in _with_workflow(Audit.objects.filter(pk__in=openable)):
        rows.append(AuditRow(audit=audit, href=reverse("audits:audit_detail", args=[audit.pk]),
                             grade=grade_text(audit), steps=steps_for(audit, person, days=days)))
    return sort_rows(rows)


def sort_rows(rows: list[AuditRow]) -> list[AuditRow]:
    """Those waiting for the reader first, soonest due first; then the rest, newest first."""
    far = dt.date.max
    waiting = sorted((r for r in rows if r.waiting),
                     key=lambda r: (r.due_on or far, r.audit.case.reference, r.audit.pk))
    rest = sorted((r for r in rows if not r.waiting),
                  key=lambda r: (r.date or dt.date.min, r.audit.pk), reverse=True)
    return waiting + rest


def holds_cases(user: Any) -> bool:
    return user.person_or_none is not None and user.has_capability(Capability.HOLD_CASES)


def leads_a_team(user: Any) -> bool:
    return user.person_or_none is not None and user.has_capability(
        Capability.VIEW_TEAM_CASES)


def audits_of_my_cases(user: Any, only: Q | None = None) -> list[AuditRow]:
    """The audits of the cases the person holds or has been involved in, that they may
    open, each with what is waiting for them (of those `only` admits, if given)."""
    person = user.person_or_none
    if person is None:
        return []
    mine = Audit.objects.filter(
        Q(case__key_worker=person)
        | Q(case__in=Involvement.objects.filter(person=person).values("case_id")))
    return _rows(user, person, mine, only)


def team_people_ids(person: Person) -> set[int]:
    """The team manager and everyone they manage, at any depth."""
    return {person.pk} | management_subtree_ids(person)


def audits_of_my_team(user: Any, only: Q | None = None) -> list[AuditRow]:
    """The audits of the cases the team manager's people hold or manage (and their own),
    that they may open, each with what is waiting for the team manager (of those `only`
    admits, if given)."""
    person = user.person_or_none
    if person is None:
        return []
    people = team_people_ids(person)
    theirs = Audit.objects.filter(Q(case__key_worker_id__in=people)
                                  | Q(case__team_manager_id__in=people))
    return _rows(user, person, theirs, only)


# The case page ---------------------------------------------------------------------------

@dataclass
class CaseAudit:
    audit: Audit
    href: str
    grade: str


def audits_on_case_page(user: Any, case_id: int) -> list[CaseAudit]:
    """The audits of the case the reader may open, newest first, with the grade once the
    audit is submitted. Three queries or so, however many audits."""
    audits = list(Audit.objects.filter(case_id=case_id)
                  .exclude(status=S.PLANNED).select_related("tool_version")
                  .order_by("-created_at", "-id"))
    openable = selectors.openable_audit_ids(user, [a.pk for a in audits])
    return [CaseAudit(audit=a, href=reverse("audits:audit_detail", args=[a.pk]),
                      grade=grade_text(a)) for a in audits if a.pk in openable]


# Urgent safeguarding concerns for a team manager ----------------------------------------

def urgent_concerns_for_team(user: Any, person: Person) -> list[ImmediateConcern]:
    """Immediate safeguarding concerns on the cases of the team manager's people whose
    actions are not all signed off as done, newest first (002: the team manager is told at
    once; the concern stays urgent until its actions are done)."""
    # Imported here: concerns imports the voices, which the app loads after its home panels.
    from auditloop.audits import concerns

    people = team_people_ids(person)
    open_actions = AuditAction.objects.filter(concern_id__isnull=False).exclude(
        action__status=Action.Status.GREEN).values("concern_id")
    found = concerns.with_related(
        ImmediateConcern.objects.filter(pk__in=open_actions)
        .filter(Q(audit__case__key_worker_id__in=people)
                | Q(audit__case__team_manager_id__in=people))).order_by("-created_at", "-id")
    return [c for c in found if concerns.may_see_concern(user, c)]
