"""The voices around an audit: the worker's perspective (001), the conversations (002), the
practitioner's and team manager's replies and actions (003), disagreements and how they are
settled (001, 002), and feedback to earlier practitioners (001 2.15).

Writes are keyword-only services that lock what they change; a few small reads they share
with the views sit at the top.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from auditloop.actions.deadline import action_deadline
from auditloop.actions.models import Action
from auditloop.actions.services import action_create
from auditloop.actions.steps import NOT_THEIRS, Step
from auditloop.audits import grade_change, notice_checks, selectors, services
from auditloop.audits.models import (
    Answer,
    Audit,
    AuditAction,
    AuditTransition,
    Conversation,
    Disagreement,
    EarlierPracticeFeedback,
    FeedbackReply,
    SectionGradeChange,
    WorkerPerspective,
)
from auditloop.audits.recipients import (
    on_moderation_panel,
    people_for,
    recipients_for,
    rule_targets,
)
from auditloop.audits.submission import Sheet
from auditloop.cases.models import Involvement
from auditloop.common.dates import gds_date
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.done import about
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.people.roles import Capability, Role, capabilities_for
from auditloop.standards.models import FrameworkSettings, ToolVersion
from auditloop.standards.schema import RAG, YES_NO
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import tool_version_mark_in_use
from auditloop.standards.settings_spec import SETTINGS

S = Audit.Status
K = Conversation.Kind
O = Conversation.Outcome  # noqa: E741 - the model's own name for it
SettledBy = FrameworkSettings.SettledBy

# Outcomes each kind of conversation may record (002: the family may decline to engage or
# not be reached; a conversation with a professional is booked, then held).
OUTCOMES: dict[str, list[str]] = {
    K.LEARNING: [O.BOOKED, O.HELD, O.NOT_REACHED],
    K.IRO: [O.BOOKED, O.HELD, O.NOT_REACHED],
    K.TEAM_MANAGER: [O.BOOKED, O.HELD, O.NOT_REACHED],
    K.FAMILY: [O.HELD, O.DECLINED, O.NOT_REACHED],
}


# Reads -------------------------------------------------------------------------------------

def perspective_tool_version() -> ToolVersion | None:
    """The latest version of the framework's Perspective of Worker tool, if it has one."""
    keys = list(framework_settings_row().tools or [])
    return (ToolVersion.objects.select_related("tool")
            .filter(tool__key__in=keys, tool__purpose="worker_perspective")
            .order_by("tool__key", "-number").first())


def perspective_questions(version: ToolVersion) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(s, q) for s in version.definition["sections"] for q in s["questions"]]


def answer_key(section: dict[str, Any], question: dict[str, Any]) -> str:
    return f"{section['key']}.{question['key']}"


def is_qa_team(person: Person | None) -> bool:
    """The QA team: those who audit and whose role reaches cases without a relationship to
    them (the QA manager and officers, the head of service for QA, the principal social
    worker; 000's Early Help Officers for Early Help cases: they open no other audit, as
    get_audit_for_user checks first)."""
    if person is None or not person.is_active:
        return False
    caps = capabilities_for(person.roles)
    return bool({Capability.VIEW_ALL_CASES, Capability.VIEW_EARLY_HELP_CASES} & caps) and (
        Capability.AUDIT in caps)


def team_managers(audit: Audit) -> list[Person]:
    return people_for(audit, "case_team_manager")


def is_practice_holder(audit: Audit, person: Person | None) -> bool:
    """The case's key worker or its team manager: the two who reply to an audit."""
    if person is None:
        return False
    if person.pk == audit.case.key_worker_id:
        return True
    return person.pk in {p.pk for p in team_managers(audit)}


def case_has_iro(audit: Audit) -> bool:
    """An IRO or CP Chair oversees the case, or did during the period under review."""
    return Involvement.objects.filter(case=audit.case, role=Involvement.Role.IRO).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=audit.period_start)).exists()


@dataclass
class EarlierKeyWorker:
    person: Person
    manager: Person | None
    started_on: dt.date
    ended_on: dt.date | None


def earlier_key_workers(audit: Audit) -> list[EarlierKeyWorker]:
    """Key workers who held the case before, each with the team manager of that time (the
    manager's involvement that overlapped theirs), or else their own line manager."""
    rows = list(Involvement.objects.filter(case=audit.case, ended_on__isnull=False)
                .filter(role__in=[Involvement.Role.KEY_WORKER, Involvement.Role.TEAM_MANAGER])
                .select_related("person", "person__line_manager").order_by("started_on", "id"))
    managers = [r for r in rows if r.role == Involvement.Role.TEAM_MANAGER]
    found: dict[int, EarlierKeyWorker] = {}
    for row in rows:
        if row.role != Involvement.Role.KEY_WORKER or row.person_id == audit.case.key_worker_id:
            continue
        end = row.ended_on or dt.date.max
        overlapping = [m for m in managers
                       if m.started_on <= end and (m.ended_on or dt.date.max) >= row.started_on]
        manager = overlapping[-1].person if overlapping else row.person.line_manager
        found[row.person_id] = EarlierKeyWorker(row.person, manager, row.started_on,
                                                row.ended_on)
    return list(found.values())


