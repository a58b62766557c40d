"""Writes to actions. Each locks the action, checks who may act, and records history."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from auditloop.actions import notice_checks
from auditloop.actions.models import (
    Action,
    ActionEvent,
    ActionOwner,
    ActionPlan,
    ActionPlanAction,
    ActionPlanEvent,
    ActionPlanLead,
    ActionPlanReview,
    Finding,
    FindingTag,
    LearningSource,
)
from auditloop.cases.models import Case
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.done import about
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.people.roles import Capability, Role, capabilities_for
from auditloop.standards.selectors import framework_settings_row

S = Action.Status


def _lock(action: Action) -> Action:
    return Action.objects.select_for_update().get(pk=action.pk)


def _event(action: Action, actor: Person | None, kind: str, *, note: str = "",
           from_status: str = "", to_status: str = "") -> ActionEvent:
    return ActionEvent.objects.create(action=action, actor=actor, kind=kind, note=note,
                                      from_status=from_status, to_status=to_status)


def _current_owner(action: Action) -> Person | None:
    row = ActionOwner.objects.filter(action=action, ended_at__isnull=True).first()
    return row.person if row else None


def may_sign_off(*, action: Action, person: Person) -> bool:
    if action.sign_off_person_id is not None:
        return person.pk == action.sign_off_person_id
    return action.sign_off_role in person.roles


@transaction.atomic
def action_create(
    *,
    issue: str,
    action: str,
    by_whom: str,
    owner: Person,
    due_on: dt.date,
    desired_outcome: str,
    success_measure: str,
    sign_off_role: str,
    sign_off_person: Person | None = None,
    created_by: Person | None = None,
) -> Action:
    """Agree a SMART action. Every SMART part is required: a vague action cannot be tracked."""
    parts = {"issue": issue, "action": action, "by_whom": by_whom,
             "desired_outcome": desired_outcome, "success_measure": success_measure}
    for field, value in parts.items():
        if not value.strip():
            raise DomainError("Fill in every part of the action so it can be tracked.",
                              field=field)
    row = Action.objects.create(
        issue=issue, action=action, by_whom=by_whom, due_on=due_on,
        desired_outcome=desired_outcome, success_measure=success_measure,
        sign_off_role=sign_off_role, sign_off_person=sign_off_person, created_by=created_by,
    )
    ActionOwner.objects.create(action=row, person=owner, assigned_by=created_by)
    _event(row, created_by, ActionEvent.Kind.CREATED, to_status=S.RED)
    return row


@transaction.atomic
def action_assign(*, action: Action, owner: Person, actor: Person) -> Action:
    action = _lock(action)
    current = ActionOwner.objects.filter(action=action, ended_at__isnull=True).first()
    if current and current.person_id == owner.pk:
        return action
    if current:
        current.ended_at = timezone.now()
        current.save(update_fields=["ended_at"])
    ActionOwner.objects.create(action=action, person=owner, assigned_by=actor)
    _event(action, actor, ActionEvent.Kind.OWNER_CHANGED, note=f"Now owned by {owner}")
    return action


@transaction.atomic
def action_set_progress(*, action: Action, actor: Person, status: str, note: str = "") -> Action:
    """Red or Amber. Green only comes from a sign-off."""
    action = _lock(action)
    if status == S.GREEN:
        raise WorkflowError("An action turns green when it is signed off. Send it for "
                            "sign-off with your evidence instead.")
    if action.is_done:
        raise WorkflowError("This action is already signed off as done.")
    if actor != _current_owner(action) and actor.pk != action.created_by_id:
        raise DomainError("Only the action's owner can update its progress.")
    if status not in (S.RED, S.AMBER):
        raise DomainError("Choose red (not started) or amber (in progress).", field="status")
    action.workflow.move(action, to=status, actor=actor, reason=note,
                         kind=ActionEvent.Kind.PROGRESS)
    return action


@transaction.atomic
def action_submit_for_sign_off(*, action: Action, actor: Person, evidence: str) -> Action:
    action = _lock(action)
    if action.is_done:
        raise WorkflowError("This action is already signed off as done.")
    if actor != _current_owner(action):
        raise DomainError("Only the action's owner can send it for sign-off.")
    if not evidence.strip():
        raise DomainError("Say what was done and where the evidence is.", field="evidence")
    action.completion_evidence = evidence
    action.completion_submitted_at = timezone.now()
    action.workflow.move(action, to=S.AMBER, actor=actor, reason=evidence,
                         also_save=["completion_evidence", "completion_submitted_at"],
                         kind=ActionEvent.Kind.SUBMITTED)
    return action


@transaction.atomic
def action_sign_off(*, action: Action, actor: Person, note: str = "") -> Action:
    action = _lock(action)
    if action.is_done:
        raise WorkflowError("This action is already signed off.")
    if action.completion_submitted_at is None:
        raise WorkflowError("The owner has not sent this action for sign-off yet.")
    if not may_sign_off(action=action, person=actor):
        raise DomainError("You cannot sign off this action: it needs "
                          f"{action.sign_off_person or action.get_sign_off_role_display()}.")
    action.signed_off_by = actor
    action.signed_off_at = timezone.now()
    action.workflow.move(action, to=S.GREEN, actor=actor, reason=note,
                         also_save=["signed_off_by", "signed_off_at"],
                         kind=ActionEvent.Kind.SIGNED_OFF)
    return action


@transaction.atomic
def action_refuse_sign_off(*, action: Action, actor: Person, reason: str) -> Action:
    action = _lock(action)
    if action.completion_submitted_at is None or action.is_done:
        raise WorkflowError("There is nothing waiting for sign-off on this action.")
    if not may_sign_off(action=action, person=actor):
        raise DomainError("You cannot sign off this action.")
    if not reason.strip():
        raise DomainError("Say what still needs to be done.", field="reason")
    action.completion_submitted_at = None
    action.save(update_fields=["completion_submitted_at", "updated_at"])
    _event(action, actor, ActionEvent.Kind.SIGN_OFF_REFUSED, note=reason)
    return action


@transaction.atomic
def action_comment(*, action: Action, actor: Person, text: str) -> ActionEvent:
    if not text.strip():
        raise DomainError("Write a comment.", field="text")
    return _event(action, actor, ActionEvent.Kind.COMMENT, note=text)


# ---------------------------------------------------------------- action plans


def may_lead_plans(person: Person) -> bool:
    """004 6.1: strategic leads own action plans (and whoever holds OWN_ACTION_PLANS)."""
    return person.is_active and (
        Role.STRATEGIC_LEAD in person.roles
        or Capability.OWN_ACTION_PLANS in capabilities_for(person.roles)
    )


def review_cadence_months() -> int | None:
    """The framework's action plan review cadence (004: quarterly, 3); None: no cadence."""
    return framework_settings_row().action_plan_review_months


