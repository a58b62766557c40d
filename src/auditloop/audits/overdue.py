"""Escalating overdue audit actions, step by step as the framework's
overdue_action_escalation says (001 2.21: "any issues with non-compliance to be escalated to
Senior Management"; preset 002: the service manager the day after the due date, the
assistant director a fortnight on). Run daily: `auditloop escalate_actions`.

Each step is taken once per action (an ActionEscalation row, unique per action and step), so
running twice on a day, or every day after, tells nobody again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse

from auditloop.actions.models import Action
from auditloop.audits import notice_checks
from auditloop.audits.models import ActionEscalation, Audit, AuditAction
from auditloop.audits.recipients import people_for
from auditloop.notifications.done import about
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.standards.selectors import framework_settings_row

logger = logging.getLogger(__name__)
# Line managers followed upwards from the case's key worker: a council's tree is a handful
# deep, and a loop in bad data must not run for ever.
CHAIN_LIMIT = 12


@dataclass(frozen=True)
class Step:
    after_days: int
    to: tuple[str, ...]


@dataclass
class EscalationReport:
    today: dt.date
    escalated: list[ActionEscalation] = field(default_factory=list)

    @property
    def people_told(self) -> int:
        return sum(len([t for t in e.told if "person_id" in t]) for e in self.escalated)

    @property
    def told_nobody(self) -> list[ActionEscalation]:
        return [e for e in self.escalated if e.told_nobody]

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(), "escalated": len(self.escalated),
            "people_told": self.people_told,
            "told_nobody": [{"action": e.action_id, "audit": e.audit_id,
                             "after_days": e.after_days, "to": e.to}
                            for e in self.told_nobody],
        }


def escalation_steps() -> list[Step]:
    steps = framework_settings_row().overdue_action_escalation or []
    return sorted((Step(int(s["after_days"]), tuple(s.get("to") or [])) for s in steps),
                  key=lambda s: s.after_days)


def _management_chain(audit: Audit) -> list[Person]:
    """Everyone above the case's key worker (and team manager) in line management."""
    case = audit.case
    found: list[Person] = []
    seen: set[int] = set()
    for start in (case.key_worker, case.team_manager):
        person = start
        for _ in range(CHAIN_LIMIT):
            if person is None or person.line_manager_id is None:
                break
            person = person.line_manager
            if person is None or person.pk in seen:
                break
            seen.add(person.pk)
            found.append(person)
    return found


def step_people(audit: Audit, target: str) -> list[Person]:
    """The people a step's recipient word means for this audit. A role (the assistant
    director, senior management) means whoever holds it above the case's key worker in line
    management; where nobody in that line holds it, everyone who does (recipients.people_for,
    as the other notices resolve a role)."""
    if target in Role.values:
        above = [p for p in _management_chain(audit) if p.is_active and target in p.roles]
        if above:
            return above
    return [p for p in people_for(audit, target) if p.is_active]


def _told(audit: Audit, step: Step) -> tuple[list[Person], list[dict[str, Any]]]:
    contacts = {c.get("key"): c for c in (framework_settings_row().contacts or [])}
    people: dict[int, Person] = {}
    told: list[dict[str, Any]] = []
    for target in step.to:
        if target.startswith("contact:"):
            contact = contacts.get(target.split(":", 1)[1])
            if contact:
                # Named contacts are recorded, as for immediate concerns: they have no tray.
                told.append({"to": target, "contact": contact.get("key", ""),
                             "name": contact.get("label", ""),
                             "email": contact.get("email", "")})
            continue
        for person in step_people(audit, target):
            if person.pk not in people:
                people[person.pk] = person
                told.append({"to": target, "person_id": person.pk, "name": person.full_name})
    return list(people.values()), told


def _message(action: Action, audit: Audit, today: dt.date) -> tuple[str, str]:
    days = (today - action.due_on).days
    owner = action.owner
    whose = f" Its owner is {owner.full_name}." if owner else ""
    # No child's details: the action's own words may name the child, so they stay on its page.
    return ("An audit action is overdue",
            f"Action {action.pk} from audit {audit.pk} was due on {action.due_on:%-d %B %Y} "
            f"and is not yet signed off as done: {days} day{'' if days == 1 else 's'} "
            f"overdue.{whose} Open it to see what is holding it up, and help it get done.")


def _escalate(link_id: int, step: Step, today: dt.date) -> ActionEscalation | None:
    with transaction.atomic():
        link = AuditAction.objects.select_related(
            "audit__case__key_worker__line_manager", "audit__case__team_manager").get(
            pk=link_id)
        action = Action.objects.select_for_update().get(pk=link.action_id)
        if action.status == Action.Status.GREEN or \
                action.due_on + dt.timedelta(days=step.after_days) > today:
            return None
        if ActionEscalation.objects.filter(action=action, after_days=step.after_days).exists():
            return None
        audit = link.audit
        people, told = _told(audit, step)
        try:
            with transaction.atomic():
                row = ActionEscalation.objects.create(
                    action=action, audit=audit, after_days=step.after_days,
                    due_on=action.due_on, escalated_on=today, to=list(step.to), told=told)
        except IntegrityError:
            return None  # another run took this step a moment ago
        if people:
            subject, body = _message(action, audit, today)
            notify(recipients=people, subject=subject, body=body,
                   link=reverse("actions:action_detail", args=[action.pk]),
                   kind=notice_checks.ACTION_OVERDUE, about=about("action", action.pk))
        else:
            logger.warning("Overdue action %s: the %s-day step names nobody to tell",
                           action.pk, step.after_days)
        return row


def overdue_actions_escalate(*, today: dt.date) -> EscalationReport:
    """Take every escalation step now due: for each audit action not signed off whose due
    date plus the step's days has come, tell the step's recipients, once. A step whose
    recipients mean nobody for the case is recorded as such and reported.

    Each step is its own transaction (the action locked, the row and its notices written
    together), so one failure does not take back the notices other steps have sent."""
    report = EscalationReport(today=today)
    steps = escalation_steps()
    if not steps:
        return report
    first = steps[0].after_days
    candidates = (AuditAction.objects
                  .filter(action__due_on__lte=today - dt.timedelta(days=first))
                  .exclude(action__status=Action.Status.GREEN)
                  .prefetch_related("action__escalations")
                  .select_related("action").order_by("action__due_on", "pk"))
    for link in candidates.iterator(chunk_size=500):
        taken = {e.after_days for e in link.action.escalations.all()}
        for step in steps:
            if step.after_days in taken:
                continue
            if link.action.due_on + dt.timedelta(days=step.after_days) > today:
                break
            row = _escalate(link.pk, step, today)
            if row is not None:
                report.escalated.append(row)
    return report