def open_disagreement(audit: Audit) -> Disagreement | None:
    return audit.disagreements.filter(outcome=Disagreement.Outcome.OPEN).first()


def may_settle(disagreement: Disagreement, person: Person | None) -> bool:
    """The head of service for QA settles on its route; the moderation panel on its own.
    Nobody settles a disagreement about an audit they did, or one they raised."""
    if person is None or not person.is_active or person.pk == disagreement.raised_by_id:
        return False
    if disagreement.audit.assignments.filter(person=person, ended_at__isnull=True).exists():
        return False
    return _may_settle_route(disagreement.settled_by_route, person)


def _may_settle_route(route: str, person: Person) -> bool:
    caps = capabilities_for(person.roles)
    if route == SettledBy.MODERATION_PANEL:
        return Capability.MODERATE in caps or on_moderation_panel(person)
    return Capability.SETTLE_DISAGREEMENT in caps


def routes_settled_by(person: Person | None) -> list[str]:
    if person is None or not person.is_active:
        return []
    return [route for route in (SettledBy.HEAD_OF_QA, SettledBy.MODERATION_PANEL)
            if _may_settle_route(route, person)]


def disagreements_to_settle(*, person: Person) -> QuerySet[Disagreement]:
    """Open disagreements on the routes this person settles, oldest first, with what the
    list shows loaded (the list's query count does not grow with rows)."""
    return (Disagreement.objects
            .filter(outcome=Disagreement.Outcome.OPEN,
                    settled_by_route__in=routes_settled_by(person))
            .exclude(raised_by=person)
            .exclude(audit__assignments__person=person, audit__assignments__ended_at__isnull=True)
            .select_related("audit", "audit__case", "audit__tool_version__tool", "raised_by")
            .order_by("created_at", "id"))


# The worker's perspective (001 2.13) ------------------------------------------------------

@transaction.atomic
def on_audit_created(*, audit: Audit, actor: Person | None) -> WorkerPerspective | None:
    """Where the framework uses the Perspective of Worker form, ask the case's key worker for
    it and tell those the framework names (default the key worker)."""
    row = framework_settings_row()
    if not row.worker_perspective_form or audit.case.key_worker is None:
        return None
    version = perspective_tool_version()
    if version is None:
        return None
    tool_version_mark_in_use(version=version)
    perspective = WorkerPerspective.objects.create(
        audit=audit, practitioner=audit.case.key_worker, tool_version=version)
    # 001: "Practitioners, whose cases are selected for audit, are provided with a
    # Perspective of Worker form".
    told = recipients_for(audit, "worker_perspective_requested", default=["case_key_worker"])
    notify(recipients=told.people,
           subject="Tell the auditors your perspective on a case you hold",
           body=f"A case you hold has been chosen for audit (audit {audit.pk}). Fill in the "
                "Perspective of Worker form: your feedback as the case worker, including any "
                "challenges you have faced, goes to the auditors.",
           link=reverse("audits:perspective_edit", args=[audit.pk]),
           kind=notice_checks.PERSPECTIVE, about=notice_checks.about_audit(audit))
    return perspective


class PerspectiveIncomplete(DomainError):
    """Required questions left empty: `fields` names each (section.question)."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__("Answer every question that is not marked optional, then send the "
                         "form.", field=fields[0] if fields else None)
        self.fields = fields


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _applies(question: dict[str, Any], answers: Mapping[str, Any]) -> bool:
    cond = question.get("applies_when")
    if not isinstance(cond, dict):
        return True  # case conditions do not arise on the practitioner's own form
    given = (answers.get(cond["answer"]) or {}).get("value")
    given = given if isinstance(given, list) else [given]
    return any(v in cond["in"] for v in given)


@transaction.atomic
def perspective_save(*, perspective: WorkerPerspective, actor: Person,
                     answers: Mapping[str, Any], send: bool) -> WorkerPerspective:
    """Save the practitioner's answers; `send` checks the required ones, sends the form to
    the auditors and tells them. Answers are {"section.question": {"value", "comment"}}."""
    locked = WorkerPerspective.objects.select_for_update().select_related(
        "audit__case", "tool_version").get(pk=perspective.pk)
    if actor.pk != locked.practitioner_id:
        raise DomainError("Only the practitioner who holds the case fills in this form.")
    if locked.submitted_at is not None:
        raise WorkflowError("You have already sent this form to the auditors.")
    if locked.audit.is_ended:
        raise WorkflowError(f"This audit is {locked.audit.get_status_display().lower()}: "
                            "the form can no longer be sent.")
    known = {answer_key(s, q): q for s, q in perspective_questions(locked.tool_version)}
    clean = {k: {"value": v.get("value"), "comment": v.get("comment", "")}
             for k, v in answers.items() if k in known and isinstance(v, Mapping)}
    if send:
        missing = [k for k, q in known.items()
                   if q.get("required", True) and _applies(q, clean)
                   and _is_empty((clean.get(k) or {}).get("value"))]
        if missing:
            raise PerspectiveIncomplete(missing)
    locked.answers = clean
    fields = ["answers", "updated_at"]
    if send:
        locked.submitted_at = timezone.now()
        fields.append("submitted_at")
    locked.save(update_fields=fields)
    if send:
        told = recipients_for(locked.audit, "worker_perspective_completed",
                              default=["case_auditors"])
        notify(recipients=told.people,
               subject="The practitioner's perspective is ready to read",
               body=f"The practitioner has sent their Perspective of Worker form for audit "
                    f"{locked.audit_id}.",
               link=reverse("audits:voices", args=[locked.audit_id]))
    return locked


# Conversations (002) ----------------------------------------------------------------------

@dataclass
class ConversationDetails:
    outcome: str
    booked_for: dt.datetime | None = None
    minutes: int | None = None
    with_whom: str = ""
    reason: str = ""
    interpreter_used: bool = False
    notes: str = ""
    short_reason: str = ""


# The framework's minimum length of a conversation, by kind (002: "it will be important to
# set aside at least an hour" for the learning conversation with the key worker).
MINIMUM_SETTINGS: dict[str, str] = {K.LEARNING: "learning_conversation_minutes"}


def minimum_minutes(kind: str, settings: FrameworkSettings | None = None) -> int | None:
    """The framework's minimum for this kind of conversation, or None."""
    name = MINIMUM_SETTINGS.get(kind)
    if name is None:
        return None
    value = getattr(settings or framework_settings_row(), name)
    return int(value) if value else None


