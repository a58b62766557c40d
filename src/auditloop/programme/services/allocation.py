"""Allocating auditors: the problem built from the framework's rules and the register, the
solver's proposal, overrides, and confirming it into audits through the audits' services;
then, during the cycle, an auditor declining a case and an auditor's absence.

The hard rules become forbidden (auditor, case) pairs, each with its reasons in plain words
(`conflicts`), so the page can say which rule blocks which case: the conflicts of interest
come from audits.conflicts, the one policy every path asks; absences, training and the
framework's cap on cases are the allocation's own. The solver (allocation/solver.py) does
the rest.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from auditloop.audits import services as audit_services
from auditloop.audits.conflicts import Subject, conflicts_of_interest, refusal
from auditloop.audits.models import Audit, AuditAssignment
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.services import notify
from auditloop.people.models import Absence, AuditorTraining, Person
from auditloop.people.roles import ROLE_CAPABILITIES, Capability, Role
from auditloop.programme.models import (
    AllocationLine,
    AllocationOverride,
    AllocationRun,
    Cycle,
    CycleCase,
)
from auditloop.programme.problems import problem_from_json, problem_json
from auditloop.programme.services._common import (
    cycle_runners,
    framework_tool_version,
    lock,
    people_with_roles,
    plural,
    record,
    require,
    require_move,
)
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row

if TYPE_CHECKING:  # the allocation package loads OR-Tools: imported where it is used
    from auditloop.programme.allocation.types import Problem, Result, Slot

C = Cycle.Status
# 001: "a re-audit ... will be completed by a Senior Manager", where the framework names
# nobody.
DEFAULT_RE_AUDIT_ROLES = [Role.SENIOR_MANAGER.value]
TRAINED = {AuditorTraining.Status.TRAINED, AuditorTraining.Status.ACCREDITED}
AUDIT_KIND: dict[str, str] = {
    Cycle.Kind.THEMATIC: Audit.Kind.THEMATIC,
    Cycle.Kind.MULTI_AGENCY: Audit.Kind.MULTI_AGENCY,
    Cycle.Kind.EXTERNAL: Audit.Kind.EXTERNAL,
}


def _solve(problem: Problem, names: dict[int, str]) -> Result:
    """The solver, imported when needed (it loads OR-Tools)."""
    from auditloop.programme.allocation.solver import solve

    return solve(problem, names=names)


def _day(d: Any) -> str:
    return f"{d.day} {d:%B %Y}"


@dataclass
class Built:
    """The problem, and what the page and the confirmation need beside it."""

    problem: Problem
    names: dict[int, str]
    people: dict[int, Person]
    rows: dict[str, CycleCase]
    re_audit_only: set[int] = field(default_factory=set)


def auditor_roles(cycle: Cycle, row: FrameworkSettings) -> list[str]:
    roles = list(cycle.auditor_roles or row.auditor_roles or [])
    if not roles:  # no pool named: everyone whose role audits
        roles = [r.value for r, caps in ROLE_CAPABILITIES.items() if Capability.AUDIT in caps]
    return roles


def _latest_training(ids: list[int]) -> dict[int, str]:
    latest: dict[int, str] = {}
    for person_id, status in (AuditorTraining.objects.filter(person_id__in=ids)
                              .order_by("person_id", "-recorded_on", "-id")
                              .values_list("person_id", "status")):
        latest.setdefault(person_id, status)
    return latest


def _subject(cc: CycleCase, cycle: Cycle) -> Subject:
    """The case as its audit will look at it: a planned re-audit or revisit over its own
    period, a new audit over the period under review ending when the cycle's audits start
    (as allocation_confirm makes it)."""
    planned = cc.planned_audit
    if planned is not None:
        return Subject(cc.case_id, period_start=planned.period_start,
                       period_end=planned.period_end, family=planned.covers_family)
    return Subject(cc.case_id, period_end=cycle.audit_starts_on)


def refuse_conflicts(cc: CycleCase, cycle: Cycle, people: list[int], *, field: str) -> None:
    """A conflict of interest is never overridden: refuse the choice, naming who and why."""
    found = conflicts_of_interest(people, {cc.pk: _subject(cc, cycle)})
    if not found:
        return
    names = dict(Person.objects.filter(pk__in=people).values_list("pk", "full_name"))
    raise DomainError(". ".join(refusal(names.get(pid, "This person"), found[pid, cc.pk])
                                for pid in people if (pid, cc.pk) in found) + ".",
                      field=field)


def build_problem(cycle: Cycle, *, seed: int, only: list[CycleCase] | None = None,
                  exclude: dict[int, str] | None = None,
                  already: dict[int, int] | None = None) -> Built:
    """The allocation problem for the cycle's confirmed cases without an audit (or `only`).
    `exclude` forbids people from those cases with a reason (declined, absent); `already`
    counts cases people hold this cycle (their capacity left)."""
    from auditloop.programme.allocation.types import Auditor, Problem, Slot

    row = framework_settings_row()
    if only is None:
        rows = list(CycleCase.objects.filter(cycle=cycle, status=CycleCase.Status.CONFIRMED,
                                             audit__isnull=True)
                    .select_related("case", "planned_audit").order_by("position", "pk"))
    else:
        rows = only
    pairs = row.allocation_unit == FrameworkSettings.AllocationUnit.PAIRS
    slots = []
    by_key: dict[str, CycleCase] = {}
    for cc in rows:
        re_audit = bool(cc.planned_audit and cc.planned_audit.kind == Audit.Kind.RE_AUDIT)
        needed = 1 if re_audit or not pairs else 2  # 001: a senior manager re-audits
        key = f"cc:{cc.pk}"
        slots.append(Slot(key=key, case_id=cc.case_id, auditors_needed=needed,
                          re_audit=re_audit))
        by_key[key] = cc
    pool = {p.pk: p for p in people_with_roles(auditor_roles(cycle, row))}
    senior_ids = {p.pk for p in people_with_roles(row.re_audit_by_roles
                                                  or DEFAULT_RE_AUDIT_ROLES)}
    re_audit_only: set[int] = set()
    if any(s.re_audit for s in slots):
        for p in people_with_roles(row.re_audit_by_roles or DEFAULT_RE_AUDIT_ROLES):
            if p.pk not in pool:
                pool[p.pk] = p
                re_audit_only.add(p.pk)
    ids = sorted(pool)
    training = _latest_training(ids)
    loads = dict(AuditAssignment.objects.filter(person_id__in=ids, assigned_at__year=cycle.year)
                 .exclude(audit__status=Audit.Status.WITHDRAWN).values("person_id")
                 .annotate(n=Count("pk")).values_list("person_id", "n"))
    # Only a cap the framework sets is hard; without one, anyone may take every case (at
    # most once each) and the solver's load cost, which counts this year's audits, spreads
    # the cases: so a full allocation is found whenever one exists.
    cap = row.cases_per_unit_max
    already = already or {}
    auditors = tuple(
        Auditor(person_id=pid, senior=pid in senior_ids,
                trained=training.get(pid) in TRAINED,
                shadowing=training.get(pid) == AuditorTraining.Status.SHADOWING,
                load_this_year=loads.get(pid, 0),
                capacity=max(0, cap - already.get(pid, 0)) if cap else len(slots))
        for pid in ids
    )
    forbidden: dict[tuple[int, int], list[str]] = defaultdict(list)
    case_ids = {s.case_id for s in slots}

    def forbid(pid: int, case_id: int, reason: str) -> None:
        if reason not in forbidden[pid, case_id]:
            forbidden[pid, case_id].append(reason)

    subjects = {key: _subject(cc, cycle) for key, cc in by_key.items()}
    for (pid, key), reasons in conflicts_of_interest(ids, subjects).items():
        for reason in reasons:
            forbid(pid, subjects[key].case_id, reason)
    for absence in Absence.objects.filter(person_id__in=ids, starts_on__lte=cycle.audits_due_on,
                                          ends_on__gte=cycle.audit_starts_on):
        words = (f"absent {_day(absence.starts_on)} to {_day(absence.ends_on)} "
                 f"({absence.get_kind_display().lower()})")
        for case_id in case_ids:
            forbid(absence.person_id, case_id, words)
    for pid in re_audit_only:
        for s in slots:
            if not s.re_audit:
                forbid(pid, s.case_id, "re-audits only: not in the framework's pool of auditors")
    for pid, reason in (exclude or {}).items():
        for case_id in case_ids:
            forbid(pid, case_id, reason)
    # Pairs of the last year (cycles are counted in years), to vary pairings where the
    # framework forms pairs at random (001 2.11: "Auditors are paired at random"); without
    # it, pairs that worked together before are not pushed apart.
    recent = add_months(cycle.audit_starts_on, -12)
    together: dict[int, list[int]] = defaultdict(list)
    for audit_id, pid in AuditAssignment.objects.filter(
            person_id__in=ids, assigned_at__date__gte=recent).values_list("audit_id",
                                                                          "person_id"):
        together[audit_id].append(pid)
    previous = frozenset(frozenset((a, b)) for people in together.values()
                         for a in people for b in people if a < b)
    problem = Problem(
        slots=tuple(slots), auditors=auditors,
        forbidden={k: tuple(v) for k, v in forbidden.items()},
        untrained_allowed=not row.auditors_must_be_trained,
        previous_pairs=previous if row.pairs_formed_at_random else frozenset(), seed=seed,
    )
    return Built(problem=problem, names={pid: p.full_name for pid, p in pool.items()},
                 people=pool, rows=by_key, re_audit_only=re_audit_only)


def conflicts(problem: Problem, slot: Slot, chosen: list[int]) -> list[str]:
    """Every hard rule the chosen auditors break on this slot, in words."""
    by_id = {a.person_id: a for a in problem.auditors}
    out = []
    names = dict(Person.objects.filter(pk__in=chosen).values_list("pk", "full_name"))
    for pid in chosen:
        name = names.get(pid, "This person")
        auditor = by_id.get(pid)
        if auditor is None:
            out.append(f"{name} is not one of this cycle's auditors")
            continue
        out += [f"{name} {r}" for r in problem.forbidden.get((pid, slot.case_id), ())]
        if slot.re_audit and not auditor.senior:
            out.append(f"{name} is not a senior manager, who re-audit")
        if not auditor.trained and not auditor.shadowing and not problem.untrained_allowed:
            out.append(f"{name} is not trained to audit")
        if auditor.shadowing and not any(
                (by_id.get(o) and by_id[o].trained and not by_id[o].shadowing)
                for o in chosen if o != pid):
            out.append(f"{name} is shadowing and needs a trained auditor beside them")
    return out


@transaction.atomic
def allocation_propose(*, cycle: Cycle, actor: Person | None,
                       seed: int | None = None) -> AllocationRun:
    """Ask the solver for an allocation of the confirmed cases. Asking again replaces the
    proposal (the earlier one stays on record)."""
    import secrets

    cycle = lock(cycle)
    require(cycle, C.CASES_CONFIRMED, doing="allocate auditors")
    seed = seed if seed is not None else secrets.randbits(31)
    built = build_problem(cycle, seed=seed)
    if not built.problem.slots:
        raise DomainError("There are no confirmed cases waiting for auditors.")
    started = time.perf_counter()
    result = _solve(built.problem, built.names)
    seconds = time.perf_counter() - started
    superseded = AllocationRun.Status.SUPERSEDED
    AllocationRun.objects.filter(
        cycle=cycle, status__in=AllocationRun.workflow.allowed_from[superseded]).update(
        status=superseded)
    run = AllocationRun.objects.create(cycle=cycle, seed=seed, problem=problem_json(built.problem),
                                       objective=result.objective, seconds=seconds,
                                       created_by=actor)
    shadowing = {a.person_id for a in built.problem.auditors if a.shadowing}
    AllocationLine.objects.bulk_create([
        AllocationLine(
            run=run, cycle_case=built.rows[slot.key],
            proposed_ids=list(result.assignments.get(slot.key, ())),
            auditor_ids=list(result.assignments.get(slot.key, ())),
            shadow_ids=[p for p in result.assignments.get(slot.key, ()) if p in shadowing],
            blocked=list(result.unallocated.get(slot.key, [])),
        )
        for slot in built.problem.slots
    ])
    record(cycle, actor, "Allocation proposed",
           f"{plural(len(result.assignments), 'case')} allocated, "
           f"{plural(len(result.unallocated), 'case')} blocked. Seed {seed}; "
           f"{seconds:.2f} seconds.")
    return run


def _slot(run: AllocationRun, line: AllocationLine) -> tuple[Problem, Slot]:
    problem = problem_from_json(run.problem)
    key = f"cc:{line.cycle_case_id}"
    slot = next((s for s in problem.slots if s.key == key), None)
    if slot is None:
        raise DomainError("This case is not part of the proposal. Propose again.")
    return problem, slot


@transaction.atomic
def allocation_override(*, line: AllocationLine, auditor_ids: list[int], actor: Person | None,
                        reason: str) -> AllocationLine:
    """Choose the auditors for one case by hand. A conflict of interest is refused
    (audits.conflicts); breaking another hard rule (an absence, training) needs a written
    reason, and both are recorded."""
    # Lock the line only: PostgreSQL cannot lock the nullable side of the outer join.
    line = AllocationLine.objects.select_for_update(of=("self",)).select_related(
        "run", "cycle_case__planned_audit").get(pk=line.pk)
    run = line.run
    cycle = lock(run.cycle)
    require(cycle, C.CASES_CONFIRMED, doing="change the allocation")
    if not run.is_proposed:
        raise WorkflowError("This proposal has been replaced or confirmed. Reload the page.")
    chosen = list(dict.fromkeys(int(p) for p in auditor_ids))
    problem, slot = _slot(run, line)
    if not chosen:
        raise DomainError("Choose at least one auditor.", field="auditors")
    if len(chosen) > slot.auditors_needed:
        raise DomainError(f"Choose at most {slot.auditors_needed} auditors for this case.",
                          field="auditors")
    refuse_conflicts(line.cycle_case, cycle, chosen, field="auditors")
    broken = conflicts(problem, slot, chosen)
    if len(chosen) < slot.auditors_needed:
        broken.append(f"only {len(chosen)} of the {slot.auditors_needed} auditors needed")
    if broken and not reason.strip():
        raise DomainError("Say why you are overriding: " + "; ".join(broken) + ".",
                          field="reason")
    shadowing = {a.person_id for a in problem.auditors if a.shadowing}
    AllocationOverride.objects.create(line=line, from_ids=line.auditor_ids, to_ids=chosen,
                                      conflicts=broken, reason=reason.strip(), by=actor)
    line.auditor_ids = chosen
    line.shadow_ids = [p for p in chosen if p in shadowing]
    line.save(update_fields=["auditor_ids", "shadow_ids"])
    names = ", ".join(Person.objects.filter(pk__in=chosen).order_by("full_name")
                      .values_list("full_name", flat=True))
    record(cycle, actor, f"Allocation changed for {line.cycle_case.case.reference}: {names}",
           ("Conflicts overridden: " + "; ".join(broken) + ". " if broken else "")
           + reason.strip())
    return line


def _choices(line: AllocationLine, cc: CycleCase, people: dict[int, Person],
             lead: Person | None) -> list[audit_services.AuditorChoice]:
    R = AuditAssignment.Role
    out = []
    for pid in line.auditor_ids:
        if cc.planned_audit and cc.planned_audit.kind == Audit.Kind.RE_AUDIT:
            role = R.RE_AUDITOR
        elif pid in line.shadow_ids:
            role = R.SHADOW
        elif lead is not None and pid == lead.pk:
            role = R.LEAD_AUDITOR
        else:
            role = R.AUDITOR
        out.append(audit_services.AuditorChoice(people[pid], role))
    return out


@transaction.atomic
def allocation_confirm(*, run: AllocationRun, actor: Person | None,
                       leave_out_blocked: bool = False) -> list[Audit]:
    """Make the audits: a new audit of each case with the framework's tool, or the planned
    re-audit or revisit allocated, each with its auditors (audits.services)."""
    cycle = lock(run.cycle)
    require_move(cycle, C.ALLOCATED, doing="confirm the allocation")
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if not run.may_become(AllocationRun.Status.CONFIRMED):
        raise WorkflowError("This proposal has been replaced or confirmed. Reload the page.")
    lines = list(run.lines.select_related("cycle_case__case", "cycle_case__planned_audit")
                 .order_by("cycle_case__position", "pk"))
    empty = [ln for ln in lines if not ln.auditor_ids]
    if empty and not leave_out_blocked:
        refs = ", ".join(ln.cycle_case.case.reference for ln in empty)
        raise DomainError(f"{plural(len(empty), 'case has', 'cases have')} no auditor ({refs}). "
                          "Choose auditors for them, or leave them out of this cycle.",
                          field="leave_out_blocked")
    tool = cycle.tool_version or framework_tool_version()
    if tool is None and any(not ln.cycle_case.planned_audit for ln in lines if ln.auditor_ids):
        raise DomainError("The framework has no case audit tool. Choose one in the "
                          "framework settings first.")
    people = {p.pk: p for p in Person.objects.filter(
        pk__in={pid for ln in lines for pid in ln.auditor_ids})}
    made: list[Audit] = []
    kind: str = AUDIT_KIND.get(Cycle.Kind(cycle.kind), Audit.Kind.CASE_AUDIT)
    for ln in lines:
        cc = ln.cycle_case
        if not ln.auditor_ids:
            cc.workflow.move(cc, to=CycleCase.Status.REMOVED, actor=actor,
                             reason="No auditor could be found: " + "; ".join(ln.blocked))
            continue
        choices = _choices(ln, cc, people, cycle.lead_auditor)
        if cc.planned_audit is not None:
            audit = audit_services.audit_allocate(audit=cc.planned_audit, auditors=choices,
                                                  actor=actor, due_on=cycle.audits_due_on)
        else:
            assert tool is not None
            this_kind = (Audit.Kind.REQUESTED if cc.source == CycleCase.Source.REQUESTED
                         and kind == Audit.Kind.CASE_AUDIT else kind)
            audit = audit_services.audit_create(
                case=cc.case, tool_version=tool, auditors=choices, created_by=actor,
                due_on=cycle.audits_due_on, kind=this_kind, reason=cc.reason[:300],
                period_end=cycle.audit_starts_on,
            )
        cc.audit = audit
        cc.save(update_fields=["audit", "updated_at"])
        made.append(audit)
    run.confirmed_by = actor
    run.confirmed_at = timezone.now()
    run.workflow.move(run, to=AllocationRun.Status.CONFIRMED, actor=actor,
                      also_save=["confirmed_by", "confirmed_at"])
    if tool is not None and cycle.tool_version_id is None:
        cycle.tool_version = tool
    cycle.workflow.move(cycle, to=C.ALLOCATED, actor=actor, also_save=["tool_version"],
                        what=f"Allocation confirmed: {plural(len(made), 'audit')} made",
                        reason=f"{plural(len(empty), 'case')} left out with no auditor."
                        if empty else "")
    return made


# During the cycle: declining, absence, re-allocation ----------------------------------


def cycle_case_of(audit: Audit) -> CycleCase | None:
    return CycleCase.objects.select_related("cycle", "case", "planned_audit").filter(
        audit=audit).first()


def _add_auditors(audit: Audit, people: list[Person], actor: Person | None) -> None:
    # audits.services adds auditors only when it creates or allocates an audit; adding one to
    # an audit already allocated (a decline, an absence) is the same row, made here under the
    # audit's lock until audits.services has a service for it.
    for person in people:
        AuditAssignment.objects.create(audit=audit, person=person,
                                       role=AuditAssignment.Role.AUDITOR, assigned_by=actor)


def reallocate(*, cycle_case: CycleCase, actor: Person | None, why: str) -> list[Person]:
    """Find auditors for the places an audit has lost, under the same rules. Tells them, or
    tells the QA manager when nobody can take it. Callers hold the audit's lock."""
    from auditloop.programme.allocation.types import Problem, Slot

    audit = cycle_case.audit
    assert audit is not None
    cycle = cycle_case.cycle
    row = framework_settings_row()
    rows = list(audit.assignments.select_related("person"))
    current = [a.person_id for a in rows if a.ended_at is None]
    pairs = row.allocation_unit == FrameworkSettings.AllocationUnit.PAIRS
    re_audit = audit.kind == Audit.Kind.RE_AUDIT
    needed = (1 if re_audit or not pairs else 2) - len(current)
    if needed <= 0:
        return []
    exclude = {pid: "already audits this case" for pid in current}
    for a in rows:
        if a.ended_at is not None:
            exclude[a.person_id] = f"no longer audits this case ({a.end_reason})"[:200]
    held = dict(AuditAssignment.objects.filter(
        ended_at__isnull=True,
        audit_id__in=CycleCase.objects.filter(cycle=cycle, audit__isnull=False)
        .values("audit_id")).values("person_id").annotate(n=Count("pk"))
        .values_list("person_id", "n"))
    built = build_problem(cycle, seed=cycle.pk, only=[cycle_case], exclude=exclude,
                          already=held)
    key = f"cc:{cycle_case.pk}"
    problem = built.problem
    slot = Slot(key=key, case_id=cycle_case.case_id, auditors_needed=needed, re_audit=re_audit)
    problem = Problem(slots=(slot,), auditors=problem.auditors, forbidden=problem.forbidden,
                      untrained_allowed=problem.untrained_allowed,
                      previous_pairs=problem.previous_pairs, seed=problem.seed)
    result = _solve(problem, built.names)
    chosen = [built.people[p] for p in result.assignments.get(key, ())]
    link = reverse("programme:cycle_detail", args=[cycle.pk])
    if chosen:
        _add_auditors(audit, chosen, actor)
        notify(recipients=chosen,
               subject=f"You have been allocated an audit in the {cycle.title}",
               body=f"An audit needs a new auditor ({why}). It is due by "
                    f"{_day(cycle.audits_due_on)}.",
               link=reverse("programme:my_audits"))
        record(cycle, actor, f"Audit of {cycle_case.case.reference} re-allocated",
               f"{why}. New: {', '.join(p.full_name for p in chosen)}")
    else:
        reasons = "; ".join(result.unallocated.get(key, []))
        notify(recipients=cycle_runners(),
               subject=f"An audit in the {cycle.title} needs an auditor",
               body=f"Nobody could be found to take it under the framework's rules ({why}). "
                    "Choose an auditor from the cycle's page.",
               link=link, urgent=True)
        record(cycle, actor, f"No auditor found for {cycle_case.case.reference}",
               f"{why}. {reasons}")
    return chosen


