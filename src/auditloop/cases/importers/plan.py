"""Matching an import's records against the register, before anything is written.

It reads staff, teams, localities, services and the cases the file names once, and turns
each record into what the services will write, or into a problem for the person importing:
an unknown staff number, service or team, a row that needs a row that was left out.
Allocated workers named in Annex A are matched by name here, and warned about if not.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from auditloop.cases.importers.base import (
    SERVICE_KINDS,
    STAGE_RANK,
    UNSET,
    CaseRecord,
    EventRecord,
    InvolvementRecord,
    ParsedCases,
    Problem,
    ReturnRecord,
    StaffRef,
    normalise,
    normalise_name,
)
from auditloop.cases.models import Case
from auditloop.people.models import Locality, Person, Service, Team


@dataclass
class ReadyCase:
    record: CaseRecord
    service: Service | None
    new_kind: str  # when service is None: create the service of this kind
    values: dict[str, Any]
    locality_to_create: str | None = None
    key_worker: Any = UNSET  # a Person pk, None (unallocated) or UNSET
    team_manager: Any = UNSET
    keep_service: bool = False


@dataclass
class CasePlan:
    cases: list[ReadyCase] = field(default_factory=list)
    involvements: list[tuple[InvolvementRecord, int]] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    returns: list[ReturnRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unmatched_workers: list[str] = field(default_factory=list)


class _Register:
    """What an import needs to know of the register, read once, before any write."""

    def __init__(self, references: set[str]) -> None:
        people = list(Person.objects.values("pk", "staff_number", "full_name", "team__name",
                                            "is_active"))
        self.by_number = {p["staff_number"].upper(): p["pk"] for p in people}
        self.by_name: dict[str, list[Any]] = defaultdict(list)
        for p in people:
            self.by_name[normalise_name(p["full_name"])].append(p)
        self.teams = {normalise_name(t.name): t for t in Team.objects.select_related("locality")}
        self.localities = {normalise_name(x.name): x for x in Locality.objects.all()}
        self.services = list(Service.objects.all())
        self.services_by_name = {normalise_name(s.name): s for s in self.services}
        self.cases: dict[str, tuple[str, str]] = {}
        refs = sorted(references)
        for i in range(0, len(refs), 500):
            for ref, status, kind in Case.objects.filter(reference__in=refs[i:i + 500]) \
                    .values_list("reference", "status", "service__kind"):
                self.cases[ref] = (status, kind)

    def service(self, text: str) -> tuple[Service | None, str, str | None]:
        """(the service, or None with the kind to create; a problem if there is one)."""
        by_name = self.services_by_name.get(normalise_name(text))
        if by_name is not None:
            return by_name, by_name.kind, None
        kind = SERVICE_KINDS.get(normalise(text))
        if kind is None:
            return None, "", (f"“{text}” is not a service auditloop knows. Use early_help, "
                              f"front_door, cin, cp, cla, care_leaver, adoption, yjs or the "
                              f"name of one of the council's services.")
        of_kind = [s for s in self.services if s.kind == kind]
        if len(of_kind) == 1:
            return of_kind[0], kind, None
        label = Service.Kind(kind).label
        named = self.services_by_name.get(normalise_name(label))
        if named is not None:
            return named, named.kind, None
        if of_kind:
            names = ", ".join(s.name for s in of_kind)
            return None, kind, (f"More than one of the council's services is {label} "
                                f"({names}). Give the service's name instead.")
        return None, kind, None

    def person_by_name(self, ref: StaffRef) -> tuple[int | None, str]:
        """A worker named in a list: within the named team first; '' or why not matched."""
        found = self.by_name.get(normalise_name(ref.name), [])
        active = [p for p in found if p["is_active"]] or found
        if ref.team_name:
            team = normalise_name(ref.team_name)
            in_team = [p for p in active if normalise_name(p["team__name"] or "") == team]
            if len(in_team) == 1:
                return in_team[0]["pk"], ""
        if len(active) == 1:
            return active[0]["pk"], ""
        return None, ("matches more than one member of staff" if active
                      else "matches nobody in the staff list")


def plan_case_import(parsed: ParsedCases, module: ModuleType, *, accept_valid_rows: bool
                     ) -> CasePlan:
    """Match the records against the register; every row that cannot be used is a problem."""
    plan = CasePlan(problems=list(parsed.problems), warnings=list(parsed.warnings))
    wanted_refs = ({r.reference for r in parsed.cases}
                   | {i.reference for i in parsed.involvements}
                   | {e.reference for e in parsed.events}
                   | {r.reference for r in parsed.returns if r.kind != "contact"})
    register = _Register(wanted_refs)
    unmatched: dict[str, str] = {}
    unknown_teams: list[str] = []
    dropped: set[str] = set()
    for record in parsed.cases:
        ready = _ready_case(record, register, plan, unmatched, unknown_teams)
        if ready is None:
            dropped.add(record.reference)
            continue
        if module.PARTIAL:
            _keep_other_service(ready, register, module)
        plan.cases.append(ready)
    ready_refs = {c.record.reference for c in plan.cases}

    def case_known(reference: str, locus: Any, column: str) -> bool:
        if reference in ready_refs:
            return True
        if reference in dropped:
            if accept_valid_rows:
                plan.problems.append(locus.problem(
                    column, f"Left out because the row for case {reference} has a problem."))
            return False
        if reference in register.cases:
            return True
        plan.problems.append(locus.problem(
            column, f"There is no case {reference} in this file or in the register. Check "
                    f"the reference, or import the case first."))
        return False

    for inv in parsed.involvements:
        if not case_known(inv.reference, inv.locus, inv.reference_column):
            continue
        pk = register.by_number.get(inv.staff_number.upper())
        if pk is None:
            plan.problems.append(inv.locus.problem(inv.staff_column, _no_staff(inv.staff_number)))
            continue
        plan.involvements.append((inv, pk))
    for ev in parsed.events:
        if ev.standalone:
            if case_known(ev.reference, ev.locus, ev.reference_column):
                plan.events.append(ev)
        elif ev.reference in ready_refs:
            plan.events.append(ev)
    for rr in parsed.returns:
        # A contact needs no case (most never become one); other rows go with their case.
        if rr.kind == "contact" or (rr.reference in ready_refs if not rr.standalone
                                    else case_known(rr.reference, rr.locus,
                                                    rr.reference_column)):
            plan.returns.append(rr)
    if unmatched:
        plan.unmatched_workers = sorted(unmatched)
        listed = "; ".join(described for _, described in sorted(unmatched.items()))
        plan.warnings.append(
            f"{len(unmatched)} allocated {'worker was' if len(unmatched) == 1 else 'workers were'}"
            f" not matched to staff, so their cases keep the key worker they had: {listed}. "
            f"Import the staff list first, or check how the names are spelt.")
    if unknown_teams:
        plan.warnings.append(
            f"These teams are not in auditloop, so their cases keep the team they had: "
            f"{'; '.join(sorted(set(unknown_teams)))}. Add the teams (or import the staff list, "
            f"which creates them) and import again.")
    plan.problems.sort(key=lambda p: (p.file, p.table, p.row or 0, p.column))
    return plan


def _no_staff(number: str) -> str:
    return (f"No member of staff has the staff number {number}. Import the staff list first, "
            f"or correct the number.")


def _ready_case(record: CaseRecord, register: _Register, plan: CasePlan,
                unmatched: dict[str, str], unknown_teams: list[str]) -> ReadyCase | None:
    problems: list[Problem] = []
    service, kind, why = register.service(record.service)
    if why:
        problems.append(record.locus.problem(record.service_column, why))
    ready = ReadyCase(record=record, service=service, new_kind=kind, values=dict(record.values))
    team: Team | None = None
    if isinstance(record.team, str):
        team = register.teams.get(normalise_name(record.team))
        if team is not None:
            ready.values["team"] = team
        elif record.team_names_loose:
            unknown_teams.append(record.team)
        else:
            problems.append(record.locus.problem(
                record.team_column, f"There is no team called “{record.team}”. Import the staff "
                                    f"list first (it creates teams), or add the team."))
    elif record.team is None:
        ready.values["team"] = None
    if isinstance(record.locality, str):
        locality = register.localities.get(normalise_name(record.locality))
        if locality is not None:
            ready.values["locality"] = locality
        else:
            ready.locality_to_create = record.locality
    elif record.locality is None:
        ready.values["locality"] = None
    elif team is not None:  # the file gives a team but no locality: the team's own
        ready.values["locality"] = team.locality
    for attr in ("key_worker", "team_manager"):
        ref = getattr(record, attr)
        if ref is UNSET:
            continue
        if ref is None:
            setattr(ready, attr, None)
        elif ref.staff_number:
            pk = register.by_number.get(ref.staff_number.upper())
            if pk is None:
                problems.append(record.locus.problem(ref.column, _no_staff(ref.staff_number)))
            setattr(ready, attr, pk)
        else:
            pk, why_not = register.person_by_name(ref)
            if pk is None:  # each name once, however it is spaced or capitalised
                unmatched.setdefault(normalise_name(ref.name), f"{ref.name} ({why_not})")
            else:
                setattr(ready, attr, pk)
    if problems:
        plan.problems.extend(problems)
        return None
    return ready


def _keep_other_service(ready: ReadyCase, register: _Register, module: ModuleType) -> None:
    """A partial return does not move a child out of a service it knows nothing about,
    unless the child has gone further along (a 903 child in care who was on a CP plan)."""
    existing = register.cases.get(ready.record.reference)
    if existing is None:
        return
    status, kind = existing
    if status != Case.Status.OPEN or kind in module.SCOPE:
        return
    if ready.record.closed_on is not None or STAGE_RANK.get(ready.new_kind, 0) <= STAGE_RANK.get(
            kind, 0):
        ready.keep_service = True
