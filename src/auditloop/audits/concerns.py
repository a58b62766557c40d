"""Immediate safeguarding concerns: the Immediate Concern Audit Review form (002), raised at
any moment of an audit and never waiting for it to be finished (001 2.17; 003: "escalated
immediately to the Family Support Manager ... a conversation with MASH").

Raising one, in one transaction: tells everyone the framework names at once, creates the
time-bound actions for sign-off, and puts the case on the team manager's next supervision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from auditloop.actions.deadline import action_deadline
from auditloop.actions.models import Action, ActionOwner
from auditloop.actions.services import action_create
from auditloop.audits import notice_checks, recipients, supervision
from auditloop.audits.models import Audit, AuditAction, ImmediateConcern, SupervisionItem
from auditloop.audits.voices import is_qa_team as voices_is_qa_team
from auditloop.cases.selectors import reaches_case
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.standards.selectors import framework_settings_row

P = ImmediateConcern.Practice
# 002: "highlighted verbally to the relevant Team Manager/Service Manager and an Immediate
# Concern Audit Review form ... sent to the ... tray of the relevant Team Manager and Service
# Manager". Used only when the framework names nobody for the event.
DEFAULT_RECIPIENTS: list[str] = ["case_team_manager", "case_service_manager"]
# 002: "Actions will be clearly timebound and require the sign off from the relevant
# Assistant Director." Used only when the framework names no role.
DEFAULT_SIGN_OFF_ROLE = Role.ASSISTANT_DIRECTOR
# A second submit of the same concern within this time is the same concern (a double click
# or a retried request), not a new one: nobody is told twice.
SAME_CONCERN_WITHIN = timedelta(minutes=10)


@dataclass(frozen=True)
class SmartAction:
    """One time-bound SMART action (003: issue, action, by whom, by when, desired outcome,
    how will we know the plan has worked)."""

    issue: str
    action: str
    by_whom: str
    due_on: dt.date
    desired_outcome: str
    success_measure: str


def is_qa_team(person: Person) -> bool:
    """The QA team may raise a concern on any audit they can open (voices.is_qa_team)."""
    return voices_is_qa_team(person)


def _is_current_auditor(audit: Audit, person: Person) -> bool:
    # Uses the prefetched assignments where the caller has them (selectors.with_people).
    return any(a.person_id == person.pk and a.ended_at is None
               for a in audit.assignments.all())


def may_raise(*, audit: Audit, person: Person | None) -> bool:
    """The audit's auditors and the QA team, in every state but withdrawn."""
    if person is None or not person.is_active or audit.is_withdrawn:
        return False
    return _is_current_auditor(audit, person) or is_qa_team(person)


def sign_off_role() -> str:
    return framework_settings_row().immediate_concern_sign_off_role or DEFAULT_SIGN_OFF_ROLE


def wider_review_offered() -> bool:
    return bool(framework_settings_row().immediate_concern_wider_review)


def latest_due_on(today: dt.date) -> dt.date | None:
    """The framework's deadline for audit actions (002: a maximum of 40 days), if any."""
    return action_deadline().latest_due_on(today)


def team_manager_of(audit: Audit) -> Person | None:
    found = recipients.people_for(audit, "case_team_manager")
    return found[0] if found else None


def _action_owner(audit: Audit, actor: Person) -> Person:
    """The case's team manager owns the actions. A concern is never refused for want of
    one: then the service manager, then the auditor who raised it."""
    for target in ("case_team_manager", "case_service_manager"):
        found = [p for p in recipients.people_for(audit, target) if p.is_active]
        if found:
            return found[0]
    return actor


def _check_actions(actions: Sequence[SmartAction], today: dt.date) -> None:
    if not actions:
        raise DomainError("Add at least one action, with a date by which it must be done.",
                          field="action-0-issue")
    deadline = action_deadline()
    for i, a in enumerate(actions):
        if a.due_on < today:
            raise DomainError("The date an action must be done by must be today or later.",
                              field=f"action-{i}-due_on")
        deadline.check(a.due_on, agreed_on=today, field=f"action-{i}-due_on")
        for name in ("issue", "action", "by_whom", "desired_outcome", "success_measure"):
            if not getattr(a, name).strip():
                raise DomainError("Fill in every part of the action so it can be tracked.",
                                  field=f"action-{i}-{name}")


def _actions_text(actions: Sequence[SmartAction]) -> str:
    return "\n".join(
        f"{i}. {a.action} (by {a.by_whom}, by {date_format(a.due_on, 'j F Y')})"
        for i, a in enumerate(actions, start=1)
    )


def _duplicate(audit: Audit, actor: Person, summary: str) -> ImmediateConcern | None:
    return ImmediateConcern.objects.filter(
        audit=audit, raised_by=actor, summary=summary,
        created_at__gte=timezone.now() - SAME_CONCERN_WITHIN,
    ).first()


