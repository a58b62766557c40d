"""Actions written inside the audit become tracked actions when it is submitted: each row of
a remedial action section (003: issue, action, by whom, by when, desired outcome, how we
will know, and its RAG progress; 002: "actions generated through individual audits will be
clearly recorded on the audit form ... and will require signing off by the allocated Team
Manager") becomes an action with an owner, the framework's time limit, escalation when
overdue and sign-off, listed by the central tracker like the actions from replies and
immediate concerns.

A row is tracked once: submitting again (or again after the audit was reopened) tracks only
rows not tracked before. A row taken out after it was tracked stays tracked, with its own
history, since someone may already be working on it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.urls import reverse

from auditloop.actions.deadline import ActionDeadline, action_deadline
from auditloop.actions.models import Action
from auditloop.actions.origins import Origin, register_origin_finder
from auditloop.actions.services import action_create, action_set_progress
from auditloop.audits.models import Audit, AuditAction
from auditloop.audits.selectors import get_audit_for_user
from auditloop.audits.submission import Problem, Sheet, field_id, is_empty
from auditloop.cases.selectors import get_case_for_user
from auditloop.people.models import Person

KIND = "remedial_action"
# The questions of a remedial action row, by key, and the part of the action each fills
# (the headings of 003's own SMART plan example; 002's action rows ask the same).
ISSUE, ACTION, BY_WHOM, BY_WHEN = "issue", "action", "by_whom", "by_when"
DESIRED_OUTCOME, HOW_WILL_WE_KNOW, PROGRESS = "desired_outcome", "how_will_we_know", "progress"
# How a row's "by whom" names the case's key worker or team manager when it gives no name.
KEY_WORKER_WORDS = re.compile(r"\b(key ?worker|lead professional|lp|practitioner|"
                              r"social worker|allocated worker)\b", re.IGNORECASE)
TEAM_MANAGER_WORDS = re.compile(r"\b(team manager|tm)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ActionRow:
    """One action row of the audit, as the auditor wrote it."""

    section: dict[str, Any]
    item: int
    number: int  # "Action 1", "Action 2" in the section
    values: dict[str, Any]

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return "" if is_empty(value) else str(value).strip()

    @property
    def due_on(self) -> dt.date | None:
        value = self.values.get(BY_WHEN)
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value)) if value else None
        except ValueError:
            return None

    @property
    def label(self) -> str:
        return f"action {self.number}"


def action_rows(sheet: Sheet) -> list[ActionRow]:
    """Every action row the audit records, in the sections that apply to the case."""
    rows = []
    for section in sheet.sections:
        if section.get("kind") != KIND or sheet.section_applies(section) is False:
            continue
        for number, (item, _label) in enumerate(sheet.items(section), start=1):
            values = {q["key"]: sheet.value(section["key"], item, q["key"])
                      for q in section["questions"]}
            if any(not is_empty(v) for v in values.values()):
                rows.append(ActionRow(section, item, number, values))
    return rows


def tracking_note(section: dict[str, Any]) -> str:
    """What the auditor is told on an action section's page: what happens to its rows."""
    if section.get("kind") != KIND:
        return ""
    deadline = action_deadline()
    limit = (f" Each must be due within {deadline.days} days of the audit being submitted."
             if deadline.days else "")
    return ("When the audit is submitted, each action becomes a tracked action, owned by the "
            "person named in “by whom” or otherwise the case's key worker, and signed off by "
            f"whoever the framework names.{limit}")


def action_row_problems(sheet: Sheet, *, agreed_on: dt.date,
                      deadline: ActionDeadline | None = None) -> list[Problem]:
    """What keeps the audit's action rows from being tracked, so the audit is not submitted
    until it is put right: a part of the action missing, or a row due after the framework's
    limit, counted from the day the audit is submitted (the day its actions are agreed)."""
    rule = deadline or action_deadline()
    problems = []
    for row in action_rows(sheet):
        problems += _untrackable(sheet, row)
        due = row.due_on
        if due is not None and rule.over_limit(due, agreed_on=agreed_on):
            problems.append(Problem(
                row.section["key"], field_id(row.section["key"], row.item, BY_WHEN),
                f"{rule.refusal(agreed_on=agreed_on)} This is for {row.label} of "
                f"“{row.section['title']}”."))
    return problems


