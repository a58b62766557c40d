"""Closing the loop's pages for the role matrix (tests/common/test_role_matrix.py): who may
open each, and the URL arguments of objects the signed-in person has nothing to do with.

Revisits and learning sessions are run by those who run the cycle; the loop views are read
by them and by everyone who reads QA reports; every signed-in person has a list of the
sessions they are invited to. A stranger's session is read only by runners and readers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditloop.people.roles import ROLE_CAPABILITIES, Capability, Role
from auditloop.programme.models import (
    Cycle,
    CycleCase,
    LearningImprovement,
    LearningSession,
    ThemeRevisit,
)
from tests.factories import PersonFactory, finish_audit, make_audit

R = Role
ALL = frozenset(Role)
RUNNERS = frozenset(r for r, caps in ROLE_CAPABILITIES.items() if Capability.RUN_CYCLE in caps)
READERS = frozenset(r for r, caps in ROLE_CAPABILITIES.items()
                    if Capability.RUN_CYCLE in caps or Capability.VIEW_REPORTS in caps)

LOOP_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    "programme:revisit_list": ("get", RUNNERS),
    "programme:revisit_detail": ("get", RUNNERS),
    "programme:revisit_start": ("post", RUNNERS),
    "programme:revisit_postpone": ("get", RUNNERS),
    "programme:revisit_cancel": ("get", RUNNERS),
    "programme:loop_index": ("get", READERS),
    "programme:loop_theme": ("get", READERS),
    "programme:loop_plan": ("get", READERS),
    # Everyone sees the sessions they are invited to (an empty list for most).
    "programme:learning_list": ("get", ALL),
    "programme:learning_new": ("get", RUNNERS),
    "programme:learning_detail": ("get", READERS),
    "programme:learning_record": ("get", RUNNERS),
    "programme:learning_attendance": ("post", RUNNERS),
    "programme:learning_improvement_add": ("post", RUNNERS),
    "programme:learning_improvement_finding": ("get", RUNNERS),
    "programme:learning_improvement_plan": ("get", RUNNERS),
}


def loop_world() -> dict[str, dict[str, Any]]:
    from auditloop.actions.services import action_plan_create

    stranger = PersonFactory()
    cycle = Cycle.objects.create(
        kind=Cycle.Kind.THEMATIC, name="Thematic audit of neglect", year=2025,
        theme="Neglect", status=Cycle.Status.CLOSED, period_start=dt.date(2025, 9, 1),
        period_end=dt.date(2025, 9, 30), audit_starts_on=dt.date(2025, 9, 1),
        audits_due_on=dt.date(2025, 9, 30))
    audit = finish_audit(make_audit(auditors=[stranger]), to="discussed")
    CycleCase.objects.create(cycle=cycle, case=audit.case, source=CycleCase.Source.RANDOM,
                             reason="Chosen at random", status=CycleCase.Status.CONFIRMED,
                             audit=audit)
    revisit = ThemeRevisit.objects.create(cycle=cycle, theme="Neglect", months=6,
                                          due_on=dt.date(2026, 3, 31))
    session = LearningSession.objects.create(kind=LearningSession.Kind.REFLECTIVE,
                                             held_on=dt.date(2025, 10, 14), place="Room 2")
    session.cycles.set([cycle])
    improvement = LearningImprovement.objects.create(session=session,
                                                     text="Record oversight monthly")
    plan = action_plan_create(title="Neglect: chronologies", recommendation="Chronologies",
                              source="qa_meeting", source_label="QA meeting", theme="Neglect",
                              strategic_lead=PersonFactory(roles=[R.STRATEGIC_LEAD]),
                              actor=None)
    r = {"revisit_id": revisit.pk}
    s = {"session_id": session.pk}
    i = {**s, "improvement_id": improvement.pk}
    return {
        **{f"programme:revisit_{n}": r for n in ("detail", "start", "postpone", "cancel")},
        "programme:loop_theme": {"theme_slug": "neglect"},
        "programme:loop_plan": {"plan_id": plan.pk},
        **{f"programme:learning_{n}": s for n in ("detail", "record", "attendance",
                                                   "improvement_add")},
        "programme:learning_improvement_finding": i,
        "programme:learning_improvement_plan": i,
    }
