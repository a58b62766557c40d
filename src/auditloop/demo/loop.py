"""The demo council's closing of the loop, on top of its audit history (demo/history.py):
a themed cycle more than six months back whose revisit has been done (so its before and
after shows), a revisit due now, one coming up, a past reflective learning session with its
record and attendance, and an upcoming post-audit briefing.

Idempotent: a council that already has revisits of demo cycles is left alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from auditloop.audits import services as audit_services
from auditloop.audits.models import Audit
from auditloop.common.errors import DomainError
from auditloop.demo import trends
from auditloop.demo.history import _answer_everything, _auditors, _date_back, _involved
from auditloop.demo.structure import DEMO_SOURCE
from auditloop.programme import loop
from auditloop.programme.models import (
    Cycle,
    CycleCase,
    LearningSession,
    RevisitCase,
    ThemeRevisit,
    ThemeRevisitEvent,
)
from auditloop.programme.services import (
    learning_attendance_record,
    learning_improvement_add,
    learning_session_create,
    learning_session_record,
    revisit_schedule,
    revisit_start,
)
from auditloop.standards.selectors import framework_settings_row

# (demo) themes given to history cycles that have none, oldest first. Not neglect: its own
# monthly thematic audit tells its story (trends.py), which a revisit's grades would blur.
DEMO_THEMES = ("Domestic abuse", "Mental health", "Exploitation", "Missing")


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _demo_cycles() -> list[Cycle]:
    return list(Cycle.objects.filter(kind=Cycle.Kind.MONTHLY,
                                     cases__case__source=DEMO_SOURCE,
                                     status__in=Cycle.workflow.groups["reviewed_or_later"])
                .distinct().order_by("period_start"))


def _months_back(cycle: Cycle, today: dt.date) -> int:
    return (today.year - cycle.period_start.year) * 12 + today.month - cycle.period_start.month


def _themed(cycle: Cycle, theme: str) -> Cycle:
    if not cycle.theme:
        Cycle.objects.filter(pk=cycle.pk).update(
            theme=theme, theme_source=Cycle.ThemeSource.CHOSEN,
            theme_reason="Chosen by the QA manager (demo)")
        cycle.refresh_from_db()
    return cycle


def _later_grade(rng: random.Random, levels: list[str], before: str) -> str:
    """Six months on, practice has mostly moved up a step (demo)."""
    at = levels.index(before) if before in levels else len(levels) - 1
    r = rng.random()
    step = -1 if r < 0.6 else (0 if r < 0.9 else 1)
    return levels[max(0, min(len(levels) - 1, at + step))]


def _complete_revisit(rng: random.Random, revisit: ThemeRevisit, on_cycle: Cycle | None,
                      started: dt.date) -> int:
    """Allocate and submit each revisit audit, as last month's cycle would have."""
    auditors = _auditors()
    stuck = trends.stuck_team()
    stuck_id = stuck.pk if stuck else None
    done = 0
    for rc in RevisitCase.objects.filter(revisit=revisit, revisit_audit__isnull=False) \
            .select_related("revisit_audit__case", "earlier_audit"):
        audit = rc.revisit_audit
        assert audit is not None
        free = [p for p in auditors if p.pk not in _involved(audit.case)]
        if not free:
            continue
        auditor = rng.choice(free)
        due = on_cycle.audits_due_on if on_cycle else started + dt.timedelta(days=21)
        audit_services.audit_allocate(audit=audit, auditors=[auditor], actor=None, due_on=due)
        audit.refresh_from_db()
        levels = list(loop.scales_for([audit.tool_version_id])[audit.tool_version_id].keys)
        before = rc.earlier_audit.final_grade or rc.earlier_audit.overall_grade
        # The team that stays not yet good has not moved on either (trends.py).
        later = (trends.stuck_grade(rng, levels) if audit.case.team_id == stuck_id
                 else _later_grade(rng, levels, before))
        _answer_everything(audit, auditor, rng, later)
        audit_services.audit_submit(audit=audit, actor=auditor)
        audit.refresh_from_db()
        for to in (Audit.Status.DISCUSSED, Audit.Status.FEEDBACK_SENT):
            audit_services.transition(audit=audit, actor=None, to=to, reason="Demo revisit")
        if on_cycle is not None:
            last = CycleCase.objects.filter(cycle=on_cycle).count()
            CycleCase.objects.create(
                cycle=on_cycle, case=audit.case, source=CycleCase.Source.PLANNED,
                reason=f"Revisit of {revisit.theme} due: planned", planned_audit=audit,
                audit=audit, status=CycleCase.Status.CONFIRMED, position=last + 1)
        submitted = min(due, started + dt.timedelta(days=rng.randint(10, 20)))
        _date_back(audit, _aware(started), _aware(submitted))
        done += 1
    return done


