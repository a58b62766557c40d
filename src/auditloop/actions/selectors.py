"""Reads of actions, scoped to the person asking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from auditloop.actions.models import (
    Action,
    ActionOwner,
    ActionPlan,
    ActionPlanAction,
    ActionPlanEvent,
    ActionPlanLead,
    ActionPlanReview,
    Finding,
    FindingTag,
)
from auditloop.cases.models import Theme
from auditloop.people.models import Person
from auditloop.people.roles import ROLE_CAPABILITIES, Capability, Role
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


# ---------------------------------------------------------------- pages of plans and findings

_READ_PLANS = (Capability.VIEW_REPORTS, Capability.OWN_ACTION_PLANS, Capability.RUN_CYCLE,
               Capability.MANAGE_FRAMEWORK)


def may_read_plans(user: Any) -> bool:
    """The QA team, strategic leads, senior leaders and directors read plans and findings."""
    return any(user.has_capability(c) for c in _READ_PLANS)


def plans_overdue(qs: QuerySet[ActionPlan] | None = None) -> QuerySet[ActionPlan]:
    """Open plans whose next review date has passed."""
    qs = ActionPlan.objects.all() if qs is None else qs
    return qs.filter(status=ActionPlan.Status.OPEN, next_review_on__lt=timezone.localdate())


def plans_led_by(person: Person) -> QuerySet[ActionPlan]:
    return ActionPlan.objects.filter(lead_rows__person=person, lead_rows__ended_at__isnull=True,
                                     status=ActionPlan.Status.OPEN)


def action_plan_list(*, status: str = "", lead_id: int | None = None, source: str = "",
                     overdue_only: bool = False) -> QuerySet[ActionPlan]:
    """The plans page: leads, actions (for their RAG) and reviews come in four queries
    however many plans and actions there are."""
    qs = ActionPlan.objects.all()
    if status:
        qs = qs.filter(status=status)
    if lead_id:
        qs = qs.filter(lead_rows__person_id=lead_id, lead_rows__ended_at__isnull=True)
    if source:
        qs = qs.filter(source=source)
    if overdue_only:
        qs = plans_overdue(qs)
    return _plans(qs).prefetch_related(
        Prefetch("action_links", queryset=ActionPlanAction.objects.select_related("action")),
        Prefetch("reviews", queryset=ActionPlanReview.objects.order_by("-reviewed_on", "-id")),
    ).order_by("status", F("next_review_on").asc(nulls_last=True), "-created_at", "-id")


def plan_leads() -> QuerySet[Person]:
    """Everyone who leads a plan now, for the list's filter."""
    return Person.objects.filter(plan_lead_rows__ended_at__isnull=True).distinct().order_by(
        "full_name")


def lead_candidates() -> QuerySet[Person]:
    """People in post who may lead plans: strategic leads and OWN_ACTION_PLANS holders."""
    roles = [r.value for r in Role
             if Capability.OWN_ACTION_PLANS in ROLE_CAPABILITIES[r] or r == Role.STRATEGIC_LEAD]
    return Person.objects.filter(is_active=True).filter(
        Q(role_rows__role__in=roles) | Q(job_title__role_rows__role__in=roles)
    ).distinct().order_by("full_name")


def get_plan_for_user(user: Any, plan_id: int) -> ActionPlan:
    """Readers of plans, its leads (past and present) and the owners of its actions see a
    plan; everyone else gets 404. Plans hold no child's record, so nothing is logged."""
    qs = ActionPlan.objects.select_related("created_by", "closed_by").prefetch_related(
        Prefetch("lead_rows", queryset=ActionPlanLead.objects.select_related(
            "person", "assigned_by").order_by("assigned_at", "id")),
        Prefetch("action_links", queryset=ActionPlanAction.objects.select_related(
            "action", "action__sign_off_person", "action__signed_off_by").prefetch_related(
            Prefetch("action__owner_rows",
                     queryset=ActionOwner.objects.select_related("person")))
            .order_by("action__due_on", "action_id")),
        Prefetch("reviews", queryset=ActionPlanReview.objects.select_related("reviewed_by")
                 .order_by("-reviewed_on", "-id")),
        Prefetch("events", queryset=ActionPlanEvent.objects.select_related("actor")),
        Prefetch("findings", queryset=Finding.objects.prefetch_related("tag_rows")),
    )
    try:
        plan = qs.get(pk=plan_id)
    except ActionPlan.DoesNotExist as exc:
        raise Http404 from exc
    if may_read_plans(user):
        return plan
    person: Person | None = user.person_or_none
    if person is None or not person.is_active:
        raise Http404
    if any(r.person_id == person.pk for r in plan.lead_rows.all()):
        return plan
    if any(r.person_id == person.pk and r.ended_at is None
           for link in plan.action_links.all() for r in link.action.owner_rows.all()):
        return plan
    raise Http404


def open_plans() -> QuerySet[ActionPlan]:
    return ActionPlan.objects.filter(status=ActionPlan.Status.OPEN).order_by("title", "id")


def finding_list(*, tag: str, theme: str = "", since: dt.date | None = None,
                 until: dt.date | None = None) -> QuerySet[Finding]:
    """Findings of one kind, newest first, by theme and the dates they were recorded."""
    qs = Finding.objects.filter(tag_rows__tag=tag)
    if theme:
        qs = qs.filter(theme=theme)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return _findings(qs).order_by("-created_at", "-id")


def finding_themes() -> list[str]:
    return list(Finding.objects.exclude(theme="").values_list("theme", flat=True)
                .distinct().order_by("theme"))


def theme_suggestions() -> list[str]:
    """The register's themes and those already used, for the theme box's suggestions."""
    used = set(finding_themes()) | set(
        ActionPlan.objects.exclude(theme="").values_list("theme", flat=True))
    return sorted(used | set(Theme.objects.values_list("name", flat=True)))


def finding_tag_counts() -> dict[str, int]:
    rows = FindingTag.objects.values("tag").annotate(n=Count("id"))
    return {r["tag"]: r["n"] for r in rows}


def plan_link_of(action: Action) -> ActionPlanAction | None:
    """The plan an action belongs to, if it is one of a plan's own actions."""
    return ActionPlanAction.objects.select_related("plan").filter(action=action).first()


@dataclass(frozen=True)
class MadeFrom:
    plans: list[ActionPlan]
    findings: list[Finding]


def made_from(*, source_key: str) -> MadeFrom:
    """The plans and findings made from one of a caller's things, for its page."""
    return MadeFrom(plans=list(action_plans_from(source_key=source_key)),
                    findings=list(findings_from(source_key=source_key)))


# Who makes action plans and findings: the QA team and strategic leads (004 6.1).
PLAN_MAKERS = (Capability.RUN_CYCLE, Capability.MANAGE_FRAMEWORK, Capability.OWN_ACTION_PLANS)


def may_make_plans(user: Any) -> bool:
    return any(user.has_capability(c) for c in PLAN_MAKERS)