def _plan_event(plan: ActionPlan, actor: Person | None, kind: str, note: str = "") -> None:
    ActionPlanEvent.objects.create(plan=plan, actor=actor, kind=kind, note=note)


def _required(**parts: str) -> None:
    for field, value in parts.items():
        if not value.strip():
            raise DomainError(f"Enter the {field.replace('_', ' ')}.", field=field)


def _check_source(source: str) -> None:
    if source not in LearningSource.values:
        raise DomainError("Choose where this came from.", field="source")


@transaction.atomic
def action_plan_create(
    *,
    title: str,
    recommendation: str,
    source: str,
    source_label: str,
    source_key: str = "",
    theme: str = "",
    strategic_lead: Person,
    actor: Person | None,
) -> ActionPlan:
    """Turn a recommendation into a plan led by a strategic lead (004 6.1).

    Idempotent on (source_key, title) when source_key is given: calling it again, or a
    repeated POST of the same form, returns the first plan and makes nothing new. The
    caller decides who may make plans (the views: may_create_plans); actor None is the
    system.
    """
    title, source_key = title.strip(), source_key.strip()
    _required(title=title, recommendation=recommendation, source_label=source_label)
    _check_source(source)
    if source_key:
        existing = ActionPlan.objects.filter(source_key=source_key, title=title).first()
        if existing is not None:
            return existing
    if not may_lead_plans(strategic_lead):
        raise DomainError(f"{strategic_lead} cannot lead action plans: choose a strategic "
                          "lead.", field="strategic_lead")
    months = review_cadence_months()
    try:
        with transaction.atomic():
            plan = ActionPlan.objects.create(
                title=title, recommendation=recommendation.strip(), source=source,
                source_label=source_label.strip(), source_key=source_key,
                theme=theme.strip(), created_by=actor,
                next_review_on=add_months(timezone.localdate(), months) if months else None,
            )
    except IntegrityError:
        # Two identical requests at once: the other one made it.
        return ActionPlan.objects.get(source_key=source_key, title=title)
    ActionPlanLead.objects.create(plan=plan, person=strategic_lead, assigned_by=actor)
    _plan_event(plan, actor, ActionPlanEvent.Kind.CREATED, note=f"Led by {strategic_lead}")
    _tell_lead(plan, strategic_lead, actor)
    return plan