def _untrackable(sheet: Sheet, row: ActionRow) -> list[Problem]:
    """What a row lacks to be tracked, where the tool itself does not already ask for it
    (a tool may leave a part optional): every part of a SMART action but the issue."""
    asked = {q["key"]: q for q in row.section["questions"]}
    problems = []
    for key in (ACTION, BY_WHOM, BY_WHEN, DESIRED_OUTCOME, HOW_WILL_WE_KNOW):
        question = asked.get(key)
        if question is not None and sheet.question_required(question):
            continue  # the tool's own check asks for it
        empty = row.due_on is None if key == BY_WHEN else not row.text(key)
        if empty:
            what = question["text"] if question else key.replace("_", " ")
            problems.append(Problem(
                row.section["key"], field_id(row.section["key"], row.item, key),
                f"Enter “{what}” for {row.label} of “{row.section['title']}”: each action "
                "is tracked once the audit is submitted, and needs every part."))
    return problems


def owner_for(audit: Audit, by_whom: str, *, fallback: Person) -> Person:
    """Who owns a row's action: the person its "by whom" names where it names the case's key
    worker or team manager (by name or by role) or exactly one active member of staff;
    otherwise the case's key worker (002: "the responsibility of the allocated key worker
    and Team Manager"), then the team manager, then the auditor who recorded it."""
    case = audit.case
    key_worker = case.key_worker if case.key_worker and case.key_worker.is_active else None
    team_manager = (case.team_manager if case.team_manager and case.team_manager.is_active
                    else None)
    text = by_whom.strip()
    lowered = text.lower()
    for person in (key_worker, team_manager):
        if person is not None and person.full_name and person.full_name.lower() in lowered:
            return person
    if key_worker is not None and KEY_WORKER_WORDS.search(text):
        return key_worker
    if team_manager is not None and TEAM_MANAGER_WORDS.search(text):
        return team_manager
    named = list(Person.objects.filter(full_name__iexact=text, is_active=True)[:2]) \
        if text else []
    if len(named) == 1:
        return named[0]
    return key_worker or team_manager or fallback


def _rag_note(rag: str) -> str:
    if rag == Action.Status.GREEN:
        return ("Recorded in the audit as green (completed): it turns green when the owner "
                "sends it for sign-off with the evidence and it is signed off.")
    return "Recorded in the audit as amber (in progress)."


def audit_actions_track(*, audit: Audit, actor: Person, sheet: Sheet | None = None
                        ) -> list[Action]:
    """Track every action row of the submitted audit not tracked yet. Called by the submit
    service inside its transaction, with the audit locked."""
    from auditloop.audits.voices import sign_off_for

    sheet = sheet or Sheet.for_audit(audit)
    rows = action_rows(sheet)
    if not rows:
        return []
    tracked = set(AuditAction.objects.filter(audit=audit).exclude(section_key="")
                  .values_list("section_key", "item"))
    role, sign_off_person = sign_off_for(audit)
    made = []
    for row in rows:
        if (row.section["key"], row.item) in tracked:
            continue
        due = row.due_on
        assert due is not None  # action_row_problems refused the submit without it
        action = action_create(
            issue=row.text(ISSUE) or row.section["title"], action=row.text(ACTION),
            by_whom=row.text(BY_WHOM), owner=owner_for(audit, row.text(BY_WHOM),
                                                       fallback=actor),
            due_on=due, desired_outcome=row.text(DESIRED_OUTCOME),
            success_measure=row.text(HOW_WILL_WE_KNOW), sign_off_role=role,
            sign_off_person=sign_off_person, created_by=actor)
        AuditAction.objects.create(audit=audit, action=action, source=AuditAction.Source.AUDIT,
                                   section_key=row.section["key"], item=row.item)
        rag = row.text(PROGRESS)
        if rag in (Action.Status.AMBER, Action.Status.GREEN):
            action_set_progress(action=action, actor=actor, status=Action.Status.AMBER,
                                note=_rag_note(rag))
        made.append(action)
    return made


@register_origin_finder
def action_origins(action: Action, user: Any) -> list[Origin]:
    """An audit action's page leads back to its audit (and the audit's feedback, where its
    actions are listed) and to the case, each only where this reader may open it: the
    audits' and the register's own access rules, never a link that would be 404."""
    link = (AuditAction.objects.select_related("audit__case").filter(action=action)
            .order_by("id").first())
    if link is None:
        return []
    audit, found = link.audit, []
    reference = audit.case.reference
    try:
        get_audit_for_user(user, audit.pk)
    except Http404:
        pass
    else:
        found.append(Origin(f"the audit of {reference}",
                            reverse("audits:audit_detail", args=[audit.pk]), back=True))
        if audit.is_submitted_or_later:
            found.append(Origin(f"the feedback on the audit of {reference}",
                                reverse("audits:feedback", args=[audit.pk]) + "#actions",
                                intro="Listed with the audit's other actions in"))
    try:
        get_case_for_user(user, audit.case_id)
    except Http404:
        pass
    else:
        found.append(Origin(f"case {reference}",
                            reverse("cases:case_detail", args=[audit.case_id]), intro="About"))
    return found