def may_decline(row: FrameworkSettings) -> bool:
    return bool(row.auditors_may_decline or row.auditor_may_ask_for_another_case)


@transaction.atomic
def allocation_decline(*, assignment: AuditAssignment, actor: Person,
                       reason: str) -> list[Person]:
    """An auditor declines a case, with a reason (003: for instance, they were involved with
    it). Their assignment ends and the case is re-allocated."""
    row = framework_settings_row()
    if not may_decline(row):
        raise DomainError("The framework does not let auditors decline an allocation. Talk "
                          "to the QA manager.")
    if assignment.person_id != actor.pk:
        raise DomainError("Only the auditor can decline their own allocation.")
    if not reason.strip():
        raise DomainError("Say why you cannot audit this case.", field="reason")
    audit = Audit.objects.select_for_update().get(pk=assignment.audit_id)
    assignment = AuditAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.ended_at is not None:
        raise WorkflowError("You no longer audit this case.")
    if not audit.is_open_for_editing:
        raise WorkflowError(f"This audit is {audit.get_status_display().lower()}: it can no "
                            "longer be declined.")
    cc = cycle_case_of(audit)
    audit_services.assignment_end(assignment=assignment, actor=actor,
                                  reason=f"Declined: {reason.strip()}"[:300])
    if cc is None:
        return []
    record(cc.cycle, actor, f"{actor.full_name} declined the audit of {cc.case.reference}",
           reason.strip())
    cc.audit = audit
    return reallocate(cycle_case=cc, actor=actor, why=f"{actor.full_name} declined it")