def minimum_words(kind: str, least: int) -> str:
    """The rule as every message states it, naming the setting it comes from."""
    label = re.sub(r"\s*\(.*\)\s*$", "", SETTINGS[MINIMUM_SETTINGS[kind]].label)
    return f"The framework asks for at least {least} minutes ({label})."


def _check_conversation(audit: Audit, kind: str, d: ConversationDetails) -> None:
    if kind not in OUTCOMES:
        raise DomainError("Choose which conversation this is.", field="kind")
    if d.outcome not in OUTCOMES[kind]:
        raise DomainError("Choose what happened.", field="outcome")
    if kind == K.IRO and not case_has_iro(audit):
        raise DomainError("The register shows no IRO or CP Chair on this case. Record the "
                          "conversation with whoever oversees it as a team manager "
                          "conversation, or update the register.", field="kind")
    if d.outcome == O.BOOKED and d.booked_for is None:
        raise DomainError("Enter the date and time the conversation is booked for.",
                          field="booked_for")
    if d.minutes is not None and d.minutes <= 0:
        raise DomainError("Enter how long the conversation is, in minutes.", field="minutes")
    least = minimum_minutes(kind)
    if least and d.outcome == O.BOOKED and (d.minutes is None or d.minutes < least):
        raise DomainError(f"{minimum_words(kind, least)} Book at least {least} minutes.",
                          field="minutes")
    if least and d.outcome == O.HELD:
        # Held for less than the framework asks: it happened, so it is recorded, but with
        # why, and flagged on the audit and counted (conversations_held_short).
        if d.minutes is None:
            raise DomainError(f"Enter how long the conversation lasted, in minutes. "
                              f"{minimum_words(kind, least)}", field="minutes")
        if d.minutes < least and not d.short_reason.strip():
            raise DomainError(f"{minimum_words(kind, least)} Say why this conversation "
                              f"lasted {d.minutes} minutes.", field="short_reason")
    if d.outcome in (O.DECLINED, O.NOT_REACHED) and not d.reason.strip():
        raise DomainError("Say why: what was tried, and why it did not happen.",
                          field="reason")


def _lock_open_audit(audit: Audit, actor: Person) -> Audit:
    locked = Audit.objects.select_for_update().select_related("case").get(pk=audit.pk)
    if not services.is_current_auditor(locked, actor):
        raise DomainError("Only the audit's auditors record its conversations.")
    if not locked.is_open_for_editing:
        raise WorkflowError(f"This audit is {locked.get_status_display().lower()}: its "
                            "conversations can no longer be changed.")
    return locked


@transaction.atomic
def conversation_record(*, audit: Audit, actor: Person, kind: str,
                        details: ConversationDetails) -> Conversation:
    locked = _lock_open_audit(audit, actor)
    _check_conversation(locked, kind, details)
    asked, short_reason = _held_against(kind, details)
    return Conversation.objects.create(
        audit=locked, kind=kind, outcome=details.outcome, booked_for=details.booked_for,
        minutes=details.minutes, with_whom=details.with_whom.strip(),
        reason=details.reason.strip(), interpreter_used=details.interpreter_used,
        notes=details.notes.strip(), recorded_by=actor, minutes_asked=asked,
        short_reason=short_reason)


def _held_against(kind: str, d: ConversationDetails) -> tuple[int | None, str]:
    """The minimum a held conversation is measured against (kept with it, so a later change
    of the setting does not rewrite what was asked at the time), and the reason it was
    shorter, kept only when it was."""
    if d.outcome != O.HELD:
        return None, ""
    least = minimum_minutes(kind)
    short = bool(least and d.minutes is not None and d.minutes < least)
    return least, d.short_reason.strip() if short else ""