def _notify_plan(plan: ActionPlan, recipients: Iterable[Person], *, subject: str,
                 body: str, fragment: str = "", kind: str = "") -> None:
    # Plans name no child, but the notice still carries only a link, as every notice does.
    notify(recipients=recipients, subject=subject, body=body,
           link=reverse("actions:plan_detail", args=[plan.pk]) + fragment,
           kind=kind, about=about("action_plan", plan.pk) if kind else "")


def _tell_lead(plan: ActionPlan, lead: Person, actor: Person | None) -> None:
    if actor is not None and actor.pk == lead.pk:
        return
    _notify_plan(plan, [lead], subject="You lead an action plan",
                 body="A recommendation has been given to you as an action plan. Add its "
                 "actions.", fragment="#plan-actions", kind=notice_checks.ADD_ACTIONS)


# ---------------------------------------------------------------- findings

# A word that could be a case or child identifier: letters and digits, at least one digit.
_IDENTIFIER_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_-]{2,62}[A-Za-z0-9]")


def identifiers_in(text: str) -> list[str]:
    """The case references and child or family identifiers of the register found in the
    text. Findings are about practice, not people: they must not name a case."""
    words = {w for w in _IDENTIFIER_LIKE.findall(text) if any(ch.isdigit() for ch in w)}
    words |= {w.upper() for w in words}
    if not words:
        return []
    found = Case.objects.filter(
        Q(reference__in=words) | Q(child_identifier__in=words) | Q(family_identifier__in=words)
    ).values_list("reference", "child_identifier", "family_identifier")
    hits = {v for row in found for v in row if v and v in words}
    return sorted(hits)


@transaction.atomic
def finding_create(
    *,
    text: str,
    tags: list[str],
    source: str,
    source_label: str,
    source_key: str = "",
    theme: str = "",
    actor: Person | None,
    plan: ActionPlan | None = None,
) -> Finding:
    """Record wider learning (002) tagged for the training plan, service gaps, policy or
    supervision. Idempotent on (source_key, text) when source_key is given."""
    text, source_key = text.strip(), source_key.strip()
    _required(text=text, source_label=source_label)
    _check_source(source)
    chosen = sorted(set(tags))
    if not chosen:
        raise DomainError("Choose at least one kind of finding.", field="tags")
    if any(t not in Finding.Tag.values for t in chosen):
        raise DomainError("Choose kinds of finding from the list.", field="tags")
    if identifiers_in(text):
        raise DomainError("Take out the case reference: a finding is about practice, not a "
                          "child or family. Describe what was seen across cases instead.",
                          field="text")
    digest = hashlib.sha256(text.encode()).hexdigest()
    if source_key:
        existing = Finding.objects.filter(source_key=source_key, text_digest=digest).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            finding = Finding.objects.create(
                text=text, source=source, source_label=source_label.strip(),
                source_key=source_key, theme=theme.strip(), plan=plan, created_by=actor,
                text_digest=digest,
            )
    except IntegrityError:
        return Finding.objects.get(source_key=source_key, text_digest=digest)
    FindingTag.objects.bulk_create([FindingTag(finding=finding, tag=t) for t in chosen])
    return finding


