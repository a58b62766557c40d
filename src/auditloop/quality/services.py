"""Tier 1 quality control (003): the queue of CAF assessments, TAF meetings and closures the
central team checks against the Tier 1 checklist, pass and fail, the lead professional's fix
and the counts that feed the reports. Services write, selectors read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    DateTimeField,
    F,
    IntegerField,
    JSONField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Combinable, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from auditloop.actions.deadline import action_deadline
from auditloop.actions.services import (
    action_create,
    action_sign_off,
    action_submit_for_sign_off,
    may_sign_off,
)
from auditloop.audits.models import QualityCheck, QualityCheckTransition
from auditloop.cases.models import Case, CaseEvent, Involvement
from auditloop.cases.selectors import holders_on
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.services import notify
from auditloop.people.models import Person, Service
from auditloop.people.roles import Capability, Role, capabilities_for
from auditloop.people.selectors import management_subtree_ids
from auditloop.standards.models import ToolVersion
from auditloop.standards.schema import QC_EVENTS, RAG, YES_NO
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import tool_version_mark_in_use

QS = QualityCheck.Status

# The tool's result section (003-tier-1-quality-control.yaml): the outcome question's choices.
PASSED = "passed"
RETURNED = "returned"

# The transitions of a check: the states each may start from.
ALLOWED_FROM: dict[str, set[str]] = {
    QS.PASSED: {QS.WAITING},
    QS.FAILED: {QS.WAITING, QS.REPORTED},
    QS.REPORTED: {QS.FAILED},
    QS.FIXED: {QS.REPORTED},
}


# ---------------------------------------------------------------------------------------
# Who does what


def is_quality_team(person: Person | None) -> bool:
    """The central team: sees every case and runs the QA work (imports or the cycle)."""
    if person is None or not person.is_active:
        return False
    caps = capabilities_for(person.roles)
    return Capability.VIEW_ALL_CASES in caps and bool(
        {Capability.IMPORT_CASES, Capability.RUN_CYCLE} & caps)


def is_checker(person: Person | None) -> bool:
    """003: "Tier 1 audits are completed ... by the central team and Early Help Service
    Managers"."""
    if person is None or not person.is_active:
        return False
    return is_quality_team(person) or Role.SERVICE_MANAGER in person.roles


def _subtree_scope(person: Person) -> Q:
    """The checks of cases held or managed by the service manager or anyone below them, or
    sent back to one of them."""
    ids = management_subtree_ids(person) | {person.pk}
    return (Q(event__case__key_worker_id__in=ids) | Q(event__case__team_manager_id__in=ids)
            | Q(sent_to_id__in=ids))


def checker_scope(person: Person | None) -> Q | None:
    """None for every check (the central team); a filter for a service manager's checks;
    no checks at all for anyone else."""
    if is_quality_team(person):
        return None
    if person is not None and is_checker(person):
        return _subtree_scope(person)
    return Q(pk__in=[])


def may_check(person: Person | None, check: QualityCheck) -> bool:
    scope = checker_scope(person)
    if scope is None:
        return True
    if not is_checker(person):
        return False
    return QualityCheck.objects.filter(scope, pk=check.pk).exists()


# ---------------------------------------------------------------------------------------
# The tool: which version applies to which event kind, and its checklist


def quality_tools_by_kind() -> dict[str, ToolVersion]:
    """For each kind of case event, the latest version of the first quality-control tool in
    the framework's tools that applies to it. Empty when the framework has none."""
    keys = [k for k in (framework_settings_row().tools or []) if isinstance(k, str)]
    if not keys:
        return {}
    latest: dict[str, ToolVersion] = {}
    for version in ToolVersion.objects.select_related("tool").defer("source").filter(
            tool__key__in=keys).order_by("tool__key", "-number"):
        latest.setdefault(version.tool.key, version)
    by_kind: dict[str, ToolVersion] = {}
    for key in keys:
        found = latest.get(key)
        if found is None or found.definition.get("purpose") != "quality_control":
            continue
        for kind in found.definition.get("applies_to") or []:
            by_kind.setdefault(kind, found)
    return by_kind


def _kind_label(definition: dict[str, Any], kind: str) -> str:
    for section in definition.get("sections", []):
        if section.get("applies_when") == kind:
            return str(section["title"])
    return str(CaseEvent.Kind(kind).label) if kind in CaseEvent.Kind.values else kind


