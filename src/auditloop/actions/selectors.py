"""Reads of actions, scoped to the person asking."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from auditloop.actions.models import (
    Action,
    ActionOwner,
    ActionPlan,
    ActionPlanLead,
    Finding,
)
from auditloop.people.models import Person
from auditloop.people.roles import Capability
from auditloop.people.selectors import management_subtree_ids


def _with_owner(qs: QuerySet[Action]) -> QuerySet[Action]:
    return qs.prefetch_related(
        Prefetch("owner_rows", queryset=ActionOwner.objects.select_related("person"))
    ).select_related("sign_off_person", "signed_off_by")


def actions_owned_by(person: Person, *, open_only: bool = True) -> QuerySet[Action]:
    qs = Action.objects.filter(owner_rows__person=person, owner_rows__ended_at__isnull=True)
    if open_only:
        qs = qs.exclude(status=Action.Status.GREEN)
    return _with_owner(qs).order_by("due_on", "id")


def actions_awaiting_sign_off_by(person: Person) -> QuerySet[Action]:
    qs = Action.objects.filter(completion_submitted_at__isnull=False).exclude(
        status=Action.Status.GREEN
    )
    qs = qs.filter(
        Q(sign_off_person=person)
        | Q(sign_off_person__isnull=True, sign_off_role__in=list(person.roles))
    )
    return _with_owner(qs).order_by("due_on", "id")


def overdue(qs: QuerySet[Action]) -> QuerySet[Action]:
    return qs.filter(due_on__lt=timezone.localdate()).exclude(status=Action.Status.GREEN)


def get_action_for_user(user: Any, action_id: int) -> Action:
    """The owner, whoever agreed it, whoever signs it off, the owner's managers and the QA
    team may see an action; anyone else gets 404."""
    try:
        action = _with_owner(Action.objects.all()).get(pk=action_id)
    except Action.DoesNotExist as exc:
        raise Http404 from exc
    person: Person | None = user.person_or_none
    if user.has_capability(Capability.VIEW_ALL_CASES):
        return action
    if person is None:
        raise Http404
    owners = {r.person_id for r in action.owner_rows.all()}
    if person.pk in owners | {action.created_by_id, action.sign_off_person_id}:
        return action
    if action.sign_off_person_id is None and action.sign_off_role in person.roles and (
        action.completion_submitted_at is not None
    ):
        return action
    if owners & management_subtree_ids(person):
        return action
    raise Http404


# ---------------------------------------------------------------- action plans and findings


def _plans(qs: QuerySet[ActionPlan]) -> QuerySet[ActionPlan]:
    return qs.prefetch_related(
        Prefetch("lead_rows", queryset=ActionPlanLead.objects.select_related("person"))
    )


def action_plans_from(*, source_key: str) -> QuerySet[ActionPlan]:
    """The plans a caller made from one of its own things ("cycle:12")."""
    return _plans(ActionPlan.objects.filter(source_key=source_key)).order_by("created_at", "id")


def action_plans_for_theme(*, theme: str) -> QuerySet[ActionPlan]:
    return _plans(ActionPlan.objects.filter(theme=theme)).order_by("created_at", "id")


def _findings(qs: QuerySet[Finding]) -> QuerySet[Finding]:
    return qs.select_related("plan").prefetch_related("tag_rows")


def findings_from(*, source_key: str) -> QuerySet[Finding]:
    return _findings(Finding.objects.filter(source_key=source_key)).order_by("created_at", "id")
