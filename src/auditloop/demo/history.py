"""The demo council's audit history: a year of monthly cycles with graded, submitted audits.

Made through the services that a real month uses (cycle_create, audit_create, answer_save,
audit_submit and the workflow's transitions), then dated back to the month each belongs to,
so that the pages that look back (moderation, the tracker, closing the loop, reports) have
a history to show. Practice improves over the year, as a council hopes its will (004: "the
on-going monthly audits should show an increase in the number of those cases where practice
is considered good").
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model, ProtectedError, RestrictedError
from django.utils import timezone

from auditloop.audits import services as audit_services
from auditloop.audits.models import Answer, Audit, AuditTransition
from auditloop.audits.submission import APPLIES, EVIDENCE, GRADE, OVERALL, Sheet
from auditloop.cases.models import Case, Involvement
from auditloop.demo.structure import DEMO_SOURCE
from auditloop.people.models import Person
from auditloop.programme.models import Cycle, CycleCase, CycleEvent, MeetingItem
from auditloop.programme.services import cycle_create
from auditloop.programme.timetable import cycle_span
from auditloop.standards.selectors import framework_settings_row

S = Audit.Status
CASES_PER_CYCLE = 8  # 000: a monthly dip sample of 8


@dataclass
class History:
    cycles: list[Cycle] = field(default_factory=list)
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
    """Levels are best first. Early in the year more not-yet-good; later more good."""
    good_share = 0.35 + 0.35 * progress
    r = rng.random()
    if r < 0.08 and len(levels) > 0:
        return levels[0]
    if r < 0.08 + good_share:
        return levels[min(1, len(levels) - 1)]
    if r < 0.93:
        return levels[min(2, len(levels) - 1)]
    return levels[min(3, len(levels) - 1)]


def _sample_answer(sheet: Sheet, question: dict[str, Any], grade: str) -> Any:
    kind = question["answer"]
    if kind == "grade":
        levels = [lv["key"] for lv in sheet.scale(question.get("scale"))["levels"]]
        return grade if grade in levels else (levels[0] if levels else "")
    if kind == "yes_no":
        return (question.get("options") or ["yes"])[0]
    if kind == "number":
        low, high = question.get("min") or 0, question.get("max") or 10
        return max(low, min(high, 6))
    return {
        "rag": "amber", "date": "2026-01-15",
        "text": "Seen on the file and discussed in the learning conversation.",
        "choice": (question.get("choices") or [{"key": ""}])[0]["key"],
        "multiple_choice": [(question.get("choices") or [{"key": ""}])[0]["key"]],
    }[kind]


def _answer_everything(audit: Audit, actor: Person, rng: random.Random, overall: str) -> None:
    def save(section_key: str, item: int, key: str, value: Any, comment: str = "") -> None:
        audit_services.answer_save(audit=audit, actor=actor, section_key=section_key,
                                   item=item, question_key=key, value=value, comment=comment,
                                   seen_revision=None, overwrite=True)

    sheet = Sheet.for_audit(audit)
    for s in sheet.sections:
        if s.get("applies_when") == "auditor_decides":
            save(s["key"], 0, APPLIES, "yes")
    sheet = Sheet.for_audit(audit)
    levels = [lv["key"] for lv in (sheet.scale((sheet.overall or {}).get("scale"))
                                   .get("levels", []))]
    for s in sheet.sections:
        if sheet.section_applies(s) is False:
            continue
        # Sections sit around the overall grade: a step either side now and then.
        at = levels.index(overall) if overall in levels else 1
        section_grade = levels[max(0, min(len(levels) - 1, at + rng.choice((-1, 0, 0, 0, 1))))] \
            if levels else overall
        for item, _ in sheet.items(s):
            for q in s["questions"]:
                save(s["key"], item, q["key"], _sample_answer(sheet, q, section_grade),
                     "" if q.get("comment") == "none" else "Evidence on the child's file.")
        if s.get("graded"):
            save(s["key"], 0, GRADE, section_grade)
            save(s["key"], 0, EVIDENCE, "What the file and the conversation showed.")
    if sheet.overall:
        save(OVERALL, 0, GRADE, overall)
        save(OVERALL, 0, EVIDENCE, "The impact on the child, as the domains show.")


def _date_back(audit: Audit, created: dt.datetime, submitted: dt.datetime) -> None:
    Audit.objects.filter(pk=audit.pk).update(created_at=created, submitted_at=submitted,
                                             updated_at=submitted)
    Answer.objects.filter(audit=audit).update(updated_at=submitted)
    for i, row in enumerate(AuditTransition.objects.filter(audit=audit).order_by("id")):
        AuditTransition.objects.filter(pk=row.pk).update(
            at=created if row.to_status == S.ALLOCATED else submitted
            + dt.timedelta(days=2 * max(0, i - 2)))


@transaction.atomic
def build_audit_history(*, rng: random.Random, today: dt.date, months: int = 12,
                        per_cycle: int = CASES_PER_CYCLE, actor: Person | None = None,
                        ) -> History:
    """Monthly cycles for the `months` before this one, each with `per_cycle` audits of
    open demo cases by auditors never involved with them, submitted and moved on as far as
    their age allows: the older ones closed, last month's discussed and fed back."""
    history = History()
    auditors = _auditors()
    if not auditors:
        return history
    cases = list(Case.objects.filter(source=DEMO_SOURCE, status=Case.Status.OPEN,
                                     key_worker__isnull=False)
                 .select_related("key_worker").order_by("pk"))
    rng.shuffle(cases)
    used: set[int] = set()
    per_year = framework_settings_row().cycles_per_year or 12
    for back in range(months, 0, -1):
        year, number = _months_back(today, back)
        if Cycle.objects.filter(kind=Cycle.Kind.MONTHLY, year=year, number=number).exists():
            continue
        cycle = cycle_create(year=year, number=number, actor=actor)
        if cycle.tool_version is None:
            continue
        start, end = cycle_span(year, number, per_year)
        progress = (months - back) / max(1, months - 1)
        chosen = [c for c in cases if c.pk not in used][:per_cycle]
        used |= {c.pk for c in chosen}
        for position, case in enumerate(chosen, 1):
            barred = _involved(case)
            free = [p for p in auditors if p.pk not in barred]
            if not free:
                continue
            auditor = rng.choice(free)
            audit = audit_services.audit_create(
                case=case, tool_version=cycle.tool_version, auditors=[auditor],
                created_by=actor, due_on=cycle.audits_due_on, reason=cycle.theme or "",
                period_end=end)
            levels = [lv["key"] for lv in Sheet.for_audit(audit).scale(
                (Sheet.for_audit(audit).overall or {}).get("scale")).get("levels", [])]
            overall = _grade_for(rng, levels, progress) if levels else ""
            _answer_everything(audit, auditor, rng, overall)
            audit_services.audit_submit(audit=audit, actor=auditor)
            audit.refresh_from_db()
            steps = [S.DISCUSSED, S.FEEDBACK_SENT] if back == 1 else \
                [S.DISCUSSED, S.FEEDBACK_SENT, S.CLOSED]
            for to in steps:
                audit_services.transition(audit=audit, actor=actor, to=to,
                                          reason="Demo history")
            CycleCase.objects.create(cycle=cycle, case=case, source=CycleCase.Source.RANDOM,
                                     reason="Chosen at random (demo history)",
                                     status=CycleCase.Status.CONFIRMED, position=position,
                                     audit=audit)
            MeetingItem.objects.create(
                cycle=cycle, audit=audit, position=position,
                minutes_allotted=framework_settings_row().qa_meeting_minutes_per_case,
                impact="The child's plan is clearer since the audit.",
                strengths="Direct work with the child is recorded.",
                development="Management oversight needs to be recorded on file.",
                discussed_at=_aware(cycle.meeting_on or end, 14))
            submitted = _aware(min(cycle.audits_due_on, end) - dt.timedelta(
                days=rng.randint(0, 6)))
            _date_back(audit, _aware(start), submitted)
            history.audits.append(audit)
        Cycle.objects.filter(pk=cycle.pk).update(
            status=Cycle.Status.REVIEWED if back == 1 else Cycle.Status.CLOSED,
            created_at=_aware(start - dt.timedelta(days=7)))
        CycleEvent.objects.create(cycle=cycle, actor=actor,
                                  what="Demo history: audits submitted and discussed")
        cycle.refresh_from_db()
        history.cycles.append(cycle)
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
