"""Tier 1 quality control (003), the writes: records join the queue, a check passes or goes
back to the lead professional, who puts it right, and the central team confirms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import DateTimeField, F, IntegerField, JSONField, TextField, Value, When
from django.db.models.expressions import Combinable
from django.urls import reverse
from django.utils import timezone

from auditloop.actions.deadline import action_deadline
from auditloop.actions.services import (
    action_create,
    action_sign_off,
    action_submit_for_sign_off,
    may_sign_off,
)
from auditloop.cases.models import CaseEvent
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.done import about
from auditloop.notifications.services import notify
from auditloop.people.models import Person, Service
from auditloop.people.roles import Role
from auditloop.quality import notice_checks
from auditloop.quality.checklist import (
    Checklist,
    answer_key,
    checklist_for,
    checklist_problems,
    in_sentence,
    kind_label,
    quality_tools_by_kind,
    unmet_items,
    with_article,
)
from auditloop.quality.models import QualityCheck
from auditloop.quality.selectors import lead_professional_for, may_check
from auditloop.standards.models import ToolVersion
from auditloop.standards.services import tool_version_mark_in_use

QS = QualityCheck.Status

# Cases per INSERT when an import's cases are queued: SQLite limits how many values one
# query may carry.
CASES_PER_QUERY = 500


@transaction.atomic
def quality_checks_create_for_new_events(
        *, by_kind: dict[str, ToolVersion] | None = None) -> int:
    """Put every CAF assessment, TAF meeting and closure (the kinds the framework's
    quality-control tool applies to) of an Early Help case that has no check yet into the
    queue, waiting for a check. Idempotent and cheap when nothing is new.

    Every record of the register is looked at, which also catches older records a new tool
    or a changed `applies_to` brings in: the operators' catch-up (`auditloop quality_queue`).
    `by_kind` is quality_tools_by_kind(), for a caller that has it already."""
    return _queue_records(by_kind=by_kind, case_chunks=[None])


@transaction.atomic
def quality_checks_create_for_cases(*, case_ids: Collection[int]) -> int:
    """The same rule for the records of these cases only: an import's cases, as it
    finishes. A case the import moved into Early Help brings its earlier records too."""
    ids = sorted(case_ids)
    if not ids:
        return 0
    chunks = [ids[i:i + CASES_PER_QUERY] for i in range(0, len(ids), CASES_PER_QUERY)]
    return _queue_records(by_kind=None, case_chunks=chunks)


def _queue_records(*, by_kind: dict[str, ToolVersion] | None,
                   case_chunks: Sequence[Sequence[int] | None]) -> int:
    """One INSERT ... SELECT per chunk of cases (None: every case) finds and writes the
    records: on a register of 600,000 events the rows never come into Python, and two runs
    at once cannot make a second check for an event (the event's check is unique; the
    loser's rows are skipped)."""
    by_kind = quality_tools_by_kind() if by_kind is None else by_kind
    # The few Early Help services by id, as literals: a join or a subquery instead made the
    # full run over 600,000 events three to ten times slower (SQLite and PostgreSQL).
    early_help = list(Service.objects.filter(kind=Service.Kind.EARLY_HELP).values_list(
        "pk", flat=True))
    if not by_kind or not early_help:
        return 0
    now = timezone.now()
    version_of = SqlCase(*[When(kind=kind, then=Value(v.pk)) for kind, v in by_kind.items()],
                       output_field=IntegerField())
    # Every column is an expression so the SELECT lists them in exactly this order.
    columns: dict[str, Combinable] = {
        "event_id": F("pk"),
        "tool_version_id": version_of,
        "status": Value(QS.WAITING, output_field=TextField()),
        "answers": Value({}, output_field=JSONField()),
        "to_fix": Value("", output_field=TextField()),
        "fix_note": Value("", output_field=TextField()),
        "created_at": Value(now, output_field=DateTimeField()),
        "updated_at": Value(now, output_field=DateTimeField()),
    }
    eligible = CaseEvent.objects.filter(
        kind__in=list(by_kind), case__service_id__in=early_help,
        quality_check__isnull=True,
    )
    table = connection.ops.quote_name(QualityCheck._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    created = 0
    with connection.cursor() as cursor:
        for chunk in case_chunks:
            found = eligible if chunk is None else eligible.filter(case_id__in=chunk)
            select_sql, params = (found.order_by().values_list(*columns.values())
                                  .query.sql_with_params())
            cursor.execute(f"INSERT INTO {table} ({names}) {select_sql} ON CONFLICT DO NOTHING",
                           params)
            created += max(cursor.rowcount, 0)
    if created:
        for version in {v.pk: v for v in by_kind.values()}.values():
            tool_version_mark_in_use(version=version)
    return created


def _lock(check: QualityCheck) -> QualityCheck:
    return QualityCheck.objects.select_for_update().select_related(
        "event", "event__case", "tool_version").get(pk=check.pk)


def _require_checker(check: QualityCheck, actor: Person) -> None:
    if not may_check(actor, check):
        raise DomainError("Only the central team and the Early Help service managers over "
                          "this case can check it.")


def _clean_answers(checklist: Checklist, answers: dict[str, Any]) -> dict[str, Any]:
    keep = {answer_key(s, q) for s, q in checklist.questions}
    cleaned = {k: {"value": v.get("value"), "comment": str(v.get("comment") or "").strip()}
               for k, v in answers.items() if k in keep and isinstance(v, dict)}
    problems = checklist_problems(checklist, cleaned)
    if problems:
        key, message = next(iter(problems.items()))
        raise DomainError(message, field=key)
    return cleaned


def check_link(check: QualityCheck) -> str:
    return reverse("quality:check", args=[check.pk])


def _tell_lead_professional(check: QualityCheck, *, again: bool) -> None:
    # The notice carries no child's details: the kind of record, the checklist items not
    # met (the tool's own words) and a link; what to fix is read on the check's page.
    label = in_sentence(kind_label(check))
    unmet = unmet_items(check)
    body = (f"The central team checked {with_article(label)} you are lead professional for and "
            + ("found it still needs putting right." if again else "sent it back to put right."))
    if unmet:
        body += " Checks not met: " + "; ".join(t.rstrip(".") for t in unmet) + "."
    body += (" Open the check to read what needs to be put right, and say there when it is "
             "done.")
    assert check.sent_to is not None
    notify(recipients=[check.sent_to],
           subject=f"Quality control: {with_article(label)} "
                   f"{'still needs' if again else 'needs'} "
                   "putting right",
           body=body, link=check_link(check) + "#to-fix",
           kind=notice_checks.PUT_RIGHT, about=about("quality_check", check.pk))


def _sign_off_role(actor: Person) -> str:
    for role in (Role.QA_MANAGER, Role.HEAD_OF_QA, Role.SERVICE_MANAGER):
        if role in actor.roles:
            return str(role)
    return str(Role.QA_MANAGER)


@transaction.atomic
def quality_check_pass(*, check: QualityCheck, actor: Person,
                       answers: dict[str, Any]) -> QualityCheck:
    """The record passes the Tier 1 checklist."""
    check = _lock(check)
    _require_checker(check, actor)
    check.workflow.check(check, QS.PASSED, actor)  # before the answers: the state decides
    check.answers = _clean_answers(checklist_for(check), answers)
    check.checked_by, check.checked_at = actor, timezone.now()
    check.workflow.move(check, to=QS.PASSED, actor=actor,
                        also_save=["answers", "checked_by", "checked_at"])
    return check


@transaction.atomic
def quality_check_fail(*, check: QualityCheck, actor: Person, answers: dict[str, Any],
                       to_fix: str, action_due_on: dt.date | None = None) -> QualityCheck:
    """Send the record back to its lead professional (the key worker on the day of the
    event) with what to put right; optionally agree a SMART action they own."""
    check = _lock(check)
    _require_checker(check, actor)
    if not check.is_waiting:  # recorded once; quality_check_send_back sends it again
        raise WorkflowError(f"This check is {check.get_status_display().lower()} already. "
                            "Reload the page to see where it has got to.")
    if not to_fix.strip():
        raise DomainError("Say what the lead professional needs to put right.", field="to_fix")
    lead = lead_professional_for(check.event)
    if lead is None:
        raise DomainError("Nobody held this case as lead professional on the day of the "
                          "record, and it has no key worker now. Record the key worker in "
                          "the case register first.")
    if action_due_on is not None and action_due_on < timezone.localdate():
        raise DomainError("The action's date must be today or later.", field="action_due_on")
    if action_due_on is not None:
        action_deadline().check(action_due_on, agreed_on=timezone.localdate(),
                                field="action_due_on")
    check.answers = _clean_answers(checklist_for(check), answers)
    check.to_fix = to_fix.strip()
    check.checked_by, check.checked_at = actor, timezone.now()
    check.sent_to = lead
    also_save = ["answers", "to_fix", "checked_by", "checked_at", "sent_to"]
    if action_due_on is not None:
        label = in_sentence(kind_label(check))
        check.action = action_create(
            issue=f"Tier 1 quality control: the {label} needs putting right. "
                  f"{check.to_fix}",
            action=f"Put right the {label} as the central team asked",
            by_whom="Lead professional", owner=lead, due_on=action_due_on,
            desired_outcome=f"The {label} passes quality control",
            success_measure="The central team confirms it is put right",
            sign_off_role=_sign_off_role(actor), sign_off_person=actor, created_by=actor,
        )
        also_save.append("action")
    check.workflow.move(check, to=QS.FAILED, actor=actor, reason=check.to_fix,
                        also_save=also_save)
    _tell_lead_professional(check, again=False)
    return check


@transaction.atomic
def quality_check_report_fixed(*, check: QualityCheck, actor: Person, note: str) -> QualityCheck:
    """The lead professional says what they put right; the central team then confirms."""
    check = _lock(check)
    if check.sent_to_id != actor.pk:
        raise DomainError("Only the lead professional it was sent to can say it is put right.")
    if not note.strip():
        raise DomainError("Say what you put right.", field="note")
    check.fix_note = note.strip()
    check.workflow.move(check, to=QS.REPORTED, actor=actor, reason=check.fix_note,
                        also_save=["fix_note"])
    if check.action_id:
        action = check.action
        assert action is not None
        if action.completion_submitted_at is None and not action.is_done:
            action_submit_for_sign_off(action=action, actor=actor, evidence=note.strip())
    if check.checked_by is not None and check.checked_by.is_active:
        notify(recipients=[check.checked_by],
               subject=f"Quality control: {with_article(in_sentence(kind_label(check)))} "
                       "you sent back is put right",
               body="The lead professional says it is put right. Check it and confirm.",
               link=check_link(check) + "#fix-note",
               kind=notice_checks.CONFIRM, about=about("quality_check", check.pk))
    return check


@transaction.atomic
def quality_check_confirm_fixed(*, check: QualityCheck, actor: Person,
                                note: str = "") -> QualityCheck:
    """The central team confirms the record is put right: it counts as fixed."""
    check = _lock(check)
    _require_checker(check, actor)
    check.workflow.move(check, to=QS.FIXED, actor=actor, reason=note.strip())
    action = check.action
    if action is not None and action.awaiting_sign_off and may_sign_off(action=action,
                                                                         person=actor):
        action_sign_off(action=action, actor=actor, note="Quality check confirmed as fixed")
    if check.sent_to is not None:
        notify(recipients=[check.sent_to],
               subject=f"Quality control: the {in_sentence(kind_label(check))} you put right "
                       "has passed",
               link=check_link(check))
    return check


@transaction.atomic
def quality_check_send_back(*, check: QualityCheck, actor: Person, to_fix: str) -> QualityCheck:
    """Not put right yet: back to the lead professional with what still needs doing."""
    check = _lock(check)
    _require_checker(check, actor)
    if not to_fix.strip():
        raise DomainError("Say what still needs to be put right.", field="note")
    check.to_fix = to_fix.strip()
    check.workflow.move(check, to=QS.FAILED, actor=actor, reason=check.to_fix,
                        also_save=["to_fix"])
    _tell_lead_professional(check, again=True)
    return check