def _sessions(rng: random.Random, today: dt.date, cycles: list[Cycle]) -> None:
    enabled = {k for k, name in (("reflective_session", "monthly_learning_session"),
                                 ("post_audit_briefing", "post_audit_briefing"))
               if getattr(framework_settings_row(), name)}
    if len(cycles) >= 2 and "reflective_session" in enabled:
        held = today - dt.timedelta(days=rng.randint(12, 20))
        covered = loop.default_cycles(on=held, choices=cycles) or [cycles[-2]]
        try:
            past = learning_session_create(
                kind=LearningSession.Kind.REFLECTIVE, held_on=held, cycles=covered,
                actor=None, starts_at=dt.time(13, 30), place="Committee room 1, Town Hall")
        except DomainError:
            past = None
        if past is not None:
            learning_session_record(
                session=past, actor=None, today=held,
                outcomes_summary="Most cases were graded requires improvement; plans were "
                                 "clearer where the family's views were recorded.",
                good_practice="Direct work with children recorded in their own words; "
                              "timely reviews of plans in the early help teams.",
                insight="Key workers said the learning conversation helped them reflect; "
                        "managers asked for more notice of the audit period.")
            invited = list(past.invitations.values_list("person_id", flat=True))
            came = [pk for pk in invited if rng.random() < 0.7]
            learning_attendance_record(session=past, actor=None, attended_ids=came,
                                       today=held)
            learning_improvement_add(
                session=past, actor=None, today=held,
                text="Team managers record management oversight on the case file monthly.")
            learning_improvement_add(
                session=past, actor=None, today=held,
                text="A practice workshop on chronologies for every team in the next quarter.")
    if cycles and "post_audit_briefing" in enabled:
        with contextlib.suppress(DomainError):
            learning_session_create(
                kind=LearningSession.Kind.BRIEFING, held_on=today + dt.timedelta(days=9),
                cycles=[cycles[-1]], actor=None, starts_at=dt.time(10, 0),
                online_link="https://meet.example.org/post-audit-briefing")


@transaction.atomic
def build(rng: random.Random, today: dt.date) -> None:
    """Revisits and learning sessions for the demo council's history (see the module)."""
    cycles = _demo_cycles()
    if not cycles or ThemeRevisit.objects.filter(cycle__in=cycles).exists():
        return
    if framework_settings_row().closing_loop_revisit_months is not None:
        months = framework_settings_row().closing_loop_revisit_months or 6
        # The oldest cycle whose revisit fell due before last month: revisited last month.
        last_month = cycles[-1]
        old = [c for c in cycles if loop.revisit_due_on(c.period_end, months)
               < last_month.period_start]
        themes = iter(DEMO_THEMES)
        if old:
            done_cycle = _themed(old[-1], next(themes))
            revisit = revisit_schedule(cycle=done_cycle, actor=None)
            if revisit is not None:
                started = max(revisit.due_on, last_month.period_start)
                revisit_start(revisit=revisit, actor=None, today=started)
                _complete_revisit(rng, revisit, last_month, started)
                ThemeRevisit.objects.filter(pk=revisit.pk).update(started_at=_aware(started))
                events = ThemeRevisitEvent.objects.filter(revisit=revisit)
                events.filter(kind=ThemeRevisitEvent.Kind.SCHEDULED).update(
                    at=_aware(done_cycle.period_end + dt.timedelta(days=3)))
                events.exclude(kind=ThemeRevisitEvent.Kind.SCHEDULED).update(
                    at=_aware(started))
        due_now = [c for c in cycles if c not in old
                   and loop.revisit_due_on(c.period_end, months) <= today]
        if due_now:
            revisit_schedule(cycle=_themed(due_now[0], next(themes)), actor=None)
        coming = [c for c in cycles if loop.revisit_due_on(c.period_end, months) > today
                  and _months_back(c, today) >= 4]
        if coming:
            revisit_schedule(cycle=_themed(coming[0], next(themes)), actor=None)
    _sessions(rng, today, cycles)


@transaction.atomic
def remove() -> int:
    """Remove the loop made for the demo council: the revisits of its cycles and the learning
    sessions on them or with its staff invited (the revisit audits go with its audits)."""
    from auditloop.demo.structure import STAFF_PREFIX

    cycles = Cycle.objects.filter(cases__case__source=DEMO_SOURCE).distinct()
    sessions = LearningSession.objects.filter(
        pk__in=LearningSession.objects.filter(cycles__in=cycles).values("pk").union(
            LearningSession.objects.filter(
                invitations__person__staff_number__startswith=STAFF_PREFIX).values("pk")))
    removed = int(sessions.delete()[0])
    return removed + int(ThemeRevisit.objects.filter(cycle__in=cycles).delete()[0])