@transaction.atomic
def conversation_update(*, conversation: Conversation, actor: Person,
                        details: ConversationDetails) -> Conversation:
    """A booked conversation is later held (or did not happen): the same record moves on."""
    locked_audit = _lock_open_audit(conversation.audit, actor)
    row = Conversation.objects.select_for_update().get(pk=conversation.pk, audit=locked_audit)
    _check_conversation(locked_audit, row.kind, details)
    row.outcome = details.outcome
    row.booked_for = details.booked_for
    row.minutes = details.minutes
    row.with_whom = details.with_whom.strip()
    row.reason = details.reason.strip()
    row.interpreter_used = details.interpreter_used
    row.notes = details.notes.strip()
    row.minutes_asked, row.short_reason = _held_against(row.kind, details)
    row.save(update_fields=["outcome", "booked_for", "minutes", "with_whom", "reason",
                            "interpreter_used", "notes", "minutes_asked", "short_reason",
                            "updated_at"])
    return row


def in_kind_order(conversations: QuerySet[Conversation]) -> list[Conversation]:
    """The key worker first, then the IRO, the team manager and the family (002's order)."""
    order = {k: n for n, k in enumerate(K.values)}
    return sorted(conversations.order_by("created_at", "id"), key=lambda c: order[c.kind])


def conversations_held_short(conversations: QuerySet[Conversation] | None = None
                             ) -> QuerySet[Conversation]:
    """Conversations held for less than the framework asked when they were recorded (for
    the audit page and for reports to count), with their audit and case."""
    qs = conversations if conversations is not None else Conversation.objects.all()
    return (qs.filter(outcome=O.HELD, minutes_asked__isnull=False,
                      minutes__lt=F("minutes_asked"))
            .select_related("audit", "audit__case").order_by("audit_id", "created_at", "id"))


def held_short_message(conversation: Conversation) -> str:
    """What the audit page says of a conversation held short, naming the setting."""
    assert conversation.minutes_asked is not None
    return (f"{conversation.get_kind_display()} lasted {conversation.minutes} minutes. "
            f"{minimum_words(conversation.kind, conversation.minutes_asked)} "
            f"Reason given: {conversation.short_reason}")


# Feedback to the practice, replies and actions (001, 002, 003) ----------------------------

def _lock(audit: Audit) -> Audit:
    return Audit.objects.select_for_update().select_related("case").get(pk=audit.pk)


def feedback_send_states() -> set[str]:
    if framework_settings_row().practitioner_sees_audit == \
            FrameworkSettings.PractitionerSees.AFTER_QA_MEETING:
        # 001: the report goes to the practitioner's manager "following this meeting".
        return {S.DISCUSSED}
    return {S.SUBMITTED, S.DISCUSSED}


@transaction.atomic
def feedback_send(*, audit: Audit, actor: Person) -> Audit:
    """The QA team sends the finished audit to the practitioner and team manager."""
    if not is_qa_team(actor):
        raise DomainError("Only the QA team sends an audit's feedback.")
    locked = _lock(audit)
    settings = framework_settings_row()
    if locked.status not in feedback_send_states():
        if locked.status == S.SUBMITTED:
            raise WorkflowError("This audit is discussed at the QA meeting before its "
                                "feedback goes out.")
        raise WorkflowError(f"This audit is {locked.get_status_display().lower()}: feedback "
                            "is sent once an audit is submitted, and only once.")
    locked.workflow.move(locked, to=S.FEEDBACK_SENT, actor=actor,
                         reason="Feedback sent to the practitioner and team manager")
    told = recipients_for(locked, "feedback_to_practitioner",
                          default=["case_key_worker", "case_team_manager"])
    ask = (" You are asked to reply with your comments and actions."
           if settings.practitioner_replies_to_feedback else
           " You can reply with your comments and any actions.")
    notify(recipients=told.people, subject="An audit of a case you hold or manage is ready",
           body=f"Read the findings of audit {locked.pk}.{ask}",
           link=reverse("audits:feedback", args=[locked.pk]) + "#findings",
           kind=notice_checks.REPLY, about=notice_checks.about_audit(locked))
    return locked


# The steps after an audit, for one person: may they take each now, and if not, why. The
# rule for each lives here; the feedback page only shows it (the button, or the reason where
# the button would be), and the services refuse with the same reason.

def _moved_on(audit: Audit, status: str) -> str:
    """ " on 3 December 2026": when the audit last moved to `status`, if it did."""
    at = (audit.transitions.filter(to_status=status).order_by("-at", "-id")
          .values_list("at", flat=True).first())
    return f" on {gds_date(at)}" if at else ""


def _holders(audit: Audit) -> tuple[int | None, set[int]]:
    """The case's key worker and team managers' ids, asked once for a page's steps."""
    cached = getattr(audit, "_step_holders", None)
    if cached is None:
        cached = (audit.case.key_worker_id, {p.pk for p in team_managers(audit)})
        audit._step_holders = cached  # type: ignore[attr-defined]
    return cached


def _holds(audit: Audit, person: Person | None) -> bool:
    """Like is_practice_holder, for the steps of one page."""
    key_worker, managers = _holders(audit)
    return person is not None and (person.pk == key_worker or person.pk in managers)


