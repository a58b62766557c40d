"""The demo council's audit history: two years of monthly cycles of graded, submitted audits,
with a monthly thematic audit of neglect cases and the Early Help service's own audits.

Made through the services that a real month uses (cycle_create, audit_create, answer_save,
audit_submit and the workflow's transitions), then dated back to the month each belongs to,
so that the pages that look back (moderation, the tracker, closing the loop, reports) have
a history to show. Practice improves over the years, as a council hopes its will (004: "the
on-going monthly audits should show an increase in the number of those cases where practice
is considered good"); the trends the reports should show are set out in trends.py.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model, ProtectedError, RestrictedError
from django.utils import timezone

from auditloop.audits import services as audit_services
from auditloop.audits import voices
from auditloop.audits.models import (
    Answer,
    Audit,
    AuditTransition,
    Conversation,
    FeedbackReply,
    WorkerPerspective,
)
from auditloop.audits.submission import APPLIES, EVIDENCE, GRADE, OVERALL, Sheet
from auditloop.cases.models import Case, Involvement
from auditloop.demo import trends
from auditloop.demo.structure import DEMO_SOURCE
from auditloop.people.models import Person, Service
from auditloop.programme.loop import Scale, scales_for
from auditloop.programme.models import Cycle, CycleCase, CycleEvent, MeetingItem
from auditloop.programme.services import cycle_create
from auditloop.programme.timetable import cycle_span
from auditloop.standards.models import ToolVersion
from auditloop.standards.selectors import framework_settings_row, latest_version

S = Audit.Status
CASES_PER_CYCLE = 8  # 000: a monthly dip sample of 8
# (demo) two years of months: enough points for an SPC chart's limits and its runs of seven
DEFAULT_HISTORY_MONTHS = 24
REPLY_SHARE = 0.6  # (demo) the share of audits whose key worker replies to the feedback


@dataclass
class History:
    cycles: list[Cycle] = field(default_factory=list)  # the monthly cycles
    programmes: list[Cycle] = field(default_factory=list)  # thematic and service audits
    audits: list[Audit] = field(default_factory=list)


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _months_back(today: dt.date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 - months
    return index // 12, index % 12 + 1


def _auditors() -> list[Person]:
    roles = set(framework_settings_row().auditor_roles or ["auditor"])
    people = Person.objects.filter(staff_number__startswith="DEMO-", is_active=True,
                                   user__isnull=False).select_related("job_title")
    return [p for p in people.prefetch_related("role_rows") if p.roles & roles]


def _involved(case: Case) -> set[int]:
    ids = set(Involvement.objects.filter(case=case).values_list("person_id", flat=True))
    ids |= {pk for pk in (case.key_worker_id, case.team_manager_id) if pk}
    if case.key_worker_id and case.key_worker and case.key_worker.line_manager_id:
        ids.add(case.key_worker.line_manager_id)
    return ids


def _grade_for(rng: random.Random, levels: list[str], progress: float) -> str:
    """Levels are best first. Early in the history more not-yet-good; later more good."""
    good_share = 0.35 + 0.35 * progress
    r = rng.random()
    if r < 0.08 and len(levels) > 0:
        return levels[0]
    if r < 0.08 + good_share:
        return levels[min(1, len(levels) - 1)]
    if r < 0.93:
        return levels[min(2, len(levels) - 1)]
    return levels[min(3, len(levels) - 1)]


def _sample_answer(rng: random.Random, sheet: Sheet, section: dict[str, Any],
                   question: dict[str, Any], grade: str) -> Any:
    kind = question["answer"]
    if kind == "grade":
        levels = [lv["key"] for lv in sheet.scale(question.get("scale"))["levels"]]
        return grade if grade in levels else (levels[0] if levels else "")
    if kind == "yes_no":
        return (question.get("options") or ["yes"])[0]
    if kind == "number":
        low, high = question.get("min") or 0, question.get("max") or 10
        if section.get("kind") == "impact":
            overall = [lv["key"] for lv in (sheet.scale((sheet.overall or {}).get("scale"))
                                            .get("levels", []))]
            return max(low, min(high, trends.impact_score(rng, overall, grade)))
        if question.get("unit") == "minutes":
            return max(low, min(high, rng.randint(60, 100)))  # 002: at least an hour
        return max(low, min(high, 6))
    return {
        "rag": "amber", "date": "2026-01-15",
        "text": "Seen on the file and discussed in the learning conversation.",
        "choice": (question.get("choices") or [{"key": ""}])[0]["key"],
        "multiple_choice": [(question.get("choices") or [{"key": ""}])[0]["key"]],
    }[kind]


def _answer_everything(audit: Audit, actor: Person, rng: random.Random, overall: str) -> None:
    """Answer every question of the audit's tool around the overall grade: the family's
    feedback and 000's impact score vary (trends.py); the rest is plain.

    The first answer goes through answer_save (which starts the audit); the rest are the
    same rows written in one insert per step, so that two years of audits build in
    reasonable time."""
    rows: dict[tuple[str, int, str], tuple[Any, str]] = {}

    def save(section_key: str, item: int, key: str, value: Any, comment: str = "") -> None:
        rows[(section_key, item, key)] = (value, comment)

    def write() -> None:
        if not rows:
            return
        if audit.status == S.ALLOCATED:
            (section_key, item, key), (value, comment) = rows.popitem()
            audit_services.answer_save(audit=audit, actor=actor, section_key=section_key,
                                       item=item, question_key=key, value=value,
                                       comment=comment, seen_revision=None, overwrite=True)
            audit.status = S.IN_PROGRESS
        Answer.objects.bulk_create(
            [Answer(audit=audit, section_key=section_key, item=item, question_key=key,
                    value=value, comment=comment, updated_by=actor)
             for (section_key, item, key), (value, comment) in rows.items()])
        rows.clear()

    sheet = Sheet.for_audit(audit)
    for s in sheet.sections:
        if s.get("applies_when") == "auditor_decides":
            save(s["key"], 0, APPLIES, "yes")
    write()
    sheet = Sheet.for_audit(audit)
    levels = [lv["key"] for lv in (sheet.scale((sheet.overall or {}).get("scale"))
                                   .get("levels", []))]
    good = levels.index(overall) <= 1 if overall in levels else False
    for s in sheet.sections:
        if sheet.section_applies(s) is False:
            continue
        # Sections sit around the overall grade: a step either side now and then.
        at = levels.index(overall) if overall in levels else 1
        section_grade = levels[max(0, min(len(levels) - 1, at + rng.choice((-1, 0, 0, 0, 1))))] \
            if levels else overall
        family = trends.family_feedback(rng, good) if s.get("kind") == "family_feedback" \
            else None
        for item, _ in sheet.items(s):
            for q in s["questions"]:
                if family is not None and q["key"] in family:
                    value: Any = family[q["key"]]
                elif family is not None and isinstance(q.get("applies_when"), dict):
                    continue  # a follow-up question the family's answers do not call for
                elif family is not None and q.get("required") is False:
                    continue
                else:
                    value = _sample_answer(rng, sheet, s, q, section_grade)
                save(s["key"], item, q["key"], value,
                     "" if q.get("comment") == "none" else "Evidence on the child's file.")
        if family is not None:
            _record_family_contact(audit, actor, rng, str(family["engagement"]))
        if s.get("graded"):
            save(s["key"], 0, GRADE, section_grade)
            save(s["key"], 0, EVIDENCE, "What the file and the conversation showed.")
    if sheet.overall:
        save(OVERALL, 0, GRADE, overall)
        save(OVERALL, 0, EVIDENCE, "The impact on the child, as the domains show.")
    write()


def _record_family_contact(audit: Audit, actor: Person, rng: random.Random,
                           engagement: str) -> None:
    """002: "contact will be made with the family/carer": the conversation, as recorded."""
    outcome = {"engaged": Conversation.Outcome.HELD,
               "declined": Conversation.Outcome.DECLINED}.get(
        engagement, Conversation.Outcome.NOT_REACHED)
    held = outcome == Conversation.Outcome.HELD
    voices.conversation_record(audit=audit, actor=actor, kind=Conversation.Kind.FAMILY,
                               details=voices.ConversationDetails(
                                   outcome=outcome, minutes=rng.randint(20, 50) if held else None,
                                   with_whom="The family" if held else "",
                                   reason="" if held else trends.family_contact_note(rng,
                                                                                   engagement),
                                   interpreter_used=held and rng.random() < 0.1))


def _worker_voice(audit: Audit, rng: random.Random) -> None:
    """The practitioner's Perspective of Worker form, where the framework asks for one (001),
    sent on most audits before they are submitted."""
    perspective = WorkerPerspective.objects.filter(audit=audit).select_related(
        "practitioner", "tool_version").first()
    if perspective is None or rng.random() > 0.75:
        return
    keys = [voices.answer_key(s, q)
            for s, q in voices.perspective_questions(perspective.tool_version)]
    voices.perspective_save(perspective=perspective, actor=perspective.practitioner,
                            answers=trends.perspective_answers(rng, keys), send=True)


def _worker_reply(audit: Audit, rng: random.Random, submitted: dt.datetime,
                  leave_to: int | None = None) -> None:
    """Most key workers reply to the feedback. Written as the row the reply page would make:
    the demo's practitioners have no sign-in of their own, which the reply service asks.
    `leave_to`: a key worker (the demo practitioner) who writes their own replies."""
    if audit.case.key_worker_id is None or rng.random() > REPLY_SHARE:
        return
    if leave_to is not None and audit.case.key_worker_id == leave_to:
        return
    reply = FeedbackReply.objects.create(audit=audit, person_id=audit.case.key_worker_id,
                                         comments=trends.worker_reply(rng), agrees=True)
    when = submitted + dt.timedelta(days=rng.randint(3, 12))
    FeedbackReply.objects.filter(pk=reply.pk).update(created_at=when, updated_at=when)


def _date_back(audit: Audit, created: dt.datetime, submitted: dt.datetime) -> None:
    Audit.objects.filter(pk=audit.pk).update(created_at=created, submitted_at=submitted,
                                             updated_at=submitted)
    Answer.objects.filter(audit=audit).update(updated_at=submitted)
    Conversation.objects.filter(audit=audit).update(created_at=submitted - dt.timedelta(days=2),
                                                    updated_at=submitted - dt.timedelta(days=2))
    WorkerPerspective.objects.filter(audit=audit).update(
        created_at=created, updated_at=created + dt.timedelta(days=5))
    WorkerPerspective.objects.filter(audit=audit, submitted_at__isnull=False).update(
        submitted_at=created + dt.timedelta(days=5))
    for i, row in enumerate(AuditTransition.objects.filter(audit=audit).order_by("id")):
        AuditTransition.objects.filter(pk=row.pk).update(
            at=created if row.to_status == S.ALLOCATED else submitted
            + dt.timedelta(days=2 * max(0, i - 2)))


def demo_practitioner_id() -> int | None:
    return (Person.objects.filter(user__username="demo-practitioner", user__is_demo=True)
            .values_list("pk", flat=True).first())


def _demo_practitioner_case_first(*pools: _Pool) -> None:
    """(demo) Last month's audits include a case the demo practitioner holds, its feedback
    waiting for their reply: their home page leads them to it (the browser tests walk it)."""
    person_id = demo_practitioner_id()
    for pool in pools:
        case = next((c for c in pool.queue if c.key_worker_id == person_id), None)
        if case is not None:
            pool.queue.remove(case)
            pool.queue.appendleft(case)
            return


class _Pool:
    """Cases to audit, least recently audited first: a case comes round again only once
    every other case in the pool has been audited."""

    def __init__(self, cases: list[Case]) -> None:
        self.queue = deque(cases)

    def take(self, n: int, busy: set[int]) -> list[Case]:
        out: list[Case] = []
        for _ in range(len(self.queue)):
            if len(out) == n:
                break
            case = self.queue.popleft()
            self.queue.append(case)
            if case.pk not in busy:
                out.append(case)
                busy.add(case.pk)
        return out


@dataclass
class _Month:
    """One month of the history: what every audit made in it shares."""

    today: dt.date
    back: int
    start: dt.date
    end: dt.date
    auditors: list[Person]
    actor: Person | None
    history: History


def _audit(month: _Month, rng: random.Random, cycle: Cycle, case: Case, position: int,
           grade: str, *, kind: str = Audit.Kind.CASE_AUDIT, meeting: bool = True,
           source: str = CycleCase.Source.RANDOM, why: str = "Chosen at random") -> None:
    """One audit of the case in the cycle, answered around the grade, submitted, moved on as
    far as its age allows, and dated back into the month."""
    free = [p for p in month.auditors if p.pk not in _involved(case)]
    if not free or cycle.tool_version is None:
        return
    auditor = rng.choice(free)
    audit = audit_services.audit_create(
        case=case, tool_version=cycle.tool_version, auditors=[auditor],
        created_by=month.actor, due_on=cycle.audits_due_on, reason=cycle.theme or "",
        period_end=month.end, kind=kind)
    _answer_everything(audit, auditor, rng, grade)
    _worker_voice(audit, rng)
    audit_services.audit_submit(audit=audit, actor=auditor)
    audit.refresh_from_db()
    steps = [S.DISCUSSED, S.FEEDBACK_SENT] if meeting else [S.FEEDBACK_SENT]
    if month.back > 1:
        steps.append(S.CLOSED)
    for to in steps:
        audit_services.transition(audit=audit, actor=month.actor, to=to,
                                  reason="Demo history")
    CycleCase.objects.create(cycle=cycle, case=case, source=source,
                             reason=f"{why} (demo history)",
                             status=CycleCase.Status.CONFIRMED, position=position,
                             audit=audit)
    if meeting:
        MeetingItem.objects.create(
            cycle=cycle, audit=audit, position=position,
            minutes_allotted=framework_settings_row().qa_meeting_minutes_per_case,
            impact="The child's plan is clearer since the audit.",
            strengths="Direct work with the child is recorded.",
            development="Management oversight needs to be recorded on file.",
            discussed_at=_aware(cycle.meeting_on or month.end, 14))
    submitted = _aware(min(cycle.audits_due_on, month.end) - dt.timedelta(
        days=rng.randint(0, 6)))
    _date_back(audit, _aware(month.start), submitted)
    # Last month's audits are still open for replies: the demo practitioner writes theirs.
    _worker_reply(audit, rng, submitted,
                  leave_to=demo_practitioner_id() if month.back == 1 else None)
    month.history.audits.append(audit)


def _finish(month: _Month, cycle: Cycle) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(
        status=Cycle.Status.REVIEWED if month.back == 1 else Cycle.Status.CLOSED,
        created_at=_aware(month.start - dt.timedelta(days=7)))
    CycleEvent.objects.create(cycle=cycle, actor=month.actor,
                              what="Demo history: audits submitted and discussed")
    cycle.refresh_from_db()
    (month.history.cycles if cycle.kind == Cycle.Kind.MONTHLY
     else month.history.programmes).append(cycle)


def _levels(version: ToolVersion) -> Scale:
    return scales_for([version.pk])[version.pk]


def _programme(month: _Month, name: str, theme: str, kind: str,
               version: ToolVersion | None = None) -> Cycle | None:
    """A one-off programme for the month (a thematic audit, a service's own audit on its own
    tool), unless the council already has it."""
    if Cycle.objects.filter(kind=kind, name=name).exists():
        return None
    cycle = cycle_create(year=month.start.year, kind=kind, name=name, theme=theme,
                         theme_reason="(demo) audited every month" if theme else "",
                         period_start=month.start, period_end=month.end, actor=month.actor)
    if version is not None and cycle.tool_version_id != version.pk:
        Cycle.objects.filter(pk=cycle.pk).update(tool_version=version)
        cycle.tool_version = version
    return cycle


@transaction.atomic
def build_audit_history(*, rng: random.Random, today: dt.date,
                        months: int = DEFAULT_HISTORY_MONTHS,
                        per_cycle: int = CASES_PER_CYCLE, actor: Person | None = None,
                        themed_per_month: int = trends.THEME_CASES_PER_MONTH,
                        early_help_per_month: int = trends.EARLY_HELP_CASES_PER_MONTH,
                        ) -> History:
    """Monthly cycles for the `months` before this one, each with `per_cycle` audits of
    open demo cases by auditors never involved with them, submitted and moved on as far as
    their age allows: the older ones closed, last month's discussed and fed back. Each month
    also has a thematic audit of `themed_per_month` neglect cases and the Early Help
    service's own audits of `early_help_per_month` cases on 000's standards (0 for none);
    the trends they show are trends.py's."""
    history = History()
    auditors = _auditors()
    if not auditors:
        return history
    cases = list(Case.objects.filter(source=DEMO_SOURCE, status=Case.Status.OPEN,
                                     key_worker__isnull=False)
                 .select_related("key_worker").prefetch_related("themes").order_by("pk"))
    rng.shuffle(cases)
    stuck = trends.stuck_team()
    stuck_id = stuck.pk if stuck else None
    eligible = set(framework_settings_row().eligible_services or [])
    services = dict(Case.objects.filter(pk__in=[c.pk for c in cases])
                    .values_list("pk", "service__kind"))
    general = _Pool([c for c in cases if c.team_id != stuck_id])
    stuck_pool = _Pool([c for c in cases if c.team_id == stuck_id])
    themed = _Pool([c for c in cases if c.team_id != stuck_id
                    and (not eligible or services[c.pk] in eligible)
                    and any(t.name == trends.IMPROVING_THEME for t in c.themes.all())])
    early_help = _Pool([c for c in cases if services[c.pk] == Service.Kind.EARLY_HELP])
    early_help_version = latest_version(trends.EARLY_HELP_TOOL)
    plan_on = trends.theme_plan_on(today)
    per_year = framework_settings_row().cycles_per_year or 12
    for back in range(months, 0, -1):
        year, number = _months_back(today, back)
        start, end = cycle_span(year, number, per_year)
        month = _Month(today=today, back=back, start=start, end=end, auditors=auditors,
                       actor=actor, history=history)
        busy: set[int] = set()
        progress = (months - back) / max(1, months - 1)
        if back == 1:
            _demo_practitioner_case_first(general, stuck_pool)
        if not Cycle.objects.filter(kind=Cycle.Kind.MONTHLY, year=year, number=number).exists():
            cycle = cycle_create(year=year, number=number, actor=actor)
            if cycle.tool_version is not None:
                scale = _levels(cycle.tool_version)
                chosen = stuck_pool.take(min(trends.STUCK_CASES_PER_MONTH, per_cycle), busy)
                grades = [trends.stuck_grade(rng, list(scale.keys)) for _ in chosen]
                others = general.take(per_cycle - len(chosen), busy)
                grades += [_grade_for(rng, list(scale.keys), progress) for _ in others]
                for position, (case, grade) in enumerate(zip(chosen + others, grades,
                                                             strict=True), 1):
                    _audit(month, rng, cycle, case, position, grade)
                _finish(month, cycle)
        label = f"{start:%B %Y}"
        cycle_or_none = None if not themed_per_month else _programme(
            month, f"{trends.IMPROVING_THEME} thematic audit, {label}",
            trends.IMPROVING_THEME, Cycle.Kind.THEMATIC)
        if cycle_or_none is not None and cycle_or_none.tool_version is not None:
            chosen = themed.take(themed_per_month, busy)
            grades = trends.theme_grades(rng, list(_levels(cycle_or_none.tool_version).keys),
                                         len(chosen), after_plan=start >= plan_on)
            for position, (case, grade) in enumerate(zip(chosen, grades, strict=True), 1):
                _audit(month, rng, cycle_or_none, case, position, grade,
                       kind=Audit.Kind.THEMATIC, meeting=False, source=CycleCase.Source.CHOSEN,
                       why=f"A {trends.IMPROVING_THEME.lower()} case")
            _finish(month, cycle_or_none)
        cycle_or_none = None if early_help_version is None or not early_help_per_month \
            else _programme(
            month, f"Early Help quality standards, {label}", "", Cycle.Kind.SERVICE,
            early_help_version)
        if cycle_or_none is not None and cycle_or_none.tool_version is not None:
            keys = list(_levels(cycle_or_none.tool_version).keys)
            for position, case in enumerate(
                    early_help.take(early_help_per_month, busy), 1):
                _audit(month, rng, cycle_or_none, case, position,
                       _grade_for(rng, keys, progress), meeting=False)
            _finish(month, cycle_or_none)
    return history


