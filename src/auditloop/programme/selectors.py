"""Reads of the audit programme: cycles and their lists, the draw re-run, the allocation
as the page shows it, the agenda, the case notes, an auditor's audits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from auditloop.audits.models import Audit, AuditAssignment, SupervisionItem
from auditloop.people.models import Person
from auditloop.programme import sampling
from auditloop.programme.models import (
    AllocationLine,
    AllocationRun,
    CaseRequest,
    CoordinatorContact,
    Cycle,
    CycleCase,
    CycleNotice,
    MeetingItem,
    SelectionDraw,
)
from auditloop.programme.problems import problem_from_json
from auditloop.standards.selectors import framework_settings_row


def cycles() -> QuerySet[Cycle]:
    return Cycle.objects.annotate(
        case_count=Count("cases", filter=Q(cases__status__in=CycleCase.workflow.groups["current"])),
    ).order_by("-year", "-number", "-created_at")


def get_cycle(cycle_id: int) -> Cycle:
    cycle = Cycle.objects.select_related("tool_version__tool", "lead_auditor",
                                         "follow_up_of").filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404
    return cycle


def get_cycle_case(cycle: Cycle, cycle_case_id: int) -> CycleCase:
    row = CycleCase.objects.select_related("case", "cycle").filter(
        pk=cycle_case_id, cycle=cycle).first()
    if row is None:
        raise Http404
    return row


def current_cycle() -> Cycle | None:
    """The monthly cycle the QA manager is working on: the earliest one not yet closed."""
    return (Cycle.objects.filter(kind=Cycle.Kind.MONTHLY)
            .exclude(status=Cycle.Status.CLOSED).order_by("year", "number").first())


def cycle_cases(cycle: Cycle, *, current_only: bool = True) -> QuerySet[CycleCase]:
    qs = CycleCase.objects.filter(cycle=cycle).select_related(
        "case", "case__team", "case__locality", "case__service", "case__key_worker",
        "changed_by", "audit", "replaces__case",
    ).prefetch_related(
        Prefetch("audit__assignments",
                 queryset=AuditAssignment.objects.select_related("person").order_by("pk")),
    )
    if current_only:
        qs = qs.filter(status__in=CycleCase.workflow.groups["current"])
    return qs.order_by("position", "pk")


def changed_cases(cycle: Cycle) -> QuerySet[CycleCase]:
    return CycleCase.objects.filter(
        cycle=cycle, status__in=[CycleCase.Status.SWAPPED_OUT, CycleCase.Status.REMOVED,
                                 CycleCase.Status.CARRIED],
    ).select_related("case", "changed_by").order_by("changed_at", "pk")


def latest_draw(cycle: Cycle) -> SelectionDraw | None:
    return SelectionDraw.objects.filter(cycle=cycle).order_by("-created_at", "-pk").first()


def get_draw(cycle: Cycle, draw_id: int) -> SelectionDraw:
    draw = SelectionDraw.objects.filter(cycle=cycle, pk=draw_id).first()
    if draw is None:
        raise Http404
    return draw


@dataclass
class Rerun:
    draw: SelectionDraw
    same: bool
    again: list[int]
    population: int
    method_known: bool


def draw_rerun(draw: SelectionDraw) -> Rerun:
    """Run the stored draw again from its seed and population: the same list must come out."""
    entries = [sampling.Entry.from_row(r) for r in draw.population]
    again = sampling.draw(entries, draw.random_count, draw.seed, stratified=draw.stratified)
    return Rerun(draw=draw, same=again == list(draw.chosen), again=again,
                 population=len(entries), method_known=draw.method == sampling.METHOD)


def contacts(cycle: Cycle) -> QuerySet[CoordinatorContact]:
    return cycle.contacts.select_related("case", "coordinator", "done_by").order_by(
        "status", "case__reference")


def notice_batches(cycle: Cycle) -> QuerySet[CycleNotice]:
    return cycle.notices.select_related("queued_by").order_by("-queued_at", "-pk")


def latest_run(cycle: Cycle) -> AllocationRun | None:
    return (AllocationRun.objects.filter(cycle=cycle)
            .exclude(status=AllocationRun.Status.SUPERSEDED).order_by("-created_at", "-pk")
            .first())


def get_line(run: AllocationRun, line_id: int) -> AllocationLine:
    line = AllocationLine.objects.select_related("cycle_case__case", "run").filter(
        run=run, pk=line_id).first()
    if line is None:
        raise Http404
    return line


@dataclass
class LineView:
    line: AllocationLine
    auditors: list[Person]
    proposed: list[Person]
    overrides: list[Any]
    needed: int
    re_audit: bool

    @property
    def overridden(self) -> bool:
        return bool(self.overrides)


def allocation_lines(run: AllocationRun) -> list[LineView]:
    lines = list(run.lines.select_related("cycle_case__case", "cycle_case__case__team")
                 .prefetch_related("overrides__by").order_by("cycle_case__position", "pk"))
    ids = {p for ln in lines for p in (*ln.auditor_ids, *ln.proposed_ids)}
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids).select_related("team")}
    slots = {s[0]: s for s in run.problem.get("slots", [])}
    out = []
    for ln in lines:
        slot = slots.get(f"cc:{ln.cycle_case_id}", [None, None, 1, False])
        out.append(LineView(
            line=ln, auditors=[people[p] for p in ln.auditor_ids if p in people],
            proposed=[people[p] for p in ln.proposed_ids if p in people],
            overrides=list(ln.overrides.all()), needed=int(slot[2]), re_audit=bool(slot[3]),
        ))
    return out


def short_of_minimum(lines: list[LineView]) -> list[str]:
    """Auditors given some cases but fewer than the framework's least for each auditor or
    pair (cases_per_unit_min; 001: "allocated with two cases", 003: 1 to 2 cases each), in
    words for the allocation page. Auditors given no case this cycle are not listed."""
    least = framework_settings_row().cases_per_unit_min
    if not least:
        return []
    counts: dict[int, int] = {}
    names: dict[int, str] = {}
    for view in lines:
        for person in view.auditors:
            counts[person.pk] = counts.get(person.pk, 0) + 1
            names[person.pk] = person.full_name
    return [f"{names[pid]} has {n} case{'' if n == 1 else 's'}: the framework asks for at "
            f"least {least} each."
            for pid, n in sorted(counts.items(), key=lambda kv: names[kv[0]]) if n < least]


def pool_choices(run: AllocationRun) -> list[tuple[int, str]]:
    """The auditors the run considered, for the override form, with what the page should
    know about each."""
    problem = problem_from_json(run.problem)
    by_id = {a.person_id: a for a in problem.auditors}
    people = Person.objects.filter(pk__in=by_id).select_related("team").order_by("full_name")
    out = []
    for p in people:
        a = by_id[p.pk]
        notes = [p.team.name] if p.team else []
        if a.shadowing:
            notes.append("shadowing")
        elif not a.trained:
            notes.append("not trained")
        if a.senior:
            notes.append("senior manager")
        notes.append(f"{a.load_this_year} this year")
        out.append((p.pk, f"{p.full_name} ({', '.join(notes)})"))
    return out


def agenda(cycle: Cycle) -> QuerySet[MeetingItem]:
    return MeetingItem.objects.filter(cycle=cycle).select_related(
        "audit", "audit__case", "audit__case__team", "audit__case__key_worker", "recorded_by",
    ).prefetch_related(
        Prefetch("audit__assignments",
                 queryset=AuditAssignment.objects.select_related("person").order_by("pk")),
    ).order_by("position", "pk")


def get_item(cycle: Cycle, item_id: int) -> MeetingItem:
    item = MeetingItem.objects.select_related("audit__case", "cycle").filter(
        cycle=cycle, pk=item_id).first()
    if item is None:
        raise Http404
    return item


def ready_for_agenda(cycle: Cycle) -> int:
    on = MeetingItem.objects.filter(cycle=cycle).values("audit_id")
    return Audit.objects.filter(
        pk__in=CycleCase.objects.filter(cycle=cycle, audit__isnull=False).values("audit_id"),
        status__in=Audit.workflow.groups["ready_for_meeting"],
    ).exclude(pk__in=on).count()


@dataclass
class FollowUp:
    audit: Audit
    what: str
    done: bool


def follow_ups(cycle: Cycle) -> list[FollowUp]:
    """The previous cycle's follow-ups the meeting reviews: a supervision note for each
    'requires improvement' audit where the framework reviews them at the next QA meeting
    (001: "These are to be reviewed by the Audit team at the following QA meeting"), and
    re-audits now due."""
    from auditloop.programme.services.cycles import previous_monthly

    prior = previous_monthly(cycle)
    out: list[FollowUp] = []
    if prior is not None and framework_settings_row().ri_actions_reviewed_at_next_qa_meeting:
        audit_ids = CycleCase.objects.filter(cycle=prior, audit__isnull=False).values("audit_id")
        items = SupervisionItem.objects.filter(
            audit_id__in=audit_ids, reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT,
        ).select_related("audit__case").order_by("audit_id", "pk")
        seen: set[int] = set()
        for item in items:
            if item.audit_id in seen:
                continue
            seen.add(item.audit_id)
            out.append(FollowUp(item.audit, "Supervision note for a 'requires improvement' "
                                            "audit", item.discussed_at is not None))
    due = Audit.objects.filter(status=Audit.Status.PLANNED, due_on__lte=cycle.audits_due_on) \
        .select_related("case").order_by("due_on", "pk")
    out += [FollowUp(a, f"{a.get_kind_display()} due", False) for a in due]
    return out


@dataclass
class CaseNoteRow:
    reference: str
    audited_on: dt.date
    title: str
    text: str
    actions_agreed: str
    copy_to: str


def case_note_rows(cycle: Cycle) -> list[CaseNoteRow]:
    """One row per case discussed: the note for the case management system, in the
    framework's words (001: "Quality Assurance: case audited ... Original audit has been
    sent to manager"), the actions agreed, and the IRO or CP Chair copied (002)."""
    from auditloop.audits.exports import audited_on, case_note, case_note_not_yet
    from auditloop.audits.recipients import people_for

    rows = []
    for item in agenda(cycle).filter(discussed_at__isnull=False):
        if case_note_not_yet(item.audit):
            continue
        note = case_note(item.audit)
        copy = ", ".join(p.full_name for p in people_for(item.audit, "case_iro"))
        rows.append(CaseNoteRow(item.audit.case.reference, audited_on(item.audit), note.title,
                                note.text, item.actions_agreed, copy))
    return rows