def send_step(audit: Audit, person: Person | None) -> Step:
    """The QA team sends the findings to the practice once the framework allows."""
    if not is_qa_team(person):
        return NOT_THEIRS
    if audit.status in feedback_send_states():
        return Step(available=True)
    if audit.status in (S.FEEDBACK_SENT, S.ACTIONS_AGREED, S.CLOSED):
        return Step(reason=f"Done: the feedback was sent{_moved_on(audit, S.FEEDBACK_SENT)}.")
    if audit.status == S.SUBMITTED:
        return Step(reason="Send the feedback once the audit has been discussed at the QA "
                           "meeting.")
    if audit.status == S.IN_MODERATION:
        return Step(reason="Send the feedback once the audit's moderation is finished.")
    if audit.is_withdrawn:
        return Step(reason="This audit was withdrawn: it has no feedback to send.")
    return Step(reason="Send the feedback once the audit is submitted.")


def reply_step(audit: Audit, person: Person | None) -> Step:
    """The key worker and the team manager reply to the findings while they are open."""
    if not _holds(audit, person):
        return NOT_THEIRS
    if audit.is_findings_open:
        return Step(available=True)
    if audit.status == S.CLOSED:
        return Step(reason="This audit is closed: it takes no more replies.")
    return Step(reason="Reply once the audit is submitted and its findings are shared with "
                       "you.")


def propose_step(audit: Audit, person: Person | None) -> Step:
    """The practice proposes SMART actions until the team manager confirms them."""
    if not _holds(audit, person):
        return NOT_THEIRS
    if audit.status == S.ACTIONS_AGREED:
        return Step(reason="The actions for this audit are already agreed"
                           f"{_moved_on(audit, S.ACTIONS_AGREED)}: no more are added here.")
    if audit.is_findings_open:
        return Step(available=True)
    if audit.status == S.CLOSED:
        return Step(reason="This audit is closed: no more actions are added to it.")
    return Step(reason="Propose actions once the audit is submitted and its findings are "
                       "shared with you.")


def confirm_step(audit: Audit, person: Person | None,
                 disagreement: Disagreement | None | bool = False) -> Step:
    """The case's team manager confirms the actions, once the feedback is sent and no
    disagreement is waiting (001). `disagreement`: the open one, if the caller has it."""
    if person is None or person.pk not in _holders(audit)[1]:
        return NOT_THEIRS
    if audit.status == S.ACTIONS_AGREED:
        return Step(reason=f"Done: the actions were agreed{_moved_on(audit, S.ACTIONS_AGREED)}.")
    if audit.status == S.CLOSED:
        return Step(reason="This audit is closed.")
    if not audit.is_submitted_or_later:
        return Step(reason="Confirm the actions once the audit is submitted and its feedback "
                           "sent.")
    waiting = open_disagreement(audit) if disagreement is False else disagreement
    if waiting is not None:
        return Step(reason="Confirm the actions once the disagreement is settled.")
    if audit.status != S.FEEDBACK_SENT:
        return Step(reason="Confirm the actions once the QA team has sent the audit's "
                           "feedback.")
    return Step(available=True)


def _check_may_reply(audit: Audit, actor: Person) -> None:
    if not is_practice_holder(audit, actor):
        raise DomainError("Only the case's key worker and team manager reply to its audit.")
    user = actor.user
    if user is None or not selectors.may_see_as_practice(user, audit):
        raise WorkflowError("You can reply once the audit's findings have been shared with "
                            "you.")
    if audit.status == S.CLOSED:
        raise WorkflowError("This audit is closed: it takes no more replies.")


@transaction.atomic
def reply_create(*, audit: Audit, actor: Person, comments: str, agrees: bool) -> FeedbackReply:
    """The lead professional's (or team manager's) reply (003: "The LP is asked to reply
    with comments and actions"). Not agreeing raises a disagreement."""
    locked = _lock(audit)
    _check_may_reply(locked, actor)
    if not comments.strip():
        raise DomainError("Enter your comments on the audit's findings.", field="comments")
    reply = FeedbackReply.objects.create(audit=locked, person=actor, comments=comments.strip(),
                                         agrees=agrees)
    if not agrees:
        _raise_disagreement(locked, actor, comments.strip())
    return reply


@dataclass
class ProposedAction:
    issue: str
    action: str
    by_whom: str
    due_on: dt.date
    desired_outcome: str
    success_measure: str


def sign_off_for(audit: Audit) -> tuple[str, Person | None]:
    """Who signs off the audit's actions (002: "signing off by the allocated Team
    Manager"), from the framework's setting: a relationship to the case or a role."""
    target = framework_settings_row().actions_signed_off_by or "case_team_manager"
    if target in Role.values:
        return Role(target), None
    role = Role.SERVICE_MANAGER if target == "case_service_manager" else Role.TEAM_MANAGER
    people = people_for(audit, target)
    return role, people[0] if people else None


