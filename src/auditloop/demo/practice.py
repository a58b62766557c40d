"""The demo council's practice alerts: the demo IRO reviews or chairs at least one open case
of the demo team manager, so the demo can show an alert raised and answered between them,
and links with that team manager's team (002's team link). Beside them, this year's
observations of practice (002): most practitioners observed in direct work by their line
manager in the spring, some again in the autumn, several with their reply; team managers
observed in supervision; senior leaders' observations in October's Practice Week. The demo
practitioner has one observation recorded and replied to, and is due their second. And a
year of practice alerts the IROs raised before this month, each answered by the case's team
manager and resolved, so the reports' alert figures and chart have a history (none this
month, none open: the demo's own alert starts the month). Idempotent: observations and
alerts are built only when the council has none of them."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from auditloop.cases.models import Case, Involvement
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.people.selectors import people_with_roles
from auditloop.practice import observations as obs
from auditloop.practice import services
from auditloop.practice.models import Observation, ObservationToolVersion, PracticeAlert, TeamLink

IRO = Involvement.Role.IRO


def build(today: dt.date) -> Case | None:
    case = _alerts(today)
    _observations(today)
    _past_alerts(today)
    return case


@transaction.atomic
def _alerts(today: dt.date) -> Case | None:
    iro = Person.objects.filter(user__username="demo-iro", user__is_demo=True).first()
    tm = Person.objects.filter(user__username="demo-team_manager", user__is_demo=True).first()
    if iro is None or tm is None:
        return None
    if tm.team_id is not None:
        TeamLink.objects.get_or_create(person=iro, ended_on=None,
                                       defaults={"team_id": tm.team_id, "started_on": today})
    cases = Case.objects.filter(team_manager=tm, status=Case.Status.OPEN).order_by("reference")
    chaired = cases.filter(involvements__person=iro, involvements__role=IRO,
                           involvements__ended_on__isnull=True).first()
    if chaired is not None:
        return chaired
    # Hand over a case another IRO or CP Chair reviews now; else any open case of the team.
    case = (cases.filter(involvements__role=IRO, involvements__ended_on__isnull=True).first()
            or cases.first())
    if case is None:
        return None
    start = today - dt.timedelta(days=30)
    for row in Involvement.objects.filter(case=case, role=IRO, ended_on__isnull=True):
        row.ended_on = max(row.started_on, start - dt.timedelta(days=1))
        row.save(update_fields=["ended_on", "updated_at"])
    Involvement.objects.get_or_create(case=case, person=iro, role=IRO, started_on=start)
    return case


K = Observation.Kind
STRENGTHS = ("Warm, unhurried conversation; the child chose where to sit and what to talk "
             "about first.",
             "Explained the plan in plain words and checked the family understood it.",
             "Clear, reflective supervision that kept the child at the centre.")
TO_DEVELOP = ("Record the child's own words in the visit notes.",
              "Agree the next steps with the family before leaving.", "")
FEEDBACK = ("Talked it through the same afternoon; agreed to share the approach at the team "
            "meeting.",)
REPLIES = ("Thank you: I will use the same approach at my next visits.",
           "Useful feedback. I have booked time to update the plan with the family.")


def _recorded(rng: random.Random, observation: Observation, observer: Person,
              day: dt.date, *, reply: bool) -> None:
    tool = obs.tool_for(observation.kind)
    answers: dict[str, object] = {}
    for q in tool.questions if tool is not None else ():
        answers[q.key] = (rng.choice((2, 3, 3, 4, 4)) if q.answer == "scale"
                          else "yes" if q.answer == "yes_no" else "")
    obs.observation_record(
        observation=observation, actor=observer, observed_on=day, answers=answers,
        strengths=rng.choice(STRENGTHS), areas_to_develop=rng.choice(TO_DEVELOP),
        feedback_given=FEEDBACK[0], themes=rng.sample(obs.Theme.values[:5], 2))
    at = dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC)
    Observation.objects.filter(pk=observation.pk).update(recorded_at=at)
    if reply:
        obs.observation_reply(observation=observation, actor=observation.observed,
                              reply=rng.choice(REPLIES))
        Observation.objects.filter(pk=observation.pk).update(
            replied_at=at + dt.timedelta(days=2))


@transaction.atomic
def _observations(today: dt.date) -> int:
    if Observation.objects.exists():
        return 0
    if not ObservationToolVersion.objects.exists():
        obs.tools_load()
    rng = random.Random(today.toordinal())
    planner = Person.objects.filter(user__username="demo-qa_manager").first()
    demo_practitioner = Person.objects.filter(user__username="demo-practitioner").first()
    staff = list(people_with_roles().filter(is_active=True, agency="", line_manager__isnull=False)
                 .select_related("line_manager").order_by("pk"))
    spring = dt.date(today.year, 3, 10)
    autumn = dt.date(today.year, 9, 15)
    made = 0
    for n, person in enumerate(staff):
        manager = person.line_manager
        if manager is None or planner is None:
            continue
        demo = demo_practitioner is not None and person.pk == demo_practitioner.pk
        if Role.TEAM_MANAGER in person.roles:
            kind = K.SUPERVISION
        elif Role.PRACTITIONER in person.roles:
            kind = K.DIRECT_WORK
        else:
            continue
        days = [spring + dt.timedelta(days=n % 40)]
        if not demo and n % 2 == 0:
            days.append(autumn + dt.timedelta(days=n % 30))
        for m, day in enumerate(d for d in days if d <= today):
            observation = obs.observation_plan(
                actor=planner, observed=person, observer=manager,
                kind=kind if m == 0 or n % 4 else K.TEAM_MEETING, planned_for=day,
                qa_team=True)
            if n % 7 == 3 and m == len(days) - 1:
                continue  # planned, not recorded yet
            _recorded(rng, observation, manager, day, reply=demo or n % 3 == 0)
            made += 1
    # Practice Week: senior leaders observe practitioners across the service in October.
    year = today.year if today.month > 10 else today.year - 1
    leaders = [p for p in people_with_roles().filter(is_active=True).order_by("pk")
               if p.roles & obs.SENIOR_LEADER_ROLES][:3]
    practitioners = [p for p in staff if Role.PRACTITIONER in p.roles]
    for n, leader in enumerate(leaders):
        observed = next((p for p in practitioners[n * 3:] if p.pk != leader.pk), None)
        if observed is None or planner is None:
            continue
        day = dt.date(year, 10, 6 + n)
        observation = obs.observation_plan(
            actor=planner, observed=observed, observer=leader, kind=K.DIRECT_WORK,
            planned_for=day, purpose=Observation.Purpose.PRACTICE_WEEK, qa_team=True)
        _recorded(rng, observation, leader, day, reply=n == 0)
        made += 1
    return made


SEEN = (
    (PracticeAlert.Theme.DRIFT, "No visit recorded for seven weeks; the plan's dates have "
                                "passed."),
    (PracticeAlert.Theme.PLANNING, "The plan has no outcomes the family could measure."),
    (PracticeAlert.Theme.CHILD_SEEN, "The child has not been seen alone since the review."),
    (PracticeAlert.Theme.OVERSIGHT, "No management oversight recorded after the strategy "
                                    "meeting."),
    (PracticeAlert.Theme.RECORDING, "The chronology stops in the spring."),
)
ANSWERS = ("Visit booked this week; the plan is being updated with the family.",
           "Discussed in supervision; the worker will see the child alone on Friday.")


@transaction.atomic
def _past_alerts(today: dt.date, months: int = 11) -> int:
    """A practice alert or two in each of the months before this one, on open cases an IRO
    reviews now, answered a few days later and resolved."""
    if PracticeAlert.objects.exists():
        return 0
    rows = list(Involvement.objects.filter(
        role=IRO, ended_on__isnull=True, case__status=Case.Status.OPEN,
        case__team_manager__isnull=False, person__is_active=True,
    ).select_related("case", "case__team_manager", "person").order_by("case__reference"))
    if not rows:
        return 0
    rng = random.Random(today.toordinal() + 1)
    this_month = today.replace(day=1)
    made = 0
    for back in range(months, 0, -1):
        month = (this_month - dt.timedelta(days=28 * back)).replace(day=1)
        for _ in range(rng.choice((1, 1, 2))):
            row = rng.choice(rows)
            theme, seen = rng.choice(SEEN)
            severity = rng.choices(list(PracticeAlert.Severity.values), weights=(6, 3, 1))[0]
            alert = services.practice_alert_raise(
                case=row.case, actor=row.person, seen=seen, theme=theme, severity=severity,
                response_wanted="Tell me what will happen and by when.",
                respond_by=timezone.localdate() + dt.timedelta(days=10))
            tm = row.case.team_manager
            assert tm is not None
            services.practice_alert_answer(alert=alert, actor=tm, response=rng.choice(ANSWERS))
            services.practice_alert_resolve(alert=alert, actor=row.person,
                                            resolution="The visit happened; plan updated.")
            day = dt.datetime.combine(month + dt.timedelta(days=rng.randint(0, 20)),
                                      dt.time(11), tzinfo=dt.UTC)
            PracticeAlert.objects.filter(pk=alert.pk).update(
                created_at=day, respond_by=(day + dt.timedelta(days=10)).date(),
                answered_at=day + dt.timedelta(days=rng.randint(2, 9)),
                resolved_at=day + dt.timedelta(days=12))
            made += 1
    return made
