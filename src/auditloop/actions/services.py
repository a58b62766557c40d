"""Writes to actions. Each locks the action, checks who may act, and records history."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from auditloop.actions.models import Action, ActionEvent, ActionOwner
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.people.models import Person

S = Action.Status


def _lock(action: Action) -> Action:
    return Action.objects.select_for_update().get(pk=action.pk)


def _event(action: Action, actor: Person | None, kind: str, *, note: str = "",
           from_status: str = "", to_status: str = "") -> None:
    ActionEvent.objects.create(action=action, actor=actor, kind=kind, note=note,
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
    if action.status == S.GREEN:
        raise WorkflowError("This action is already signed off as done.")
    if actor != _current_owner(action) and actor.pk != action.created_by_id:
        raise DomainError("Only the action's owner can update its progress.")
    if status not in (S.RED, S.AMBER):
        raise DomainError("Choose red (not started) or amber (in progress).", field="status")
    old = action.status
    action.status = status
    action.save(update_fields=["status", "updated_at"])
    _event(action, actor, ActionEvent.Kind.PROGRESS, from_status=old, to_status=status,
           note=note)
    return action


@transaction.atomic
def action_submit_for_sign_off(*, action: Action, actor: Person, evidence: str) -> Action:
    action = _lock(action)
    if action.status == S.GREEN:
        raise WorkflowError("This action is already signed off as done.")
    if actor != _current_owner(action):
        raise DomainError("Only the action's owner can send it for sign-off.")
    if not evidence.strip():
        raise DomainError("Say what was done and where the evidence is.", field="evidence")
    old = action.status
    action.completion_evidence = evidence
    action.completion_submitted_at = timezone.now()
    action.status = S.AMBER
    action.save(update_fields=["completion_evidence", "completion_submitted_at", "status",
                               "updated_at"])
    _event(action, actor, ActionEvent.Kind.SUBMITTED, from_status=old, to_status=S.AMBER,
           note=evidence)
    return action


@transaction.atomic
def action_sign_off(*, action: Action, actor: Person, note: str = "") -> Action:
    action = _lock(action)
    if action.status == S.GREEN:
        raise WorkflowError("This action is already signed off.")
    if action.completion_submitted_at is None:
        raise WorkflowError("The owner has not sent this action for sign-off yet.")
    if not may_sign_off(action=action, person=actor):
        raise DomainError("You cannot sign off this action: it needs "
                          f"{action.sign_off_person or action.get_sign_off_role_display()}.")
    old = action.status
    action.status = S.GREEN
    action.signed_off_by = actor
    action.signed_off_at = timezone.now()
    action.save(update_fields=["status", "signed_off_by", "signed_off_at", "updated_at"])
    _event(action, actor, ActionEvent.Kind.SIGNED_OFF, from_status=old, to_status=S.GREEN,
           note=note)
    return action


@transaction.atomic
def action_refuse_sign_off(*, action: Action, actor: Person, reason: str) -> Action:
    action = _lock(action)
    if action.completion_submitted_at is None or action.status == S.GREEN:
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
def action_comment(*, action: Action, actor: Person, text: str) -> None:
    if not text.strip():
        raise DomainError("Write a comment.", field="text")
    _event(action, actor, ActionEvent.Kind.COMMENT, note=text)
