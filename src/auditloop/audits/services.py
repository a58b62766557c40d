"""Writes to audits: creating them, who audits, answers (with conflict detection) and the
workflow's transitions. Each transition locks the audit, checks the source state and the
actor, and records who, when, from, to and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from auditloop.audits.models import Answer, Audit, AuditAssignment, AuditTransition
from auditloop.cases.models import Case
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.people.models import Person
from auditloop.standards.models import ToolVersion
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import tool_version_mark_in_use

S = Audit.Status

# The workflow (issue 4): the states each transition may start from.
ALLOWED_FROM: dict[str, set[str]] = {
    S.ALLOCATED: {S.PLANNED},
    S.IN_PROGRESS: {S.ALLOCATED},
    S.SUBMITTED: {S.ALLOCATED, S.IN_PROGRESS},
    S.IN_MODERATION: {S.SUBMITTED, S.DISCUSSED, S.FEEDBACK_SENT, S.ACTIONS_AGREED},
    S.DISCUSSED: {S.SUBMITTED, S.IN_MODERATION},
    S.FEEDBACK_SENT: {S.SUBMITTED, S.IN_MODERATION, S.DISCUSSED},
    S.ACTIONS_AGREED: {S.FEEDBACK_SENT, S.DISCUSSED},
    S.CLOSED: {S.ACTIONS_AGREED, S.FEEDBACK_SENT, S.DISCUSSED},
    S.WITHDRAWN: {S.PLANNED, S.ALLOCATED, S.IN_PROGRESS},
}


def _lock(audit: Audit) -> Audit:
    return Audit.objects.select_for_update().get(pk=audit.pk)


def transition(*, audit: Audit, actor: Person | None, to: str, reason: str = "") -> Audit:
    """Move an audit to `to` if its current state allows it. Callers hold the lock."""
    if audit.status not in ALLOWED_FROM[to]:
        raise WorkflowError(
            f"This audit is {audit.get_status_display().lower()}, so it cannot be "
            f"{S(to).label.lower()} now. Reload the page to see where it has got to."
        )
    old = audit.status
    audit.status = to
    audit.save(update_fields=["status", "updated_at"])
    AuditTransition.objects.create(audit=audit, actor=actor, from_status=old, to_status=to,
                                   reason=reason)
    return audit


def period_under_review(end: dt.date) -> tuple[dt.date, dt.date]:
    """The last N months of practice (002: 6 unless told otherwise; a framework setting)."""
    months = framework_settings_row().period_under_review_months or 6
    return add_months(end, -months), end


@dataclass
class AuditorChoice:
    person: Person
    role: str = AuditAssignment.Role.AUDITOR


def _assign(audit: Audit, auditors: Iterable[AuditorChoice | Person], actor: Person | None,
            ) -> None:
    # The conflict-of-interest rules belong to the allocation (programme), which checks
    # them before it creates audits; a QA manager's hand-made audit is checked by its form.
    for choice in auditors:
        c = choice if isinstance(choice, AuditorChoice) else AuditorChoice(choice)
        AuditAssignment.objects.create(audit=audit, person=c.person, role=c.role,
                                       assigned_by=actor)


@transaction.atomic
def audit_create(
    *,
    case: Case,
    tool_version: ToolVersion,
    auditors: Iterable[AuditorChoice | Person],
    created_by: Person | None,
    due_on: dt.date | None = None,
    kind: str = Audit.Kind.CASE_AUDIT,
    reason: str = "",
    covers_family: bool = False,
    period_end: dt.date | None = None,
) -> Audit:
    """Create an allocated audit of a case (or family) with one or more auditors. The tool
    version is fixed now: the audit keeps it whatever later versions say."""
    chosen = list(auditors)
    if not chosen:
        raise DomainError("Choose at least one auditor.", field="auditors")
    if tool_version.definition.get("purpose") != "case_audit":
        raise DomainError("Choose a case audit tool.", field="tool_version")
    start, end = period_under_review(period_end or timezone.localdate())
    audit = Audit.objects.create(
        case=case, tool_version=tool_version, kind=kind, reason=reason, due_on=due_on,
        covers_family=covers_family, period_start=start, period_end=end,
        status=S.ALLOCATED, created_by=created_by,
    )
    tool_version_mark_in_use(version=tool_version)
    _assign(audit, chosen, created_by)
    AuditTransition.objects.create(audit=audit, actor=created_by, to_status=S.ALLOCATED,
                                   reason=reason or "Audit created")
    return audit


@transaction.atomic
def audit_plan_re_audit(*, of: Audit, actor: Person | None, earliest: dt.date,
                        latest: dt.date, reason: str) -> Audit:
    """A re-audit is a planned audit with a due window; the next cycle allocates it."""
    start, end = period_under_review(latest)
    audit = Audit.objects.create(
        case=of.case, tool_version=of.tool_version, kind=Audit.Kind.RE_AUDIT,
        status=S.PLANNED, re_audit_of=of, reason=reason, earliest_start_on=earliest,
        due_on=latest, period_start=start, period_end=end, covers_family=of.covers_family,
        created_by=actor,
    )
    AuditTransition.objects.create(audit=audit, actor=actor, to_status=S.PLANNED, reason=reason)
    return audit


@transaction.atomic
def audit_allocate(*, audit: Audit, auditors: Iterable[AuditorChoice | Person],
                   actor: Person | None, due_on: dt.date | None = None) -> Audit:
    """Allocate a planned audit (a re-audit or revisit) to its auditors."""
    audit = _lock(audit)
    transition(audit=audit, actor=actor, to=S.ALLOCATED, reason="Allocated")
    tool_version_mark_in_use(version=audit.tool_version)
    _assign(audit, list(auditors), actor)
    if due_on:
        audit.due_on = due_on
        audit.save(update_fields=["due_on", "updated_at"])
    return audit


@transaction.atomic
def assignment_end(*, assignment: AuditAssignment, actor: Person | None, reason: str) -> None:
    """End an auditor's assignment (declined, absent, replaced): the row stays, ended."""
    if not reason.strip():
        raise DomainError("Say why this auditor no longer audits the case.", field="reason")
    assignment.ended_at = timezone.now()
    assignment.end_reason = reason
    assignment.save(update_fields=["ended_at", "end_reason"])