@transaction.atomic
def reply_action_propose(*, audit: Audit, actor: Person, proposal: ProposedAction) -> Action:
    """A SMART action proposed in reply to the audit, owned by the key worker and signed
    off as the framework says; the team manager confirms the actions."""
    locked = _lock(audit)
    _check_may_reply(locked, actor)
    step = propose_step(locked, actor)
    if not step.available:
        raise WorkflowError(step.reason)
    today = timezone.localdate()
    if proposal.due_on < today:
        raise DomainError("The date the action is due by must be today or in the future.",
                          field="due_on")
    # 002: "Actions will be completed within 40 days at most".
    action_deadline().check(proposal.due_on, agreed_on=today)
    role, person = sign_off_for(locked)
    action = action_create(
        issue=proposal.issue, action=proposal.action, by_whom=proposal.by_whom,
        owner=locked.case.key_worker or actor, due_on=proposal.due_on,
        desired_outcome=proposal.desired_outcome, success_measure=proposal.success_measure,
        sign_off_role=role, sign_off_person=person, created_by=actor)
    AuditAction.objects.create(audit=locked, action=action, source=AuditAction.Source.REPLY)
    return action


@transaction.atomic
def actions_agree(*, audit: Audit, actor: Person) -> Audit:
    """The team manager confirms the actions agreed with the practitioner (001: "the Team
    Manager and Practitioner will discuss the audit findings and agree on smart actions")."""
    locked = _lock(audit)
    step = confirm_step(locked, actor)
    if not step.shown:
        raise DomainError("Only the case's team manager confirms the actions.")
    if not step.available:
        raise WorkflowError(step.reason)
    count = locked.action_links.count()
    locked.workflow.move(locked, to=S.ACTIONS_AGREED, actor=actor,
                         reason=f"The team manager confirmed {count} action"
                                f"{'' if count == 1 else 's'}")
    told = recipients_for(locked, "actions_created")
    notify(recipients=told.people, subject="Actions are agreed from an audit",
           body=f"The team manager has confirmed the actions from audit {locked.pk}.",
           link=reverse("audits:feedback", args=[locked.pk]) + "#actions")
    return locked


# Disagreement (001 2.18, 002) -------------------------------------------------------------

def _send_to_panel(audit: Audit, actor: Person, why: str) -> None:
    if audit.status != S.IN_MODERATION:
        audit.workflow.move(audit, to=S.IN_MODERATION, actor=actor, reason=why)


def _raise_disagreement(audit: Audit, actor: Person, reason: str) -> Disagreement:
    """`audit` is locked by the caller."""
    if open_disagreement(audit) is not None:
        raise WorkflowError("A disagreement about this audit is already waiting to be "
                            "settled.")
    if not audit.is_findings_open:
        raise WorkflowError(f"This audit is {audit.get_status_display().lower()}: there is "
                            "nothing to disagree with yet, or it is closed.")
    route = framework_settings_row().disagreement_settled_by
    # "both": the head of service for QA looks first, then the moderation panel.
    first = SettledBy.MODERATION_PANEL if route == SettledBy.MODERATION_PANEL \
        else SettledBy.HEAD_OF_QA
    row = Disagreement.objects.create(audit=audit, raised_by=actor, reason=reason,
                                      settled_by_route=first)
    if first == SettledBy.MODERATION_PANEL:
        # 002: "Any case audited where there is disagreement in respect of the outcome will
        # also be presented for moderation."
        _send_to_panel(audit, actor, "Disagreement with the findings")
    default = ["moderation_panel" if first == SettledBy.MODERATION_PANEL
               else Role.HEAD_OF_QA.value]
    told = recipients_for(audit, "disagreement", default=default)
    notify(recipients=told.people, subject="A disagreement about an audit needs settling",
           body=f"The findings of audit {audit.pk} are disputed. Take an independent look "
                "and record the outcome.",
           link=reverse("audits:disagreement_settle", args=[row.pk]),
           kind=notice_checks.SETTLE, about=about("disagreement", row.pk))
    return row


@transaction.atomic
def disagreement_raise(*, audit: Audit, actor: Person, reason: str) -> Disagreement:
    locked = _lock(audit)
    _check_may_reply(locked, actor)
    if not reason.strip():
        raise DomainError("Say what you disagree with, and why.", field="reason")
    return _raise_disagreement(locked, actor, reason.strip())


def grade_levels(audit: Audit) -> list[dict[str, Any]]:
    definition = audit.tool_version.definition
    overall = definition.get("overall") or {}
    scale = definition["scales"].get(overall.get("scale") or "", {}) if overall else {}
    return list(scale.get("levels", []))


def grade_label(audit: Audit, key: str) -> str:
    return next((lv["label"] for lv in grade_levels(audit) if lv["key"] == key), key)


def graded_areas(audit: Audit) -> list[tuple[str, str, list[dict[str, Any]], str]]:
    """Each graded section that applies to the audit: its key, title, scale levels and the
    grade that counts now (the auditor's, or the last settled change)."""
    sheet = Sheet.for_audit(audit)
    scales = sheet.definition["scales"]
    changed = {c.section_key: c.after for c in audit.section_grade_changes.all()}
    out = []
    for s in sheet.sections:
        if not s["graded"] or sheet.section_applies(s) is False:
            continue
        auditor = sheet.value(s["key"], 0, Answer.GRADE)
        now = changed.get(s["key"], auditor if isinstance(auditor, str) else "")
        title = f"{s.get('ref') or ''} {s['title']}".strip()
        out.append((s["key"], title, list(scales.get(s.get("scale") or "", {}).get(
            "levels", [])), now))
    return out