def kind_labels(versions: dict[str, ToolVersion] | None = None) -> dict[str, str]:
    """The council's name for each kind of record checked: the title of the tool's section
    for it ("CAF assessment", "Team Around the Family meeting"), else the register's."""
    versions = quality_tools_by_kind() if versions is None else versions
    labels = {kind: str(CaseEvent.Kind(kind).label) for kind in QC_EVENTS}
    for kind, version in versions.items():
        labels[kind] = _kind_label(version.definition, kind)
    return labels


def kind_label(check: QualityCheck) -> str:
    return _kind_label(check.tool_version.definition, check.event.kind)


def in_sentence(label: str) -> str:
    """A label inside a sentence: "Closure" becomes "closure"; a name with capitals after
    its first letter ("CAF assessment", "Team Around the Family meeting") stays."""
    return label[:1].lower() + label[1:] if label[1:] == label[1:].lower() else label


def with_article(label: str) -> str:
    words = in_sentence(label)
    return ("an " if words[:1].lower() in tuple("aeiou") else "a ") + words


@dataclass
class Checklist:
    """The parts of a quality-control tool that apply to one record."""

    sections: list[dict[str, Any]]
    outcome: dict[str, Any] | None = None  # the result question (passed / returned)
    outcome_section: str = ""
    to_fix: dict[str, Any] | None = None  # "What needs to be put right"
    draft: bool = False
    definition: dict[str, Any] = field(default_factory=dict)

    def outcome_label(self, key: str) -> str:
        for choice in (self.outcome or {}).get("choices") or []:
            if choice["key"] == key:
                return str(choice["label"])
        return {PASSED: "Passed", RETURNED: "Returned to the lead professional to put right"}[key]

    @property
    def questions(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [(s, q) for s in self.sections for q in s["questions"]]


def _is_outcome(question: dict[str, Any]) -> bool:
    keys = {c["key"] for c in question.get("choices") or []}
    return question["answer"] == "choice" and {PASSED, RETURNED} <= keys


def _case_condition(cond: str, *, kind: str, case: Case) -> bool:
    if cond in QC_EVENTS:
        return cond == kind
    if cond == "step_down":
        return case.step == Case.Step.STEP_DOWN
    if cond == "step_up":
        return case.step == Case.Step.STEP_UP
    if cond == "has_iro":
        return Involvement.objects.filter(case=case, role=Involvement.Role.IRO).exists()
    return True  # auditor_decides: shown, the checker answers what applies


def checklist_for(check: QualityCheck) -> Checklist:
    """The tool's sections that apply to this kind of record, with its result question kept
    apart: the page shows it as the pass-or-return decision."""
    definition = check.tool_version.definition
    kind, case = check.event.kind, check.event.case
    result = Checklist(sections=[], definition=definition,
                       draft=definition.get("origin") == "draft")
    for section in definition.get("sections", []):
        cond = section.get("applies_when")
        if isinstance(cond, str) and not _case_condition(cond, kind=kind, case=case):
            continue
        questions = []
        for q in section["questions"]:
            if result.outcome is None and _is_outcome(q):
                result.outcome, result.outcome_section = q, section["key"]
                continue
            target = (q.get("applies_when") or {}) if isinstance(q.get("applies_when"),
                                                                 dict) else {}
            if (result.outcome is not None and q["answer"] == "text"
                    and target.get("answer") == f"{section['key']}.{result.outcome['key']}"):
                result.to_fix = q
                continue
            questions.append(q)
        if questions:
            result.sections.append({**section, "questions": questions})
        if section.get("origin") == "draft":
            result.draft = True
    return result


def answer_key(section: dict[str, Any], question: dict[str, Any]) -> str:
    return f"{section['key']}.{question['key']}"


def answer_choices(question: dict[str, Any],
                   definition: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The answers a question allows, as (key, label); empty for free answers."""
    kind = question["answer"]
    if kind == "grade":
        scales = (definition or {}).get("scales") or {}
        scale = scales.get(question.get("scale") or "") or {}
        return [(level["key"], level["label"]) for level in scale.get("levels") or []]
    if kind == "yes_no":
        return [(o, YES_NO[o]) for o in question.get("options") or list(YES_NO)]
    if kind == "rag":
        return list(RAG.items())
    if kind in ("choice", "multiple_choice"):
        return [(c["key"], c["label"]) for c in question.get("choices") or []]
    return []


def _question_applies(question: dict[str, Any], answers: dict[str, Any]) -> bool:
    cond = question.get("applies_when")
    if not isinstance(cond, dict):
        return True
    given = (answers.get(cond.get("answer", "")) or {}).get("value")
    wanted = set(cond.get("in") or [])
    if isinstance(given, list):
        return bool(wanted & set(given))
    return given in wanted


def checklist_problems(checklist: Checklist, answers: dict[str, Any]) -> dict[str, str]:
    """Each required question left unanswered (or answered with a value the tool does not
    allow), keyed section.question, with what to do."""
    problems: dict[str, str] = {}
    for section, q in checklist.questions:
        key = answer_key(section, q)
        entry = answers.get(key) or {}
        value = entry.get("value")
        allowed = {k for k, _ in answer_choices(q, checklist.definition)}
        if value in (None, "", []):
            if q.get("required", True) and _question_applies(q, answers):
                problems[key] = f"Answer “{q['text']}”"
            continue
        values = value if isinstance(value, list) else [value]
        if allowed and not set(map(str, values)) <= allowed:
            problems[key] = f"Choose one of the answers given for “{q['text']}”"
        elif q.get("comment") == "required" and not str(entry.get("comment", "")).strip():
            problems[key + ".comment"] = f"Add a comment for “{q['text']}”"
    return problems


def unmet_items(check: QualityCheck) -> list[str]:
    """The checklist items answered "no" (or red): the ticks not in the right places."""
    checklist = checklist_for(check)
    return [str(q["text"]) for s, q in checklist.questions
            if (check.answers.get(answer_key(s, q)) or {}).get("value") in ("no", "red")]


# ---------------------------------------------------------------------------------------
# Services


@transaction.atomic
def quality_checks_create_for_new_events(
        *, by_kind: dict[str, ToolVersion] | None = None, only_newer: bool = False) -> int:
    """Put every CAF assessment, TAF meeting and closure (the kinds the framework's
    quality-control tool applies to) of an Early Help case that has no check yet into the
    queue, waiting for a check. Idempotent and cheap when nothing is new.

    One INSERT ... SELECT finds and writes them all: on a register of 600,000 events the
    rows never come into Python, and two runs at once cannot make a second check for an
    event (the event's check is unique; the loser's rows are skipped).

    `only_newer` looks only at records that reached the register after the newest one
    already queued (an index lookup, for the queue page); without it every record is looked
    at, which also catches older records a new tool or a changed `applies_to` brings in.
    `by_kind` is quality_tools_by_kind(), for a caller that has it already."""
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
    found = CaseEvent.objects.filter(
        kind__in=list(by_kind), case__service_id__in=early_help,
        quality_check__isnull=True,
    )
    if only_newer:
        newest = QualityCheck.objects.order_by("-event_id").values("event_id")[:1]
        found = found.filter(pk__gt=Coalesce(Subquery(newest), 0))
    found = found.order_by().values_list(*columns.values())
    select_sql, params = found.query.sql_with_params()
    table = connection.ops.quote_name(QualityCheck._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {select_sql} ON CONFLICT DO NOTHING",
                       params)
        created = max(cursor.rowcount, 0)
        if created:
            for version in {v.pk: v for v in by_kind.values()}.values():
                tool_version_mark_in_use(version=version)
    return created


def _lock(check: QualityCheck) -> QualityCheck:
    return QualityCheck.objects.select_for_update().select_related(
        "event", "event__case", "tool_version").get(pk=check.pk)


def _allowed(check: QualityCheck, to: str) -> None:
    if check.status not in ALLOWED_FROM[to]:
        raise WorkflowError(
            f"This check is at “{check.get_status_display().lower()}”, so it cannot move to "
            f"“{QS(to).label.lower()}” now. Reload the page to see where it has got to.")


def _move(check: QualityCheck, *, actor: Person, to: str, reason: str = "") -> None:
    """Move a locked check to `to` if its state allows it, and record the move."""
    _allowed(check, to)
    old = check.status
    check.status = to
    QualityCheckTransition.objects.create(quality_check=check, actor=actor, from_status=old,
                                          to_status=to, reason=reason)


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


def lead_professional_for(event: CaseEvent) -> Person | None:
    """The lead professional for a record: the case's key worker on the day of the event
    (the latest to start, on a handover day), else the case's key worker now."""
    row = holders_on(case=event.case, on=event.occurred_on,
                     role=Involvement.Role.KEY_WORKER).order_by("-started_on", "-id").first()
    if row is not None:
        return row.person
    return event.case.key_worker


def check_link(check: QualityCheck) -> str:
    return reverse("audits:quality_check", args=[check.pk])


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
           body=body, link=check_link(check))


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
    _allowed(check, QS.PASSED)
    check.answers = _clean_answers(checklist_for(check), answers)
    _move(check, actor=actor, to=QS.PASSED)
    check.checked_by, check.checked_at = actor, timezone.now()
    check.save(update_fields=["status", "answers", "checked_by", "checked_at", "updated_at"])
    return check


@transaction.atomic
def quality_check_fail(*, check: QualityCheck, actor: Person, answers: dict[str, Any],
                       to_fix: str, action_due_on: dt.date | None = None) -> QualityCheck:
    """Send the record back to its lead professional (the key worker on the day of the
    event) with what to put right; optionally agree a SMART action they own."""
    check = _lock(check)
    _require_checker(check, actor)
    if check.status != QS.WAITING:  # recorded once; quality_check_send_back sends it again
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
    _move(check, actor=actor, to=QS.FAILED, reason=to_fix.strip())
    check.to_fix = to_fix.strip()
    check.checked_by, check.checked_at = actor, timezone.now()
    check.sent_to = lead
    fields = ["status", "answers", "to_fix", "checked_by", "checked_at", "sent_to",
              "updated_at"]
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
        fields.append("action")
    check.save(update_fields=fields)
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
    _move(check, actor=actor, to=QS.REPORTED, reason=note.strip())
    check.fix_note = note.strip()
    check.save(update_fields=["status", "fix_note", "updated_at"])
    if check.action_id:
        action = check.action
        assert action is not None
        if action.completion_submitted_at is None and action.status != action.Status.GREEN:
            action_submit_for_sign_off(action=action, actor=actor, evidence=note.strip())
    if check.checked_by is not None and check.checked_by.is_active:
        notify(recipients=[check.checked_by],
               subject=f"Quality control: {with_article(in_sentence(kind_label(check)))} "
                       "you sent back is put right",
               body="The lead professional says it is put right. Check it and confirm.",
               link=check_link(check))
    return check


@transaction.atomic
def quality_check_confirm_fixed(*, check: QualityCheck, actor: Person,
                                note: str = "") -> QualityCheck:
    """The central team confirms the record is put right: it counts as fixed."""
    check = _lock(check)
    _require_checker(check, actor)
    _move(check, actor=actor, to=QS.FIXED, reason=note.strip())
    check.save(update_fields=["status", "updated_at"])
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
    _move(check, actor=actor, to=QS.FAILED, reason=to_fix.strip())
    check.to_fix = to_fix.strip()
    check.save(update_fields=["status", "to_fix", "updated_at"])
    _tell_lead_professional(check, again=True)
    return check


# ---------------------------------------------------------------------------------------
# Selectors


def _with_case(qs: QuerySet[QualityCheck]) -> QuerySet[QualityCheck]:
    return qs.select_related(
        "event", "event__case", "event__case__service", "event__case__team",
        "event__case__key_worker", "sent_to", "checked_by", "tool_version",
    )


# The queue's age bands (days since the record), for the filter only: not a framework rule.
AGES: dict[str, tuple[str, int | None, int | None]] = {
    "week": ("In the last week", 0, 7),
    "month": ("1 to 4 weeks ago", 8, 28),
    "older": ("More than 4 weeks ago", 29, None),
}


def quality_checks_queue(
    *,
    person: Person | None,
    status: str | None = QS.WAITING,
    kind: str | None = None,
    team_id: int | None = None,
    age: str | None = None,
    today: dt.date | None = None,
) -> QuerySet[QualityCheck]:
    """The checks this person works on (the central team: all; a service manager: their
    cases), oldest record first."""
    qs = QualityCheck.objects.all()
    scope = checker_scope(person)
    if scope is not None:
        qs = qs.filter(scope)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(event__kind=kind)
    if team_id:
        qs = qs.filter(event__case__team_id=team_id)
    if age in AGES:
        today = today or timezone.localdate()
        _, newest, oldest = AGES[age]
        if newest is not None:
            qs = qs.filter(event__occurred_on__lte=today - dt.timedelta(days=newest))
        if oldest is not None:
            qs = qs.filter(event__occurred_on__gte=today - dt.timedelta(days=oldest))
    return _with_case(qs).order_by("event__occurred_on", "id")


def quality_checks_to_fix(person: Person) -> QuerySet[QualityCheck]:
    """The lead professional's checks sent back to them, still to put right or waiting for
    the central team to confirm."""
    return _with_case(QualityCheck.objects.filter(
        sent_to=person, status__in=[QS.FAILED, QS.REPORTED])).order_by(
        "status", "checked_at", "id")


def get_quality_check_for_user(user: Any, check_id: int) -> QualityCheck:
    """The check, or 404 for missing and forbidden alike: the central team, the service
    managers over the case, and the lead professional it was sent back to. Callers log the
    view (a check is part of a child's record)."""
    try:
        check = _with_case(QualityCheck.objects.all()).select_related(
            "event__case__team_manager", "action").get(pk=check_id)
    except QualityCheck.DoesNotExist as exc:
        raise Http404 from exc
    person: Person | None = user.person_or_none
    if person is not None and person.is_active and check.sent_to_id == person.pk:
        return check
    if is_checker(person) and may_check(person, check):
        return check
    raise Http404


def quality_check_history(check: QualityCheck) -> QuerySet[QualityCheckTransition]:
    return check.transitions.select_related("actor").order_by("at", "id")


@dataclass
class CountRow:
    key: str
    label: str
    checked: int = 0
    passed: int = 0
    failed: int = 0
    fixed: int = 0
    waiting: int = 0

    @property
    def pass_rate(self) -> int | None:
        """Passed first time, as a whole percentage of those checked."""
        return round(100 * self.passed / self.checked) if self.checked else None

    def add(self, other: CountRow) -> None:
        for name in ("checked", "passed", "failed", "fixed", "waiting"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class QualityCounts:
    start: dt.date
    end: dt.date
    by_kind: list[CountRow]
    by_team: list[CountRow]
    total: CountRow


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def quality_control_counts(*, start: dt.date, end: dt.date,
                           labels: dict[str, str] | None = None) -> QualityCounts:
    """Tier 1 quality control from `start` to `end` (both days included), by kind of record
    and by the case's team: checked (first checked in the period), passed first time,
    failed (sent back), fixed (sent back and since confirmed put right), and waiting (in the
    queue and not yet checked at the end of the period). The pass rate is the share checked
    that passed first time. For the queue page and the monthly report's QA tab (003).
    `labels` is kind_labels(), for a caller that has it already."""
    since, until = _day_start(start), _day_start(end + dt.timedelta(days=1))
    checked = Q(checked_at__gte=since, checked_at__lt=until)
    waiting = Q(created_at__lt=until) & (Q(checked_at__isnull=True) | Q(checked_at__gte=until))
    measures = {
        "checked": Count("pk", filter=checked),
        "passed": Count("pk", filter=checked & Q(status=QS.PASSED)),
        "failed": Count("pk", filter=checked & ~Q(status=QS.PASSED)),
        "fixed": Count("pk", filter=checked & Q(status=QS.FIXED)),
        "waiting": Count("pk", filter=waiting),
    }
    qs = QualityCheck.objects.filter(checked | waiting).order_by()
    labels = kind_labels() if labels is None else labels
    kind_rows: list[dict[str, Any]] = [
        dict(r) for r in qs.values("event__kind").annotate(**measures).order_by("event__kind")]
    team_rows: list[dict[str, Any]] = [
        dict(r) for r in qs.values("event__case__team_id", "event__case__team__name")
        .annotate(**measures).order_by("event__case__team__name")]
    by_kind = [
        CountRow(key=r["event__kind"], label=labels.get(r["event__kind"], r["event__kind"]),
                 **{m: r[m] for m in measures})
        for r in kind_rows
    ]
    by_team = [
        CountRow(key=str(r["event__case__team_id"] or ""),
                 label=r["event__case__team__name"] or "No team recorded",
                 **{m: r[m] for m in measures})
        for r in team_rows
    ]
    total = CountRow(key="", label="All")
    for row in by_kind:
        total.add(row)
    return QualityCounts(start=start, end=end, by_kind=by_kind, by_team=by_team, total=total)