# ---------------------------------------------------------------- who may do what to a plan

_QA_TEAM_CAPABILITIES = (Capability.RUN_CYCLE, Capability.MANAGE_FRAMEWORK)


def _caps(person: Person) -> frozenset[Capability]:
    return capabilities_for(person.roles) if person.is_active else frozenset()


def may_create_plans(person: Person) -> bool:
    """The QA team and those who own action plans (004 6.1: strategic leads produce them)."""
    caps = _caps(person)
    return any(c in caps for c in (*_QA_TEAM_CAPABILITIES, Capability.OWN_ACTION_PLANS))


def _current_lead_id(plan: ActionPlan) -> int | None:
    return (ActionPlanLead.objects.filter(plan=plan, ended_at__isnull=True)
            .values_list("person_id", flat=True).first())


def may_edit_plan(*, plan: ActionPlan, person: Person) -> bool:
    """The plan's current lead, and the QA team who keep the plans."""
    if not person.is_active:
        return False
    if any(c in _caps(person) for c in _QA_TEAM_CAPABILITIES):
        return True
    return _current_lead_id(plan) == person.pk


def may_review_plan(*, plan: ActionPlan, person: Person) -> bool:
    """004 6.1: plans are "sent to the Strategic Lead for Quality Assurance to monitor their
    progress". That is the head of service for QA, or a QA manager who runs the cycle and
    its QA meetings; never the plan's own lead, who cannot monitor their own plan."""
    if not person.is_active or Capability.RUN_CYCLE not in _caps(person):
        return False
    return _current_lead_id(plan) != person.pk


def _lock_plan(plan: ActionPlan) -> ActionPlan:
    return ActionPlan.objects.select_for_update().get(pk=plan.pk)


def _open(plan: ActionPlan) -> None:
    if not plan.is_open:
        raise WorkflowError("This action plan is closed. Make a new plan if there is more "
                            "to do.")


@transaction.atomic
def action_plan_lead_change(*, plan: ActionPlan, lead: Person, actor: Person,
                            note: str = "") -> ActionPlan:
    """Hand the plan to another strategic lead: the old lead row ends, a new one starts."""
    plan = _lock_plan(plan)
    _open(plan)
    if not may_edit_plan(plan=plan, person=actor):
        raise DomainError("Only the plan's lead or the QA team can change who leads it.")
    if not may_lead_plans(lead):
        raise DomainError(f"{lead} cannot lead action plans: choose a strategic lead.",
                          field="lead")
    current = ActionPlanLead.objects.filter(plan=plan, ended_at__isnull=True).first()
    if current is not None and current.person_id == lead.pk:
        return plan
    if current is not None:
        current.ended_at = timezone.now()
        current.save(update_fields=["ended_at"])
    ActionPlanLead.objects.create(plan=plan, person=lead, assigned_by=actor)
    if current is not None:
        _move_sign_off(plan, old_lead_id=current.person_id, lead=lead, actor=actor)
    _plan_event(plan, actor, ActionPlanEvent.Kind.LEAD_CHANGED,
                note=f"Now led by {lead}" + (f": {note.strip()}" if note.strip() else ""))
    _tell_lead(plan, lead, actor)
    return plan