def _section_grades_change(audit: Audit, row: Disagreement, actor: Person,
                           section_grades: Mapping[str, str]) -> list[str]:
    """Validate and record the sections' new grades; returns one line per change."""
    areas = {key: (title, levels, now) for key, title, levels, now in graded_areas(audit)}
    wanted = {k: v for k, v in section_grades.items() if v}
    for key, grade in wanted.items():
        if key not in areas:
            raise DomainError("Choose grades only for the audit's graded areas.",
                              field=f"section-{key}")
        if grade not in {lv["key"] for lv in areas[key][1]}:
            raise DomainError(f"Choose a grade from the scale for {areas[key][0]}.",
                              field=f"section-{key}")
    lines = []
    for key, grade in wanted.items():
        title, levels, now = areas[key]
        if grade == now:
            continue
        label = {lv["key"]: lv["label"] for lv in levels}
        lines.append(f"{title}: {label.get(now, 'no grade') if now else 'no grade'} to "
                     f"{label[grade]}.")
        SectionGradeChange.objects.create(audit=audit, disagreement=row, section_key=key,
                                          before=now, after=grade, changed_by=actor,
                                          reason=row.outcome_note)
    return lines


@transaction.atomic
def disagreement_settle(*, disagreement: Disagreement, actor: Person, outcome: str, note: str,
                        final_grade: str = "",
                        section_grades: Mapping[str, str] | None = None) -> Disagreement:
    """Record how a disagreement was settled: the findings stand, or they change (with a new
    final grade, or new section grades, where grades change: each written to the audit's
    history). On the panel's route the audit leaves moderation and its feedback goes out
    again."""
    audit = _lock(disagreement.audit)
    row = Disagreement.objects.select_for_update().get(pk=disagreement.pk)
    row.audit = audit
    if row.is_settled:
        raise WorkflowError("This disagreement has already been settled.")
    if not may_settle(row, actor):
        raise DomainError("You cannot settle this disagreement.")
    if outcome not in Disagreement.workflow.groups["settled"]:
        raise DomainError("Choose whether the findings stand or change.", field="outcome")
    note = note.strip()
    if outcome == Disagreement.Outcome.CHANGED and not note:
        raise DomainError("Say what changes in the findings, and why.", field="note")
    if final_grade and outcome != Disagreement.Outcome.CHANGED:
        raise DomainError("Leave the grade as it is when the findings stand.",
                          field="final_grade")
    section_grades = {k: v for k, v in (section_grades or {}).items() if v}
    if section_grades and outcome != Disagreement.Outcome.CHANGED:
        raise DomainError("Leave the grades of the areas as they are when the findings stand.",
                          field=f"section-{next(iter(section_grades))}")
    if final_grade and final_grade not in {lv["key"] for lv in grade_levels(audit)}:
        raise DomainError("Choose a grade from the audit's scale.", field="final_grade")
    if final_grade and final_grade != audit.final_grade:
        before = grade_label(audit, audit.final_grade) if audit.final_grade else "no grade"
        reason = note
        note = f"Final grade changed from {before} to {grade_label(audit, final_grade)}. {note}"
        # The new grade's consequences follow and the old one's that no longer apply go.
        grade_change.audit_final_grade_change(
            audit=audit, actor=actor, new_grade=final_grade, reason=reason,
            by="moderation" if row.settled_by_route == SettledBy.MODERATION_PANEL
            else "a settled disagreement")
    row.outcome_note = note.strip()
    sections = _section_grades_change(audit, row, actor, section_grades)
    if sections:
        changed = "Grades changed: " + " ".join(sections)
        row.outcome_note = f"{changed} {row.outcome_note}".strip()
        # The status does not move: the history row says who changed which grade and why.
        AuditTransition.objects.create(
            audit=audit, actor=actor, from_status=audit.status, to_status=audit.status,
            reason=f"Disagreement settled. {row.outcome_note}")
    row.settled_by = actor
    row.settled_at = timezone.now()
    row.workflow.move(row, to=outcome, actor=actor, reason=row.outcome_note,
                      also_save=["outcome_note", "settled_by", "settled_at"])
    route = framework_settings_row().disagreement_settled_by
    if row.settled_by_route == SettledBy.HEAD_OF_QA and route == SettledBy.BOTH:
        _refer_to_panel(audit, row, actor)
    elif row.settled_by_route == SettledBy.MODERATION_PANEL and audit.status == S.IN_MODERATION:
        audit.workflow.move(audit, to=S.FEEDBACK_SENT, actor=actor,
                            reason=f"Disagreement settled: {row.get_outcome_display().lower()}")
    _tell_outcome(audit, row)
    return row


def _refer_to_panel(audit: Audit, settled: Disagreement, actor: Person) -> None:
    if audit.status == S.CLOSED:
        return
    panel = Disagreement.objects.create(
        audit=audit, raised_by=settled.raised_by, settled_by_route=SettledBy.MODERATION_PANEL,
        reason=f"{settled.reason}\n\nThe head of service for QA's independent look: "
               f"{settled.get_outcome_display()}. {settled.outcome_note}".strip())
    _send_to_panel(audit, actor, "Disagreement referred to the moderation panel")
    told = recipients_for(audit, "disagreement", default=["moderation_panel"])
    notify(recipients=[p for p in told.people if p.pk != actor.pk],
           subject="A disagreement about an audit needs settling",
           body=f"The findings of audit {audit.pk} are disputed and come to the moderation "
                "panel after the head of service for QA's look.",
           link=reverse("audits:disagreement_settle", args=[panel.pk]),
           kind=notice_checks.SETTLE, about=about("disagreement", panel.pk))


