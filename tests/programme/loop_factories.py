"""Builders for closing the loop's tests: themed cycles with graded audits, revisits, and
learning sessions, made through the app's services where a real month makes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditloop.audits.models import Audit
from auditloop.cases.models import Case, Involvement
from auditloop.people.models import Person
from auditloop.programme import timetable
from auditloop.programme.models import Cycle, CycleCase, LearningSession
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row
from tests.factories import CaseFactory, PersonFactory, finish_audit, make_audit

S = Audit.Status


def loop_framework(**values: Any) -> FrameworkSettings:
    """002's closing-the-loop settings unless told otherwise."""
    framework_settings_row()
    defaults = {"closing_loop_revisit_months": 6, "monthly_learning_session": True,
                "post_audit_briefing": True, "cycles_per_year": 12}
    FrameworkSettings.objects.filter(pk=1).update(**{**defaults, **values})
    return framework_settings_row()


def themed_cycle(*, theme: str = "Neglect", year: int = 2026, number: int = 1,
                 status: str = Cycle.Status.CLOSED, kind: str = Cycle.Kind.MONTHLY,
                 period: tuple[dt.date, dt.date] | None = None, name: str = "") -> Cycle:
    start, end = period or timetable.cycle_span(year, number, 12)
    return Cycle.objects.create(
        kind=kind, year=year, number=number if kind == Cycle.Kind.MONTHLY else None,
        name=name or ("" if kind == Cycle.Kind.MONTHLY else f"Thematic audit of {theme}"),
        theme=theme, theme_source=Cycle.ThemeSource.CHOSEN if theme else "",
        status=status, period_start=start, period_end=end, audit_starts_on=start,
        audits_due_on=end)


def managed_case(*, service_manager: Person | None = None, **kwargs: Any) -> Case:
    """An open case with a key worker, a team manager, and a service manager holding it."""
    sm = service_manager or PersonFactory(roles=["service_manager"])
    tm = kwargs.pop("team_manager", None) or PersonFactory(roles=["team_manager"],
                                                             line_manager=sm)
    kw = kwargs.pop("key_worker", None) or PersonFactory(roles=["practitioner"],
                                                           line_manager=tm)
    case = CaseFactory(key_worker=kw, team_manager=tm, **kwargs)
    Involvement.objects.create(case=case, person=sm, role=Involvement.Role.SERVICE_MANAGER,
                               started_on=dt.date(2026, 1, 5))
    return case


def audited(cycle: Cycle, *, grade: str = "requires_improvement", case: Case | None = None,
            to: str = S.DISCUSSED, auditor: Person | None = None) -> Audit:
    """A graded audit of a case on the cycle's list."""
    audit = make_audit(case=case or managed_case(),
                       auditors=[auditor or PersonFactory(roles=["auditor"])])
    finish_audit(audit, to=to, grade=grade)
    position = CycleCase.objects.filter(cycle=cycle).count() + 1
    CycleCase.objects.create(cycle=cycle, case=audit.case, source=CycleCase.Source.RANDOM,
                             reason="Chosen at random", status=CycleCase.Status.CONFIRMED,
                             audit=audit, position=position)
    return audit


def grade_later(audit: Audit, grade: str, *, to: str = S.SUBMITTED) -> Audit:
    """A planned re-audit or revisit, allocated and graded."""
    from auditloop.audits.services import audit_allocate

    audit_allocate(audit=audit, auditors=[PersonFactory(roles=["auditor"])], actor=None)
    audit.refresh_from_db()
    return finish_audit(audit, to=to, grade=grade)


def session(*, kind: str = LearningSession.Kind.REFLECTIVE, held_on: dt.date,
            cycles: list[Cycle], actor: Person | None = None) -> LearningSession:
    from auditloop.programme.services import learning_session_create

    return learning_session_create(kind=kind, held_on=held_on, cycles=cycles, actor=actor,
                                   place="Room 2, the Town Hall")