def my_assignments(person: Person) -> QuerySet[AuditAssignment]:
    """An auditor's current audits that a cycle allocated."""
    return AuditAssignment.objects.filter(
        person=person, ended_at__isnull=True,
        audit_id__in=CycleCase.objects.filter(audit__isnull=False).values("audit_id"),
        audit__status__in=[Audit.Status.ALLOCATED, Audit.Status.IN_PROGRESS,
                           Audit.Status.SUBMITTED],
    ).select_related("audit", "audit__case", "audit__case__team").order_by(
        "audit__due_on", "pk")


def cycle_titles_for_audits(audit_ids: list[int]) -> dict[int, Cycle]:
    return {cc.audit_id: cc.cycle for cc in CycleCase.objects.filter(
        audit_id__in=audit_ids).select_related("cycle") if cc.audit_id}


def get_my_assignment(person: Person | None, assignment_id: int) -> AuditAssignment:
    row = None
    if person is not None:
        row = AuditAssignment.objects.select_related("audit__case", "person").filter(
            pk=assignment_id, person=person, ended_at__isnull=True).first()
    if row is None:
        raise Http404
    return row


def get_cycle_assignment(cycle: Cycle, assignment_id: int) -> AuditAssignment:
    row = AuditAssignment.objects.select_related("audit__case", "person").filter(
        pk=assignment_id,
        audit_id__in=CycleCase.objects.filter(cycle=cycle).values("audit_id")).first()
    if row is None:
        raise Http404
    return row


def requests_by(person: Person) -> QuerySet[CaseRequest]:
    return CaseRequest.objects.filter(requested_by=person).select_related(
        "case", "cycle").order_by("-created_at", "-pk")


def open_requests() -> QuerySet[CaseRequest]:
    return CaseRequest.objects.filter(status=CaseRequest.Status.OPEN).select_related(
        "case", "requested_by", "cycle").order_by("created_at", "pk")


def cycle_history(cycle: Cycle) -> QuerySet[Any]:
    return cycle.events.select_related("actor").order_by("-at", "-id")
