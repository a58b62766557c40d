"""Conflicts of interest, one policy (audits/conflicts.py): each rule, asked through each
path that chooses who audits or moderates a case (the allocation of auditors, the QA
manager's hand-made audit, a planned re-audit's allocation, the moderation panel), gives the
same answer with the same words; and one call answers for many people and cases in a fixed
number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditloop.audits.conflicts import Subject, conflicts_of_interest
from auditloop.audits.forms import NewAuditForm
from auditloop.audits.services import audit_plan_re_audit
from auditloop.cases.models import Case, Involvement
from auditloop.moderation import services as moderation
from auditloop.people.models import Person
from auditloop.programme.models import Cycle, CycleCase
from auditloop.programme.services.allocation import build_problem
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row
from tests.factories import (
    CaseFactory,
    InvolvementFactory,
    PersonFactory,
    make_audit,
    shipped_tool_version,
)

pytestmark = pytest.mark.django_db
D = dt.date
# Every path looks at the six months of practice to 1 June 2026 (002): from 1 December 2025.
TODAY = D(2026, 6, 1)
WORKER = "Wren Worker"


@pytest.fixture(autouse=True)
def first_of_june():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False):
        yield


@dataclass(frozen=True)
class Rule:
    name: str
    arrange: Callable[[Person, Case], None]
    barred: str | None  # the reason in words (after the person's name), or None: they may
    settings: dict[str, Any] = field(default_factory=dict)


def holds_as_key_worker(person: Person, case: Case) -> None:
    case.key_worker = person
    case.save(update_fields=["key_worker"])


def holds_as_team_manager(person: Person, case: Case) -> None:
    case.team_manager = person
    case.save(update_fields=["team_manager"])


def held(start: dt.date, end: dt.date, role: str = Involvement.Role.KEY_WORKER
         ) -> Callable[[Person, Case], None]:
    def arrange(person: Person, case: Case) -> None:
        InvolvementFactory(case=case, person=person, role=role, started_on=start, ended_on=end)
    return arrange


def manages_the_key_worker(levels: int) -> Callable[[Person, Case], None]:
    def arrange(person: Person, case: Case) -> None:
        below = person
        for _ in range(levels - 1):
            below = PersonFactory(line_manager=below)
        worker = case.key_worker
        assert worker is not None
        worker.line_manager = below
        worker.save(update_fields=["line_manager"])
    return arrange


def manages_an_earlier_key_worker(person: Person, case: Case) -> None:
    earlier = PersonFactory(full_name="Ellis Earlier", line_manager=person)
    InvolvementFactory(case=case, person=earlier, role=Involvement.Role.KEY_WORKER,
                       started_on=D(2025, 9, 1), ended_on=D(2026, 2, 1))


def nothing(person: Person, case: Case) -> None:
    pass


OFF = {"conflict_involved_with_case": False}
RULES = [
    Rule("holds the case as key worker", holds_as_key_worker,
         "holds the case (key worker / lead professional)"),
    Rule("holds the case as team manager", holds_as_team_manager,
         "holds the case (team manager)"),
    Rule("held the case during the period under review, even with involvement allowed",
         held(D(2025, 9, 1), D(2026, 2, 1)),
         "held the case (key worker / lead professional) during the period under review",
         OFF),
    Rule("held the case before the period, involvement allowed",
         held(D(2024, 1, 1), D(2025, 3, 1)), None, OFF),
    Rule("was ever involved with the case (003)",
         held(D(2024, 1, 1), D(2024, 3, 1), Involvement.Role.IRO),
         "was involved with the case (iro / cp chair)"),
    Rule("was involved with the case where the framework allows it",
         held(D(2024, 1, 1), D(2024, 3, 1), Involvement.Role.IRO), None, OFF),
    Rule("line-manages the key worker, with no depth set (001)", manages_the_key_worker(1),
         f"line-manages {WORKER}, who holds the case",
         {"conflict_line_management_depth": 0}),
    Rule("line-manages the key worker, depth 1", manages_the_key_worker(1),
         f"line-manages {WORKER}, who holds the case",
         {"conflict_line_management_depth": 1}),
    Rule("line-manages who held the case during the period", manages_an_earlier_key_worker,
         "line-manages Ellis Earlier, who held the case during the period under review"),
    Rule("manages the key worker two levels down, depth 1", manages_the_key_worker(2), None,
         {"conflict_line_management_depth": 1}),
    Rule("manages the key worker two levels down, depth 2", manages_the_key_worker(2),
         f"manages {WORKER} (2 levels down), who holds the case",
         {"conflict_line_management_depth": 2}),
    Rule("has nothing to do with the case", nothing, None),
]


def _cycle() -> Cycle:
    return Cycle.objects.create(
        year=2026, number=6, period_start=D(2026, 6, 1), period_end=D(2026, 6, 30),
        audit_starts_on=TODAY, audits_due_on=D(2026, 6, 29),
        status=Cycle.Status.CASES_CONFIRMED)


def by_allocation(person: Person, case: Case) -> list[str]:
    cc = CycleCase.objects.create(cycle=_cycle(), case=case, source=CycleCase.Source.RANDOM,
                                  reason="Chosen at random",
                                  status=CycleCase.Status.CONFIRMED)
    problem = build_problem(cc.cycle, seed=1, only=[cc]).problem
    return list(problem.forbidden.get((person.pk, case.pk), ()))


def by_hand_made_audit(person: Person, case: Case) -> list[str]:
    form = NewAuditForm({
        "reference": case.reference, "tool": "002-six-key-areas", "kind": "requested",
        "first_auditor": person.pk, "due_day": "30", "due_month": "6", "due_year": "2026",
        "reason": "Asked for by the service manager"})
    valid = form.is_valid()
    errors = list(form.errors.get("first_auditor", []))
    assert valid == (not errors), form.errors  # nothing else is wrong with the form
    return errors


def by_re_audit(person: Person, case: Case) -> list[str]:
    earlier = make_audit(case=case, period_end=D(2026, 3, 1))
    planned = audit_plan_re_audit(of=earlier, actor=None, earliest=D(2026, 5, 1),
                                  latest=TODAY, reason="Inadequate")
    cc = CycleCase.objects.create(cycle=_cycle(), case=case, source=CycleCase.Source.PLANNED,
                                  reason="Re-audit", planned_audit=planned,
                                  status=CycleCase.Status.CONFIRMED)
    built = build_problem(cc.cycle, seed=1, only=[cc])
    assert built.problem.slots[0].re_audit
    assert next(a for a in built.problem.auditors if a.person_id == person.pk).senior
    return list(built.problem.forbidden.get((person.pk, case.pk), ()))


def by_moderation(person: Person, case: Case) -> list[str]:
    audit = make_audit(case=case, period_end=TODAY)
    return moderation.conflicts([audit], [person.pk]).get((person.pk, audit.pk), [])


PATHS = {"allocation": by_allocation, "hand-made audit": by_hand_made_audit,
         "re-audit": by_re_audit, "moderation": by_moderation}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_each_rule_holds_on_every_path(rule: Rule, path: str) -> None:
    shipped_tool_version("002-six-key-areas")
    framework_settings_row()
    FrameworkSettings.objects.filter(pk=1).update(
        auditor_roles=["auditor"], allocation_unit="singles", **rule.settings)
    person = PersonFactory(roles=["auditor", "senior_manager"], full_name="Sol Auditor")
    case = CaseFactory(key_worker=PersonFactory(full_name=WORKER))
    rule.arrange(person, case)
    reasons = PATHS[path](person, Case.objects.get(pk=case.pk))
    if rule.barred is None:
        assert reasons == []
    elif path == "hand-made audit":
        assert reasons == [f"Sol Auditor {rule.barred}, so cannot audit it. Choose someone "
                           "else"]
    else:
        assert reasons == [rule.barred]


def test_one_call_answers_for_many_people_and_cases_in_a_fixed_number_of_queries() -> None:
    framework_settings_row()

    def world(people: int, cases: int) -> tuple[list[int], dict[int, Subject]]:
        staff = [PersonFactory() for _ in range(people)]
        subjects = {}
        for n in range(cases):
            worker = PersonFactory(line_manager=staff[n % people])
            case = CaseFactory(key_worker=worker, team_manager=staff[(n + 1) % people],
                               family_identifier=f"FAM-{people}-{n % 2}")
            InvolvementFactory(case=case, person=staff[(n + 2) % people],
                               role=Involvement.Role.IRO)
            subjects[case.pk] = Subject(case.pk, period_end=TODAY, family=n % 3 == 0)
        return [p.pk for p in staff], subjects

    small, large = world(2, 2), world(12, 15)
    with CaptureQueriesContext(connection) as few:
        found_small = conflicts_of_interest(*small)
    with CaptureQueriesContext(connection) as many:
        found_large = conflicts_of_interest(*large)
    assert len(many) == len(few) <= 6
    assert found_small and len(found_large) > len(found_small)


def test_the_depth_setting_reaches_further_up_the_line_and_never_below_direct_reports(
        ) -> None:
    top = PersonFactory(full_name="Tam Top")
    middle = PersonFactory(full_name="Mo Middle", line_manager=top)
    case = CaseFactory(key_worker=PersonFactory(full_name=WORKER, line_manager=middle))
    subjects = {case.pk: Subject(case.pk, period_end=TODAY)}
    found = {}
    for depth in (0, 1, 2):
        framework_settings_row()
        FrameworkSettings.objects.filter(pk=1).update(conflict_line_management_depth=depth)
        found[depth] = conflicts_of_interest([top.pk, middle.pk], subjects)
    direct = {(middle.pk, case.pk): [f"line-manages {WORKER}, who holds the case"]}
    assert found[0] == found[1] == direct
    assert found[2] == {**direct, (top.pk, case.pk): [
        f"manages {WORKER} (2 levels down), who holds the case"]}
