"""Writes to audits: creating them, who audits, answers (with conflict detection) and the
workflow's moves. Each move goes through Audit.workflow, which locks the audit, checks the
source state and records who, when, from, to and why."""

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

def _lock(audit: Audit) -> Audit:
    return Audit.objects.select_for_update().get(pk=audit.pk)


def transition(*, audit: Audit, actor: Person | None, to: str, reason: str = "") -> Audit:
    """Move an audit to `to` if its workflow allows it (Audit.workflow), writing its
    AuditTransition."""
    Audit.workflow.move(audit, to=to, actor=actor, reason=reason)
    return audit


def period_under_review(end: dt.date, months: int | None = None) -> tuple[dt.date, dt.date]:
    """The last N months of practice (002: 6 unless told otherwise; a framework setting).
    `months`: the setting already read, for callers that work in bulk."""
    months = months or framework_settings_row().period_under_review_months or 6
    return add_months(end, -months), end


@dataclass
class AuditorChoice:
    person: Person
    role: str = AuditAssignment.Role.AUDITOR


def _assign(audit: Audit, auditors: Iterable[AuditorChoice | Person], actor: Person | None,
            ) -> None:
    # Conflicts of interest (audits.conflicts) are asked before this, in bulk and with the
    # words for each page: by the allocation (programme) and by the hand-made audit's form.
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
    from auditloop.audits import voices  # voices imports this module

    voices.on_audit_created(audit=audit, actor=created_by)
    return audit