def _tell_outcome(audit: Audit, row: Disagreement) -> None:
    people = [row.raised_by, *people_for(audit, "case_key_worker"), *team_managers(audit),
              *people_for(audit, "case_auditors")]
    notify(recipients=[p for p in people if p.is_active and p.pk != row.settled_by_id],
           subject="A disagreement about an audit has been settled",
           body=f"The outcome for audit {audit.pk}: {row.get_outcome_display().lower()}.",
           link=reverse("audits:feedback", args=[audit.pk]) + "#disagreements")


def settled_trail(audit: Audit) -> QuerySet[Disagreement]:
    return audit.disagreements.select_related("raised_by", "settled_by").order_by(
        "created_at", "id")


def moderation_entry(audit: Audit) -> AuditTransition | None:
    return audit.transitions.filter(to_status=S.IN_MODERATION).order_by("-at", "-id").first()


# Earlier practitioners (001 2.15) ---------------------------------------------------------

@transaction.atomic
def earlier_practice_feedback_send(*, audit: Audit, actor: Person, practitioner: Person,
                                   stands_out: str, message: str) -> EarlierPracticeFeedback:
    """Feed back to an earlier key worker, and their team manager, where their practice on
    the case shows particular strengths or areas of concern or requiring improvement."""
    locked = _lock(audit)
    if not services.is_current_auditor(locked, actor):
        raise DomainError("Only the audit's auditors send this feedback.")
    if not framework_settings_row().feedback_to_previous_practitioner:
        raise WorkflowError("The framework does not send feedback to earlier practitioners.")
    if locked.status == S.WITHDRAWN:
        raise WorkflowError("This audit is withdrawn.")
    earlier = {e.person.pk: e for e in earlier_key_workers(locked)}
    if practitioner.pk not in earlier:
        raise DomainError("Choose a key worker who held the case before.",
                          field="practitioner")
    if stands_out not in EarlierPracticeFeedback.StandsOut.values:
        raise DomainError("Choose what stands out about their practice.", field="stands_out")
    if not message.strip():
        raise DomainError("Write the feedback: what stood out, with examples from the file.",
                          field="message")
    manager = earlier[practitioner.pk].manager
    row = EarlierPracticeFeedback.objects.create(
        audit=locked, practitioner=practitioner, manager=manager, sent_by=actor,
        stands_out=stands_out, message=message.strip())
    notify(recipients=earlier_feedback_told(locked, practitioner, manager),
           subject="Feedback on earlier work on a case",
           body="An auditor has feedback on practice on a case you or your team held "
                "earlier.",
           link=reverse("audits:earlier_feedback_detail", args=[row.pk]))
    return row


def earlier_feedback_told(audit: Audit, practitioner: Person,
                          manager: Person | None) -> list[Person]:
    """Who the framework names for "previous_practitioner_feedback": the earlier key worker
    the feedback is about (case_previous_key_worker), their manager at the time
    (case_previous_team_manager), and anyone else it names. Naming nobody, both hear (001
    2.15: feed back to the previous practitioner and team)."""
    targets = rule_targets("previous_practitioner_feedback") or [
        "case_previous_key_worker", "case_previous_team_manager"]
    told: list[Person | None] = []
    for target in targets:
        if target == "case_previous_key_worker":
            told.append(practitioner)
        elif target == "case_previous_team_manager":
            told.append(manager)
        elif not target.startswith("contact:"):
            told += people_for(audit, target)
    return [p for p in told if p is not None and p.is_active]


def may_read_earlier_feedback(row: EarlierPracticeFeedback, person: Person | None,
                              *, sees_every_case: bool) -> bool:
    if person is None:
        return False
    if sees_every_case or person.pk in {row.practitioner_id, row.manager_id, row.sent_by_id}:
        return True
    return services.is_current_auditor(row.audit, person)


def answer_text(question: dict[str, Any], value: Any,
                scales: Mapping[str, Any] | None = None) -> str:
    """An answer as a reader sees it (the label, not the stored key)."""
    if _is_empty(value):
        return "Not answered"
    kind = question.get("answer")
    if kind == "grade":
        levels = (scales or {}).get(question.get("scale") or "", {}).get("levels", [])
        return next((lv["label"] for lv in levels if lv["key"] == value), str(value))
    if kind == "yes_no":
        return YES_NO.get(str(value), str(value))
    if kind == "rag":
        return RAG.get(str(value), str(value))
    if kind in ("choice", "multiple_choice"):
        labels = {c["key"]: c["label"] for c in question.get("choices") or []}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in values)
    if kind == "date":
        try:
            return f"{dt.date.fromisoformat(str(value)):%-d %B %Y}"
        except ValueError:
            return str(value)
    if kind == "number" and question.get("unit"):
        return f"{value} {question['unit']}"
    return str(value)