@transaction.atomic
def assignment_absent(*, assignment: AuditAssignment, actor: Person | None,
                      reason: str) -> list[Person]:
    """An auditor is absent (leave, sickness). Where the framework says so (001), their
    partner completes the audit alone and the record says so; otherwise, or with no
    partner, the case is re-allocated."""
    if not reason.strip():
        raise DomainError("Say why the auditor cannot do the audit (for example, on leave "
                          "until 14 June).", field="reason")
    audit = Audit.objects.select_for_update().get(pk=assignment.audit_id)
    assignment = AuditAssignment.objects.select_for_update().select_related("person").get(
        pk=assignment.pk)
    if assignment.ended_at is not None:
        raise WorkflowError("This auditor no longer audits the case.")
    if not audit.is_open_for_editing:
        raise WorkflowError(f"This audit is {audit.get_status_display().lower()}: its "
                            "auditors can no longer change.")
    partners = [a.person for a in audit.assignments.select_related("person")
                if a.ended_at is None and a.pk != assignment.pk]
    row = framework_settings_row()
    cc = cycle_case_of(audit)
    absent = assignment.person
    if partners and row.partner_completes_alone_if_absent:
        alone = (f"{absent.full_name} was absent ({reason.strip()}); "
                 f"{partners[0].full_name} completes the audit alone")
        audit_services.assignment_end(assignment=assignment, actor=actor,
                                      reason=f"Absent: {reason.strip()}"[:300])
        # The record says so at once; submitting writes it again (audits.services).
        Audit.objects.filter(pk=audit.pk).update(completed_alone_reason=alone[:300],
                                                 updated_at=timezone.now())
        if cc is not None:
            record(cc.cycle, actor, f"{absent.full_name} absent: partner completes alone",
                   alone)
        notify(recipients=partners, subject="You will complete an audit alone",
               body=f"Your partner is absent, so you complete the audit on your own. It is "
                    f"due by {_day(audit.due_on) if audit.due_on else 'the date set'}.",
               link=reverse("programme:my_audits"))
        return []
    audit_services.assignment_end(assignment=assignment, actor=actor,
                                  reason=f"Absent: {reason.strip()}"[:300])
    if cc is None:
        return []
    cc.audit = audit
    return reallocate(cycle_case=cc, actor=actor, why=f"{absent.full_name} is absent")