def current_auditors(audit: Audit) -> list[Person]:
    return [a.person for a in audit.assignments.all() if a.ended_at is None]


def is_current_auditor(audit: Audit, person: Person | None) -> bool:
    return person is not None and AuditAssignment.objects.filter(
        audit=audit, person=person, ended_at__isnull=True).exists()


@dataclass
class SaveResult:
    answer: Answer
    conflict: Answer | None = None  # the newer answer someone else saved, if any


@transaction.atomic
def answer_save(
    *,
    audit: Audit,
    actor: Person,
    section_key: str,
    question_key: str,
    value: Any,
    comment: str = "",
    item: int = 0,
    seen_revision: int | None,
    overwrite: bool = False,
) -> SaveResult:
    """Save one answer. `seen_revision` is the revision the auditor's page last loaded (None
    for a field that was empty). If someone saved the field since, nothing is overwritten:
    the result carries their answer so the page can let the auditor choose (`overwrite`)."""
    locked = _lock(audit)
    if not is_current_auditor(locked, actor):
        raise DomainError("Only the audit's auditors can change it.")
    if not locked.is_open_for_editing:
        raise WorkflowError(f"This audit is {locked.get_status_display().lower()}: "
                            "it can no longer be changed.")
    if locked.status == S.ALLOCATED:
        transition(audit=locked, actor=actor, to=S.IN_PROGRESS, reason="First answer saved")
    key = {"audit": locked, "section_key": section_key, "item": item,
           "question_key": question_key}
    existing = Answer.objects.filter(**key).first()
    if existing is None:
        row = Answer.objects.create(**key, value=value, comment=comment, updated_by=actor)
        return SaveResult(row)
    stale = seen_revision != existing.revision
    if stale and not overwrite and (existing.value, existing.comment) != (value, comment):
        return SaveResult(existing, conflict=existing)
    Answer.objects.filter(pk=existing.pk).update(
        value=value, comment=comment, updated_by=actor, revision=F("revision") + 1,
        updated_at=timezone.now(),
    )
    existing.refresh_from_db()
    return SaveResult(existing)


@transaction.atomic
def audit_withdraw(*, audit: Audit, actor: Person, reason: str) -> Audit:
    if not reason.strip():
        raise DomainError("Say why the audit is withdrawn.", field="reason")
    audit = _lock(audit)
    return transition(audit=audit, actor=actor, to=S.WITHDRAWN, reason=reason)