@transaction.atomic
def immediate_concern_raise(
    *,
    audit: Audit,
    actor: Person,
    summary: str,
    unsafe_practice: str,
    actions: Sequence[SmartAction],
    mash_contacted: bool,
    mash_note: str = "",
    team_manager_told_at: dt.datetime | None = None,
    team_manager_told_note: str = "",
    wider_caseload_review: bool = False,
) -> ImmediateConcern:
    """Raise an immediate safeguarding concern: allowed in every state of the audit but
    withdrawn. Everyone the framework names is told before this returns (their tray now,
    e-mail after commit)."""
    locked = Audit.objects.select_for_update().select_related("case").get(pk=audit.pk)
    if locked.is_withdrawn:
        raise WorkflowError("This audit was withdrawn, so a concern cannot be raised on it. "
                            "Tell the team manager and follow your safeguarding procedure.")
    if not may_raise(audit=locked, person=actor):
        raise DomainError("Only the audit's auditors or the QA team can raise a concern on it.")
    summary = summary.strip()
    if not summary:
        raise DomainError("Write a summary of the concerns.", field="summary")
    if unsafe_practice not in P.values:
        raise DomainError("Say whether there is unsafe practice, now or in the past.",
                          field="unsafe_practice")
    now = timezone.now()
    _check_actions(actions, timezone.localdate(now))
    if team_manager_told_at is not None and team_manager_told_at > now + timedelta(minutes=5):
        raise DomainError("The time you told the team manager cannot be in the future.",
                          field="told_on")
    repeated = _duplicate(locked, actor, summary)
    if repeated is not None:
        return repeated

    concern = ImmediateConcern.objects.create(
        audit=locked, raised_by=actor, summary=summary, unsafe_practice=unsafe_practice,
        suggested_actions=_actions_text(actions), mash_contacted=mash_contacted,
        mash_note=mash_note.strip()[:300], team_manager_told_verbally_at=team_manager_told_at,
        team_manager_told_note=team_manager_told_note.strip()[:300],
        wider_caseload_review=wider_caseload_review and wider_review_offered(),
    )
    owner = _action_owner(locked, actor)
    role = sign_off_role()
    for a in actions:
        row = action_create(
            issue=a.issue, action=a.action, by_whom=a.by_whom, owner=owner, due_on=a.due_on,
            desired_outcome=a.desired_outcome, success_measure=a.success_measure,
            sign_off_role=role, created_by=actor,
        )
        AuditAction.objects.create(audit=locked, action=row, concern=concern,
                                   source=AuditAction.Source.IMMEDIATE_CONCERN)

    # 002: "discussed at the next scheduled supervision"; "a wider view of the allocated key
    # workers caseload".
    tm = team_manager_of(locked)
    if tm is not None:
        key_worker = locked.case.key_worker
        supervision.supervision_item_add(supervisor=tm, supervisee=key_worker, audit=locked,
                                         reason=SupervisionItem.Reason.IMMEDIATE_CONCERN)
        if concern.wider_caseload_review:
            supervision.supervision_item_add(supervisor=tm, supervisee=key_worker,
                                             audit=locked,
                                             reason=SupervisionItem.Reason.WIDER_CASELOAD)

    told = _tell_at_once(concern, locked, actor, tm)
    concern.told = told
    concern.save(update_fields=["told", "updated_at"])
    return concern


def concern_url(concern: ImmediateConcern) -> str:
    return reverse("audits:concern_detail", args=[concern.pk])


def concern_notice_link(concern: ImmediateConcern) -> str:
    """A notice leads to the concern's actions: what the people told must see through."""
    return concern_url(concern) + "#concern-actions"