@transaction.atomic
def assignment_choose(*, audit: Audit, person: Person, actor: Person | None,
                      reason: str) -> None:
    """The QA manager names an auditor for an audit that lost one. A conflict of interest
    is refused; another broken rule needs a reason, as for any override."""
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    cc = cycle_case_of(audit)
    if cc is None:
        raise DomainError("This audit is not part of a cycle.")
    if not audit.is_open_for_editing:
        raise WorkflowError(f"This audit is {audit.get_status_display().lower()}: its "
                            "auditors can no longer change.")
    if audit_services.is_current_auditor(audit, person):
        raise DomainError(f"{person.full_name} already audits this case.", field="person")
    refuse_conflicts(cc, cc.cycle, [person.pk], field="person")
    built = build_problem(cc.cycle, seed=cc.cycle.pk, only=[cc])
    slot = built.problem.slots[0]
    broken = conflicts(built.problem, slot, [person.pk])
    if broken and not reason.strip():
        raise DomainError("Say why you are overriding: " + "; ".join(broken) + ".",
                          field="reason")
    _add_auditors(audit, [person], actor)
    record(cc.cycle, actor, f"{person.full_name} now audits {cc.case.reference}",
           ("Conflicts overridden: " + "; ".join(broken) + ". " if broken else "")
           + reason.strip())
    notify(recipients=[person], subject=f"You have been allocated an audit in the "
                                        f"{cc.cycle.title}",
           body=f"It is due by {_day(cc.cycle.audits_due_on)}.",
           link=reverse("programme:my_audits"))
