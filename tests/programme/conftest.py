"""Shared pieces of the programme's tests: a framework, a council with cases and auditors,
a small fake solver for the wiring (one test runs the real one), a submitted audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from auditloop.audits import services as audit_services
from auditloop.audits.models import Audit
from auditloop.people.models import AuditorTraining
from auditloop.programme.allocation.types import Problem, Result
from auditloop.programme.services import allocation as allocation_service
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row
from tests.factories import (
    AuditorTrainingFactory,
    CaseFactory,
    LocalityFactory,
    PersonFactory,
    TeamFactory,
    shipped_tool_version,
)

JUNE = dt.date(2026, 6, 1)


def set_framework(**values: Any) -> FrameworkSettings:
    framework_settings_row()
    FrameworkSettings.objects.filter(pk=1).update(**values)
    return framework_settings_row()


@pytest.fixture
def framework(db: None) -> FrameworkSettings:
    """A framework like 001 and 002 together: pairs, a QA meeting, a week's notice."""
    shipped_tool_version("002-six-key-areas")
    return set_framework(
        tools=["002-six-key-areas"], cycles_per_year=12, cycle_ends_in_qa_meeting=True,
        qa_meeting_minutes_per_case=10, allocation_unit="pairs", pairs_formed_at_random=True,
        cases_per_unit_max=2,
        auditor_roles=["auditor"], allocation_notice_days_before_meeting=14,
        audit_notice_days=7, sample_size_min=4, sample_size_max=4,
        case_note_when="after_qa_meeting", case_note_title="Quality Assurance: case audited",
        ri_actions_reviewed_at_next_qa_meeting=True,
        case_note_text="This case was audited on {audit_date} as part of the Early Help "
                       "Quality Assurance process. Original audit has been sent to manager.",
        notification_rules={"audit_selected": ["case_key_worker", "case_team_manager"]},
    )


def fake_solve(problem: Problem, names: dict[int, str] | None = None) -> Result:
    """Gives each slot the first auditors (by id) the hard rules allow, within capacity."""
    used: dict[int, int] = {}
    assignments: dict[str, tuple[int, ...]] = {}
    unallocated: dict[str, list[str]] = {}
    for slot in problem.slots:
        chosen = []
        for a in sorted(problem.auditors, key=lambda a: a.person_id):
            if len(chosen) == slot.auditors_needed:
                break
            if (a.person_id, slot.case_id) in problem.forbidden:
                continue
            if slot.re_audit and not a.senior:
                continue
            if not a.trained and not a.shadowing and not problem.untrained_allowed:
                continue
            if a.shadowing and slot.auditors_needed < 2:
                continue
            if used.get(a.person_id, 0) >= a.capacity:
                continue
            chosen.append(a.person_id)
        if len(chosen) == slot.auditors_needed:
            assignments[slot.key] = tuple(chosen)
            for p in chosen:
                used[p] = used.get(p, 0) + 1
        else:
            unallocated[slot.key] = ["nobody is free under the rules"]
    return Result(assignments=assignments, unallocated=unallocated, objective=0)


@pytest.fixture
def fake_solver(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.setattr(allocation_service, "_solve", fake_solve)
    return fake_solve


@pytest.fixture
def auditors(db: None) -> Callable[..., list[Any]]:
    def make(n: int, *, status: str = AuditorTraining.Status.TRAINED, **kwargs: Any) -> list[Any]:
        people = []
        for _ in range(n):
            p = PersonFactory(roles=["auditor"], **kwargs)
            AuditorTrainingFactory(person=p, status=status, recorded_on=dt.date(2026, 1, 10))
            people.append(p)
        return people

    return make


@pytest.fixture
def council(db: None) -> dict[str, Any]:
    """Two localities, a team in each, ten open cases each with a key worker."""
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    teams = [TeamFactory(name="Early Help North", locality=north),
             TeamFactory(name="Early Help South", locality=south)]
    cases = []
    for i in range(20):
        team = teams[i % 2]
        worker = PersonFactory(team=team, roles=["practitioner"])
        cases.append(CaseFactory(team=team, key_worker=worker, reference=f"EH-{1000 + i}",
                                 opened_on=dt.date(2025, 1, 5)))
    return {"localities": [north, south], "teams": teams, "cases": cases}


def submit(audit: Audit, actor: Any = None) -> Audit:
    """Move an audit to submitted, as the auditor's submit does (without the answers)."""
    with transaction.atomic():
        locked = Audit.objects.select_for_update().get(pk=audit.pk)
        audit_services.transition(audit=locked, actor=actor, to=Audit.Status.SUBMITTED)
    audit.refresh_from_db()
    return audit