@transaction.atomic
def audit_plan_re_audit(*, of: Audit, actor: Person | None, earliest: dt.date,
                        latest: dt.date, reason: str, kind: str = Audit.Kind.RE_AUDIT,
                        ) -> Audit:
    """A re-audit (or a revisit of a theme, kind=REVISIT) is a planned audit with a due
    window; the next cycle allocates it."""
    start, end = period_under_review(latest)
    audit = Audit.objects.create(
        case=of.case, tool_version=of.tool_version, kind=kind,
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
    audit.workflow.move(audit, to=S.ALLOCATED, actor=actor, reason="Allocated")
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
        locked.workflow.move(locked, to=S.IN_PROGRESS, actor=actor,
                             reason="First answer saved")
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
    audit.workflow.move(audit, to=S.WITHDRAWN, actor=actor, reason=reason)
    return audit


@transaction.atomic
def audit_carry_over(*, audit: Audit, actor: Person | None, reason: str) -> Audit:
    """An audit not submitted when its cycle closed goes back to planned, for the next
    cycle to allocate like a planned re-audit: its answers stay, its auditors' assignments
    end (the next allocation chooses again) and it has no due date until then."""
    if not reason.strip():
        raise DomainError("Say why the audit is carried over.", field="reason")
    audit = _lock(audit)
    audit.workflow.move(audit, to=S.PLANNED, actor=actor, reason=reason)
    audit.assignments.filter(ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason="Carried into the next cycle")
    audit.due_on = None
    audit.save(update_fields=["due_on", "updated_at"])
    return audit


# The audit page: repeats, submitting -------------------------------------------------


@transaction.atomic
def repeat_item_add(*, audit: Audit, actor: Person, section_key: str) -> int:
    """Add an item (an action) to a per_action section and return its number. A second
    press of "Add another" while the last item is still empty gives that item back."""
    from auditloop.audits.submission import ADDED, is_empty

    locked = _lock(audit)
    rows = list(Answer.objects.filter(audit=locked, section_key=section_key))
    live = sorted(a.item for a in rows if a.question_key == ADDED and a.value)
    if live:
        last = live[-1]
        if all(is_empty(a.value) and not a.comment.strip() for a in rows
               if a.item == last and a.question_key != ADDED):
            return last
    item = max((a.item for a in rows), default=-1) + 1
    answer_save(audit=locked, actor=actor, section_key=section_key, item=item,
                question_key=ADDED, value=True, seen_revision=None, overwrite=True)
    return item


@transaction.atomic
def repeat_item_remove(*, audit: Audit, actor: Person, section_key: str, item: int) -> None:
    """Take an item out of a per_action section. Its answers stay on record, unused."""
    from auditloop.audits.submission import ADDED

    answer_save(audit=audit, actor=actor, section_key=section_key, item=item,
                question_key=ADDED, value=False, seen_revision=None, overwrite=True)


class SubmitProblems(DomainError):
    """The tool version needs more before the audit can be submitted."""

    def __init__(self, problems: list[Any]) -> None:
        super().__init__("The audit is not finished: "
                         f"{len(problems)} thing{'s' if len(problems) != 1 else ''} to do.")
        self.problems = problems


_AWAY = {"leave": "on leave", "sickness": "off sick", "other": "away"}


def completed_alone_reason(*, audit: Audit, actor: Person, on: dt.date) -> str:
    """Why one auditor of a pair submits alone (001 2.19: on leave or sick, the other
    completes alone), or "" when the pair is still two. Only auditors who worked alongside
    the submitter count: someone replaced before they joined was never their pair."""
    from auditloop.people.models import Absence

    rows = list(audit.assignments.select_related("person"))
    mine = [r for r in rows if r.person_id == actor.pk and r.ended_at is None]
    if not mine:
        return ""
    joined = mine[0].assigned_at
    others = [r for r in rows if r.person_id != actor.pk
              and (r.ended_at is None or r.ended_at > joined)]
    if not others:
        return ""
    away = {a.person_id: a for a in Absence.objects.filter(
        person_id__in=[r.person_id for r in others], starts_on__lte=on, ends_on__gte=on)}
    notes = []
    for r in others:
        if r.ended_at is None:
            absence = away.get(r.person_id)
            if absence is None:
                return ""  # a partner is here: they complete it together
            notes.append(f"{r.person.full_name} was {_AWAY.get(absence.kind, 'away')}")
        else:
            ended = f" ({r.end_reason})" if r.end_reason else ""
            notes.append(f"{r.person.full_name} no longer audits this case{ended}")
    return f"{'; '.join(notes)}; {actor.full_name} completed the audit alone"


@transaction.atomic
def audit_submit(*, audit: Audit, actor: Person) -> Audit:
    """Submit the audit: what its tool version requires, and nothing else, must be there.
    Records the grades and the impact score, then what follows by the framework's rules
    (escalations.on_submit). A second press of Submit changes nothing."""
    from auditloop.audits import audit_actions, escalations
    from auditloop.audits.submission import Sheet, outcome, submitted_notices

    locked = _lock(audit)
    if not is_current_auditor(locked, actor):
        raise DomainError("Only the audit's auditors can submit it.")
    if locked.status == S.SUBMITTED:
        return locked
    Audit.workflow.check(locked, S.SUBMITTED)  # before the sheet: the plain message
    sheet = Sheet.for_audit(locked)
    problems = sheet.problems() + audit_actions.action_row_problems(
        sheet, agreed_on=timezone.localdate())
    if problems:
        raise SubmitProblems(problems)
    result = outcome(sheet)
    locked.overall_grade = result.overall_grade
    locked.final_grade = result.overall_grade
    locked.overall_reason = result.overall_reason
    locked.impact_score = result.impact_score
    locked.submitted_at = timezone.now()
    locked.submitted_by = actor
    locked.completed_alone_reason = completed_alone_reason(
        audit=locked, actor=actor, on=timezone.localdate())[:300]
    locked.workflow.move(locked, to=S.SUBMITTED, actor=actor,
                         reason=locked.completed_alone_reason or "Submitted",
                         also_save=["overall_grade", "final_grade", "overall_reason",
                                    "impact_score", "submitted_at", "submitted_by",
                                    "completed_alone_reason"])
    escalations.on_submit(audit=locked, actor=actor)
    audit_actions.audit_actions_track(audit=locked, actor=actor, sheet=sheet)
    submitted_notices(audit=locked, sheet=sheet, actor=actor)
    return locked


@transaction.atomic
def answer_save_on_page(*, audit: Audit, actor: Person, section_key: str, question_key: str,
                        value: Any, comment: str = "", item: int = 0,
                        seen_revision: int | None, overwrite: bool = False) -> SaveResult:
    """answer_save for the audit page, where a conflict is a clash with someone else's
    answer. The auditor's own newer save (an autosave that reached the server just before
    the page's "Save and continue", or their other tab) is simply brought up to date."""
    kwargs: dict[str, Any] = {"audit": audit, "actor": actor, "section_key": section_key,
                              "question_key": question_key, "value": value,
                              "comment": comment, "item": item,
                              "seen_revision": seen_revision}
    result = answer_save(**kwargs, overwrite=overwrite)
    if result.conflict is not None and result.conflict.updated_by_id == actor.pk:
        result = answer_save(**kwargs, overwrite=True)
    return result
