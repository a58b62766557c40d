"""The demo council's audit actions, for the central tracker: SMART actions agreed from the
audit history's audits (demo/history.py), each at a realistic point of its life: done on
time, done after the framework's deadline, waiting for the team manager's sign-off, in
progress, not started and overdue, and escalated by the daily run as the framework says.

Made through the actions' and audits' services, then dated back; the escalations come from
the real daily service, run for each of the last weeks in turn. Idempotent: a council whose
audits already have actions is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from auditloop.actions import services as action_services
from auditloop.actions.models import Action, ActionEvent, ActionOwner
from auditloop.audits import services as audit_services
from auditloop.audits.models import ActionEscalation, Audit, AuditAction, AuditTransition
from auditloop.audits.overdue import overdue_actions_escalate
from auditloop.demo.history import demo_practitioner_id
from auditloop.demo.structure import DEMO_SOURCE
from auditloop.people.roles import Role

S = Audit.Status
K = ActionEvent.Kind
# Days of daily escalation runs replayed: long enough for 002's fortnight step to show.
ESCALATION_DAYS = 45
SHARE_WITH_ACTIONS = 0.75

# (issue, action, by whom, desired outcome, how we will know): the findings audits raise
# most (seed 002's key practice priorities: management oversight, assessment, planning).
ACTIONS = [
    ("Management oversight of the plan is not recorded",
     "Record management oversight of the plan in a case note after each supervision",
     "Team manager", "Decisions on the case are clear and recorded",
     "A management oversight note is on the file each month"),
    ("The chronology is out of date",
     "Bring the chronology up to date for the last six months", "Key worker",
     "An accurate chronology that shows the pattern of events",
     "The chronology is seen on the file and covers the period"),
    ("The child's views are not recorded",
     "Complete direct work with the child and record their views in their words",
     "Key worker", "The plan reflects what the child says",
     "Direct work is recorded and the plan quotes the child"),
    ("The plan is not SMART",
     "Review the plan with the family at the next Team Around the Family meeting",
     "Key worker with the family", "Each action in the plan says who, what and by when",
     "The reviewed plan is on the file with the family's agreement"),
    ("The assessment has not been updated since the family's circumstances changed",
     "Update the assessment with the new information from partners", "Key worker",
     "The assessment reflects the family's current circumstances",
     "An updated assessment is authorised by the team manager"),
    ("Visits are not happening at the frequency the plan sets",
     "Complete the overdue visit and book the next visits in the diary", "Key worker",
     "The child is seen as often as the plan says", "Visits are recorded on time"),
    ("Partner agencies are not invited to review meetings",
     "Invite the school and health visitor to the next review", "Key worker",
     "Every agency involved contributes to the plan",
     "Partners' contributions are recorded in the review minutes"),
]


@dataclass
class Built:
    actions: int = 0
    escalations: int = 0


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _outcome(rng: random.Random, due: dt.date, today: dt.date) -> str:
    """Most older actions are done (a few after the deadline); recent ones are in hand."""
    if due < today - dt.timedelta(days=60):
        return rng.choices(["on_time", "late", "amber"], [75, 20, 5])[0]
    if due < today - dt.timedelta(days=10):
        return rng.choices(["on_time", "late", "red", "amber"], [50, 15, 15, 20])[0]
    if due < today:
        return rng.choices(["amber", "awaiting", "on_time"], [40, 35, 25])[0]
    return rng.choices(["red", "amber", "awaiting"], [30, 40, 30])[0]


def _date_events(action: Action, kind: str, when: dt.datetime) -> None:
    ActionEvent.objects.filter(action=action, kind=kind).update(at=when)


def _make(rng: random.Random, audit: Audit, agreed: dt.date, today: dt.date,
          deadline: int) -> Action:
    case = audit.case
    owner, tm = case.key_worker, case.team_manager
    assert owner is not None and tm is not None  # build() picks cases that have both
    issue, what, by_whom, outcome_text, measure = rng.choice(ACTIONS)
    due = min(agreed + dt.timedelta(days=rng.randint(14, deadline - 2)),
              agreed + dt.timedelta(days=deadline))
    action = action_services.action_create(
        issue=issue, action=what, by_whom=by_whom, owner=owner, due_on=due,
        desired_outcome=outcome_text, success_measure=measure,
        sign_off_role=Role.TEAM_MANAGER, sign_off_person=tm, created_by=owner)
    source = (AuditAction.Source.REPLY if audit.status == S.FEEDBACK_SENT
              else AuditAction.Source.AUDIT)
    AuditAction.objects.create(audit=audit, action=action, source=source)
    agreed_at = _aware(agreed)
    Action.objects.filter(pk=action.pk).update(created_at=agreed_at, updated_at=agreed_at)
    ActionOwner.objects.filter(action=action).update(assigned_at=agreed_at)
    _date_events(action, K.CREATED, agreed_at)

    outcome = _outcome(rng, due, today)
    if outcome in ("amber", "awaiting", "on_time", "late"):
        action_services.action_set_progress(action=action, actor=owner,
                                            status=Action.Status.AMBER, note="Started")
        _date_events(action, K.PROGRESS, _aware(agreed + dt.timedelta(days=3)))
    if outcome in ("awaiting", "on_time", "late"):
        finished = (agreed + dt.timedelta(days=rng.randint(deadline + 1, deadline + 20))
                    if outcome == "late" else
                    min(due - dt.timedelta(days=rng.randint(0, 5)), today))
        finished = max(min(finished, today), agreed)
        action_services.action_submit_for_sign_off(
            action=action, actor=owner, evidence="Done: recorded on the child's file.")
        submitted_at = _aware(finished, 11)
        Action.objects.filter(pk=action.pk).update(completion_submitted_at=submitted_at,
                                                   updated_at=submitted_at)
        _date_events(action, K.SUBMITTED, submitted_at)
        if outcome != "awaiting":
            action_services.action_sign_off(action=action, actor=tm, note="Seen on the file.")
            signed_at = _aware(min(finished + dt.timedelta(days=rng.randint(0, 3)), today), 15)
            Action.objects.filter(pk=action.pk).update(signed_off_at=signed_at,
                                                       updated_at=signed_at)
            _date_events(action, K.SIGNED_OFF, signed_at)
    return action


@transaction.atomic
def build(rng: random.Random, today: dt.date) -> Built:
    """Actions for most of the demo council's finished audits; then the daily escalation
    replayed for the last weeks, so the tracker has escalations to show."""
    built = Built()
    demo_audits = Audit.objects.filter(case__source=DEMO_SOURCE)
    if AuditAction.objects.filter(audit__in=demo_audits).exists():
        return built
    from auditloop.standards.selectors import framework_settings_row

    # 002: "within a maximum of 40 days"; a framework with no limit gets the same spread.
    deadline = framework_settings_row().action_deadline_days or 40
    audits = (demo_audits.filter(status__in=[S.FEEDBACK_SENT, S.CLOSED],
                                 case__key_worker__isnull=False,
                                 case__team_manager__isnull=False,
                                 submitted_at__isnull=False)
              .select_related("case__key_worker", "case__team_manager").order_by("pk"))
    walker = demo_practitioner_id()
    for audit in audits:
        if rng.random() > SHARE_WITH_ACTIONS:
            continue
        if audit.status == S.FEEDBACK_SENT and audit.case.key_worker_id == walker:
            continue  # (demo) left for the demo practitioner to reply to (history.py)
        agreed = min(timezone.localdate(audit.submitted_at) + dt.timedelta(
            days=rng.randint(4, 12)), today - dt.timedelta(days=1))
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            _make(rng, audit, agreed, today, deadline)
            built.actions += 1
        if audit.status == S.FEEDBACK_SENT:
            # The team manager confirms the reply's actions: the day they are agreed.
            audit_services.transition(audit=audit, actor=audit.case.team_manager,
                                      to=S.ACTIONS_AGREED, reason="Demo: actions confirmed")
            AuditTransition.objects.filter(audit=audit, to_status=S.ACTIONS_AGREED).update(
                at=_aware(agreed, 16))
    for back in range(ESCALATION_DAYS, -1, -1):
        day = today - dt.timedelta(days=back)
        report = overdue_actions_escalate(today=day)
        for row in report.escalated:
            ActionEscalation.objects.filter(pk=row.pk).update(at=_aware(day, 7))
        built.escalations += len(report.escalated)
    return built


def open_concern(today: dt.date) -> None:
    """(demo) One immediate safeguarding concern still open on the demo team manager's
    team, raised by its auditor on one of last month's audits: their home page warns of it.
    Run last, once every audit has reached the state it is left in."""
    from auditloop.audits import concerns
    from auditloop.audits.models import ImmediateConcern

    found = list(Audit.objects.filter(case__source=DEMO_SOURCE, status=S.FEEDBACK_SENT,
                                      case__team_manager__user__username="demo-team_manager")
                 .select_related("case").prefetch_related("assignments__person")
                 .order_by("-submitted_at", "-pk"))
    # Another practitioner's case where there is one: the demo practitioner's are theirs to
    # reply to.
    walker = demo_practitioner_id()
    audit = next((a for a in found if a.case.key_worker_id != walker), None) or \
        (found[0] if found else None)
    if audit is None or ImmediateConcern.objects.filter(audit__case__source=DEMO_SOURCE).exists():
        return
    auditor = next((a.person for a in audit.assignments.all() if a.ended_at is None), None)
    if auditor is None:
        return
    concerns.immediate_concern_raise(
        audit=audit, actor=auditor, summary="Bruising reported by the school in the last month "
        "is not followed up on the file.", unsafe_practice=ImmediateConcern.Practice.CURRENT,
        mash_contacted=True, mash_note="MASH agreed a strategy discussion.",
        actions=[concerns.SmartAction(
            issue="Bruising not followed up", action="Visit the child and see them alone",
            by_whom="Team manager",
            # Raised now, so due after the real today (a demo built for an earlier reference
            # date still raises it today: the service refuses a date in the past).
            due_on=max(today, timezone.localdate()) + dt.timedelta(days=3),
            desired_outcome="The child is seen and safe",
            success_measure="The visit is recorded with the child's own words")])
