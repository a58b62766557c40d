"""The allocation service (programme/services/allocation.py: the problem built from the
register and the framework, then solved) covers as many cases as any valid allocation, on
small random councils: compared with the brute-force optimum of the framework's own rules,
written out here from the raw facts, so a limit the service adds that the framework does
not set (such as an even share of the cases) shows as a case left over."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditloop.people.models import AuditorTraining
from auditloop.programme import selectors, services
from auditloop.programme.allocation.types import Auditor, Problem, Slot
from auditloop.programme.models import Cycle, CycleCase
from tests.factories import (
    AbsenceFactory,
    AuditorTrainingFactory,
    CaseFactory,
    PersonFactory,
    shipped_tool_version,
)
from tests.programme.allocation_oracle import brute_force
from tests.programme.conftest import set_framework

pytestmark = pytest.mark.django_db
D = dt.date


@st.composite
def councils(draw: st.DrawFn) -> dict[str, Any]:
    auditors = draw(st.integers(1, 4))
    cases = draw(st.integers(1, 5))
    someone = st.one_of(st.none(), st.integers(0, auditors - 1))
    return {
        "auditors": auditors,
        "pairs": draw(st.booleans()),
        "cap": draw(st.sampled_from([None, None, 1, 2])),
        "absent": draw(st.sets(st.integers(0, auditors - 1), max_size=auditors - 1)),
        # per case: the auditor who is its team manager, and the one who line-manages its
        # key worker (or nobody)
        "team_managers": [draw(someone) for _ in range(cases)],
        "line_managers": [draw(someone) for _ in range(cases)],
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


def optimum(data: dict[str, Any], people: list[Any], cases: list[Any]) -> int:
    """The most cases any allocation covers under the framework's rules, by enumeration."""
    slots = tuple(Slot(key=f"case:{c.pk}", case_id=c.pk,
                       auditors_needed=2 if data["pairs"] else 1) for c in cases)
    forbidden: dict[tuple[int, int], tuple[str, ...]] = {}
    for i, person in enumerate(people):
        for n, case in enumerate(cases):
            if (i in data["absent"] or data["team_managers"][n] == i
                    or data["line_managers"][n] == i):
                forbidden[person.pk, case.pk] = ("barred",)
    capacity = data["cap"] or len(cases)  # only the framework's cap limits anyone
    return brute_force(Problem(
        slots=slots, auditors=tuple(Auditor(p.pk, capacity=capacity) for p in people),
        forbidden=forbidden)).allocated


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(councils())
def test_the_service_covers_as_many_cases_as_the_optimum(framework: Any, data: dict[str, Any]
                                                         ) -> None:
    with transaction.atomic():
        shipped_tool_version("002-six-key-areas")
        set_framework(allocation_unit="pairs" if data["pairs"] else "singles",
                      cases_per_unit_max=data["cap"], auditor_roles=["auditor"])
        people = []
        for i in range(data["auditors"]):
            person = PersonFactory(roles=["auditor"])
            AuditorTrainingFactory(person=person, status=AuditorTraining.Status.TRAINED,
                                   recorded_on=D(2026, 1, 10))
            if i in data["absent"]:
                AbsenceFactory(person=person, starts_on=D(2026, 5, 25), ends_on=D(2026, 7, 5))
            people.append(person)
        cycle = Cycle.objects.create(
            year=2026, number=6, period_start=D(2026, 6, 1), period_end=D(2026, 6, 30),
            audit_starts_on=D(2026, 6, 1), audits_due_on=D(2026, 6, 29),
            status=Cycle.Status.CASES_CONFIRMED)
        cases = []
        for n, (tm, lm) in enumerate(zip(data["team_managers"], data["line_managers"],
                                         strict=True)):
            worker = PersonFactory(line_manager=None if lm is None else people[lm])
            case = CaseFactory(key_worker=worker,
                               team_manager=None if tm is None else people[tm])
            CycleCase.objects.create(cycle=cycle, case=case, source=CycleCase.Source.RANDOM,
                                     reason="Chosen at random", position=n,
                                     status=CycleCase.Status.CONFIRMED)
            cases.append(case)
        run = services.allocation_propose(cycle=cycle, actor=None, seed=data["seed"])
        covered = sum(1 for v in selectors.allocation_lines(run) if v.line.auditor_ids)
        assert covered == optimum(data, people, cases)
        transaction.set_rollback(True)