def _entries(found: recipients.Recipients, event: str, tm: Person | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in found.people:
        how = set(found.channels.get(p.pk, set())) | {"tray"}
        if p.email:
            how.add("email")
        out.append({"event": event, "person_id": p.pk, "name": p.full_name,
                    "team_manager": tm is not None and p.pk == tm.pk, "how": sorted(how)})
    for c in found.contacts:
        out.append({"event": event, "contact": c.get("key", ""), "name": c.get("label", ""),
                    "email": c.get("email", ""), "note": c.get("note", ""),
                    "how": sorted(c.get("how") or [])})
    return out


def _tell_at_once(concern: ImmediateConcern, audit: Audit, actor: Person,
                  tm: Person | None) -> list[dict[str, Any]]:
    """Notices now, urgent, for the concern and (for unsafe practice in the past) for that
    event too. Notices say what to do and link to the concern: never a child's details."""
    link = concern_notice_link(concern)
    role_label = Role(sign_off_role()).label.lower()
    told: list[dict[str, Any]] = []
    noticed: set[int] = {actor.pk}

    found = recipients.recipients_for(audit, "immediate_concern", default=DEFAULT_RECIPIENTS)
    told += _entries(found, "immediate_concern", tm)
    fresh = [p for p in found.people if p.pk not in noticed]
    notify(
        recipients=fresh, urgent=True, link=link, kind=notice_checks.CONCERN,
        about=notice_checks.about_concern(concern.pk),
        subject="Immediate safeguarding concern raised in an audit: act now",
        body=("An auditor has raised an immediate safeguarding concern about a case you are "
              "responsible for. Read the concern today, speak to the auditor, and make sure "
              "corrective action starts now. Its actions are time-bound and need sign-off by "
              f"the {role_label}."),
    )
    noticed |= {p.pk for p in fresh}

    if concern.unsafe_practice == P.PAST:
        past = recipients.recipients_for(audit, "past_unsafe_practice")
        told += _entries(past, "past_unsafe_practice", tm)
        fresh = [p for p in past.people if p.pk not in noticed]
        notify(
            recipients=fresh, urgent=True, link=link, kind=notice_checks.CONCERN,
            about=notice_checks.about_concern(concern.pk),
            subject="Unsafe practice in the past found in an audit: review it now",
            body=("An auditor has found unsafe practice in the past on a case. Read the "
                  "concern today and review it for action."),
        )
    return told


def concern_tell_later(*, concern: ImmediateConcern, audit: Audit, event: str,
                       default: list[str] | None, subject: str, body: str) -> list[Person]:
    """Tell the recipients of a later event about an open concern (escalations), adding them
    to the record of who was told. Callers hold the audit's lock."""
    found = recipients.recipients_for(audit, event, default=default)
    tm = team_manager_of(audit)
    notify(recipients=found.people, urgent=True, link=concern_notice_link(concern), subject=subject,
           body=body, kind=notice_checks.CONCERN, about=notice_checks.about_concern(concern.pk))
    concern.told = [*concern.told, *_entries(found, event, tm)]
    concern.save(update_fields=["told", "updated_at"])
    return found.people


@transaction.atomic
def immediate_concern_record_told(*, concern: ImmediateConcern, actor: Person,
                                  told_at: dt.datetime, note: str = "") -> ImmediateConcern:
    """Record that the team manager was told in person or by phone, after the form went."""
    concern = ImmediateConcern.objects.select_for_update().get(pk=concern.pk)
    audit = Audit.objects.prefetch_related("assignments").get(pk=concern.audit_id)
    if actor.pk != concern.raised_by_id and not may_raise(audit=audit, person=actor):
        raise DomainError("Only the audit's auditors or the QA team can record this.")
    if concern.team_manager_told_verbally_at is not None:
        raise WorkflowError("It is already recorded that the team manager was told.")
    if told_at > timezone.now() + timedelta(minutes=5):
        raise DomainError("The time you told the team manager cannot be in the future.",
                          field="told_on")
    concern.team_manager_told_verbally_at = told_at
    concern.team_manager_told_note = note.strip()[:300]
    concern.save(update_fields=["team_manager_told_verbally_at", "team_manager_told_note",
                                "updated_at"])
    return concern


# Reads


def concern_actions(concern: ImmediateConcern) -> list[Action]:
    return [link.action for link in concern.action_links.all()]


def with_related(qs: QuerySet[ImmediateConcern]) -> QuerySet[ImmediateConcern]:
    return qs.select_related(
        "raised_by", "audit", "audit__case", "audit__case__key_worker",
        "audit__case__team_manager",
    ).prefetch_related(
        "audit__assignments",
        Prefetch("action_links", queryset=AuditAction.objects.select_related(
            "action", "action__signed_off_by").order_by("action__due_on", "action_id")),
        Prefetch("action_links__action__owner_rows",
                 queryset=ActionOwner.objects.select_related("person")),
    )


def concerns_of_audit(audit: Audit) -> QuerySet[ImmediateConcern]:
    return with_related(ImmediateConcern.objects.filter(audit=audit))


def unresolved_concerns(audit: Audit) -> list[ImmediateConcern]:
    """Concerns with an action not yet signed off as done (green)."""
    return [c for c in concerns_of_audit(audit)
            if any(a.status != Action.Status.GREEN for a in concern_actions(c))]


def may_see_concern(user: Any, concern: ImmediateConcern) -> bool:
    """The auditors, the QA team (and others who see every case), everyone told of it, the
    actions' owners and the holders of the role that signs them off."""
    if reaches_case(user, concern.audit.case):
        return True
    person = user.person_or_none
    if person is None or not person.is_active:
        return False
    if person.pk == concern.raised_by_id or _is_current_auditor(concern.audit, person):
        return True
    if person.pk in {t.get("person_id") for t in concern.told}:
        return True
    actions = concern_actions(concern)
    if any(a.sign_off_role in person.roles for a in actions):
        return True
    return any(a.owner is not None and a.owner.pk == person.pk for a in actions)


def get_concern_for_user(user: Any, concern_id: int) -> ImmediateConcern:
    """The concern, or 404 for missing and forbidden alike. Callers log the view."""
    concern = with_related(ImmediateConcern.objects.filter(pk=concern_id)).first()
    if concern is None or not may_see_concern(user, concern):
        raise Http404
    return concern