def _purge(qs: Any) -> int:
    """Delete the rows and, first, whatever protects them from deletion (rows that only the
    demo made: every row here hangs off a demo case's audit or a demo cycle)."""
    for _ in range(100):
        try:
            with transaction.atomic():
                return int(qs.delete()[0])
        except (ProtectedError, RestrictedError) as exc:
            blockers: dict[type[Model], set[int]] = {}
            for obj in exc.args[1]:
                blockers.setdefault(type(obj), set()).add(obj.pk)
            for model, pks in blockers.items():
                _purge(model._default_manager.filter(pk__in=pks))
    raise RuntimeError("The demo audit history could not be removed.")


def remove_audit_history() -> int:
    """Remove the audits of demo cases, their actions and the cycles that held them."""
    from auditloop.actions.models import Action

    audits = Audit.objects.filter(case__source=DEMO_SOURCE)
    actions = list(Action.objects.filter(audit_link__audit__in=audits)
                   .values_list("pk", flat=True))
    cycles = list(Cycle.objects.filter(cases__case__source=DEMO_SOURCE).distinct()
                  .values_list("pk", flat=True))
    removed = _purge(Cycle.objects.filter(pk__in=cycles))
    removed += _purge(audits)
    return removed + _purge(Action.objects.filter(pk__in=actions))