@transaction.atomic
def action_plan_action_add(
    *,
    plan: ActionPlan,
    actor: Person,
    issue: str,
    action: str,
    by_whom: str,
    owner: Person,
    due_on: dt.date | None,
    desired_outcome: str,
    success_measure: str,
) -> Action:
    """A SMART action of the plan, made by action_create so the SMART rules, owners, RAG
    and sign-off are the same as every other action's. The plan's lead signs it off; if the
    lead owns it, the head of service for QA does (nobody signs off their own action).

    A repeated POST of the same action (same text, owner and date) returns the first one.
    """
    plan = _lock_plan(plan)
    _open(plan)
    if not may_edit_plan(plan=plan, person=actor):
        raise DomainError("Only the plan's lead or the QA team can add actions to it.")
    if due_on is None:
        raise DomainError("Enter the date the action will be done by.", field="due_on")
    if due_on < timezone.localdate():
        raise DomainError("The date the action will be done by must be today or later.",
                          field="due_on")
    if not owner.is_active:
        raise DomainError(f"{owner} is no longer in post: choose who owns the action now.",
                          field="owner")
    same = Action.objects.filter(
        plan_link__plan=plan, action=action.strip(), due_on=due_on,
        owner_rows__person=owner, owner_rows__ended_at__isnull=True,
    ).first()
    if same is not None:
        return same
    lead_id = _current_lead_id(plan)
    sign_off_role, sign_off_person = _plan_sign_off(
        Person.objects.get(pk=lead_id) if lead_id else None, owner.pk)
    row = action_create(
        issue=issue, action=action.strip(), by_whom=by_whom, owner=owner, due_on=due_on,
        desired_outcome=desired_outcome, success_measure=success_measure,
        sign_off_role=sign_off_role, sign_off_person=sign_off_person, created_by=actor,
    )
    ActionPlanAction.objects.create(plan=plan, action=row)
    _plan_event(plan, actor, ActionPlanEvent.Kind.ACTION_ADDED, note=row.action[:200])
    return row


def _plan_sign_off(lead: Person | None, owner_id: int) -> tuple[str, Person | None]:
    """The plan's lead signs off its actions; the head of service for QA signs off those
    the lead owns, so nobody signs off their own action."""
    if lead is None or lead.pk == owner_id:
        return Role.HEAD_OF_QA, None
    return Role.STRATEGIC_LEAD, lead


def _move_sign_off(plan: ActionPlan, *, old_lead_id: int, lead: Person, actor: Person) -> None:
    """Open actions the old lead was to sign off now wait for the new lead."""
    waiting = Action.objects.select_for_update().filter(plan_link__plan=plan).exclude(
        status=Action.Status.GREEN).filter(
        Q(sign_off_person_id=old_lead_id)
        | Q(sign_off_person__isnull=True, sign_off_role=Role.HEAD_OF_QA))
    for action in waiting:
        owner_id = (ActionOwner.objects.filter(action=action, ended_at__isnull=True)
                    .values_list("person_id", flat=True).first())
        role, person = _plan_sign_off(lead, owner_id or 0)
        if (role, person and person.pk) == (action.sign_off_role, action.sign_off_person_id):
            continue
        action.sign_off_role, action.sign_off_person = role, person
        action.save(update_fields=["sign_off_role", "sign_off_person", "updated_at"])
        _event(action, actor, ActionEvent.Kind.COMMENT,
               note=f"The plan's lead changed: {person or Role(role).label} signs it off now.")


def next_review_limit(reviewed_on: dt.date) -> dt.date | None:
    """The latest next review the cadence allows after a review on this day."""
    months = review_cadence_months()
    return add_months(reviewed_on, months) if months else None


@transaction.atomic
def action_plan_review_record(
    *,
    plan: ActionPlan,
    actor: Person,
    reviewed_on: dt.date,
    rag: str,
    progress: str,
    changes: str = "",
    next_review_on: dt.date | None = None,
) -> ActionPlanReview:
    """The strategic lead for QA's review of a plan's progress (004 6.1: quarterly).

    The next review is the cadence on from the day of this review unless the reviewer
    brings it forward; it can never be later than the cadence allows.
    """
    plan = _lock_plan(plan)
    _open(plan)
    if not may_review_plan(plan=plan, person=actor):
        raise DomainError("Only the strategic lead for QA (the head of service for QA or a "
                          "QA manager) can review a plan, and not one they lead.")
    today = timezone.localdate()
    if reviewed_on > today:
        raise DomainError("The review date cannot be in the future.", field="reviewed_on")
    if reviewed_on < timezone.localtime(plan.created_at).date():
        raise DomainError("The review date cannot be before the plan was made.",
                          field="reviewed_on")
    if rag not in ActionPlanReview.Rag.values:
        raise DomainError("Choose red, amber or green for the plan's overall progress.",
                          field="rag")
    if not progress.strip():
        raise DomainError("Say what progress the plan has made.", field="progress")
    limit = next_review_limit(reviewed_on)
    if next_review_on is None:
        next_review_on = limit
    elif next_review_on <= reviewed_on:
        raise DomainError("The next review must be after this one.", field="next_review_on")
    elif limit is not None and next_review_on > limit:
        raise DomainError(f"The framework reviews plans at least every "
                          f"{review_cadence_months()} months: choose a date on or before "
                          f"{limit:%-d %B %Y}.", field="next_review_on")
    if ActionPlanReview.objects.filter(plan=plan, reviewed_on=reviewed_on).exists():
        raise DomainError("This plan already has a review on that date. Choose another "
                          "date, or leave the review that is there.", field="reviewed_on")
    review = ActionPlanReview.objects.create(
        plan=plan, reviewed_by=actor, reviewed_on=reviewed_on, rag=rag,
        progress=progress.strip(), changes=changes.strip(), next_review_on=next_review_on,
    )
    latest = ActionPlanReview.objects.filter(plan=plan).order_by("-reviewed_on", "-id").first()
    if latest is not None and latest.pk == review.pk:
        # A back-dated review recorded late does not move the plan's next review.
        plan.next_review_on = next_review_on
        plan.save(update_fields=["next_review_on", "updated_at"])
    _plan_event(plan, actor, ActionPlanEvent.Kind.REVIEWED,
                note=f"{review.get_rag_display()}. {review.progress}"[:500])
    lead_id = _current_lead_id(plan)
    if lead_id is not None:
        _notify_plan(plan, Person.objects.filter(pk=lead_id),
                     subject="Your action plan has been reviewed",
                     body="The strategic lead for QA has recorded a review of your plan.")
    return review


@transaction.atomic
def action_plan_close(*, plan: ActionPlan, actor: Person, summary: str,
                      open_actions_reason: str = "") -> ActionPlan:
    """Close a plan with a summary of what it achieved. Open actions must be finished, or
    the reason for closing with them open is recorded."""
    plan = _lock_plan(plan)
    _open(plan)
    if not may_edit_plan(plan=plan, person=actor):
        raise DomainError("Only the plan's lead or the QA team can close it.")
    if not summary.strip():
        raise DomainError("Say what the plan achieved.", field="summary")
    still_open = Action.objects.filter(plan_link__plan=plan).exclude(
        status=Action.Status.GREEN).count()
    if still_open and not open_actions_reason.strip():
        raise DomainError(
            f"{still_open} of the plan's actions {'is' if still_open == 1 else 'are'} not "
            "signed off. Finish them first, or say why the plan closes with them open.",
            field="open_actions_reason")
    plan.closed_at = timezone.now()
    plan.closed_by = actor
    plan.closing_summary = summary.strip()
    plan.open_actions_reason = open_actions_reason.strip() if still_open else ""
    plan.next_review_on = None
    plan.workflow.move(plan, to=ActionPlan.Status.CLOSED, actor=actor,
                       reason=plan.closing_summary,
                       also_save=["closed_at", "closed_by", "closing_summary",
                                  "open_actions_reason", "next_review_on"])
    return plan
