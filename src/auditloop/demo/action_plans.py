"""The demo council's action plans and findings: recommendations from its QA meetings,
thematic audits, moderation and annual report, led by its strategic leads, with SMART
actions at every RAG, a history of quarterly reviews (one overdue), a closed plan, and
findings tagged for the training plan, service gaps, policy and supervision.

Made through the action plan services, then dated back, like the audit history. Rerunning
it on a council that has them does nothing. The council's own framework may set no review
cadence (preset 002): the demo then gives each review the quarterly date 004 uses.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from auditloop.actions import services
from auditloop.actions.models import (
    Action,
    ActionEvent,
    ActionOwner,
    ActionPlan,
    ActionPlanEvent,
    ActionPlanLead,
    ActionPlanReview,
    Finding,
)
from auditloop.common.dates import add_months
from auditloop.demo import trends
from auditloop.demo.casework import THEMES
from auditloop.demo.structure import STAFF_PREFIX
from auditloop.people.models import Person
from auditloop.people.roles import Role

KEY = "demo:"  # the source_key prefix of everything made here
QUARTER = 3  # 004 6.1: quarterly QA meetings monitor the plans


@dataclass
class Made:
    plans: list[ActionPlan] = field(default_factory=list)
    actions: int = 0
    reviews: int = 0
    findings: int = 0


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _sign_in(role: str) -> Person | None:
    return (Person.objects.filter(user__username=f"demo-{role}", is_active=True)
            .prefetch_related("role_rows", "job_title__role_rows").first())


def _with_role(role: str, rng: random.Random, n: int) -> list[Person]:
    people = list(Person.objects.filter(
        Q(role_rows__role=role) | Q(job_title__role_rows__role=role),
        staff_number__startswith=STAFF_PREFIX, is_active=True).distinct().order_by("id")[:60])
    rng.shuffle(people)
    return people[:n]


def _date_back(plan: ActionPlan, made_on: dt.date) -> None:
    when = _aware(made_on)
    ActionPlan.objects.filter(pk=plan.pk).update(created_at=when, updated_at=when)
    ActionPlanLead.objects.filter(plan=plan).update(assigned_at=when)
    ActionPlanEvent.objects.filter(plan=plan).update(at=when)
    plan.created_at = when


def _last_event_on(plan: ActionPlan, day: dt.date) -> None:
    last = ActionPlanEvent.objects.filter(plan=plan).order_by("-id").first()
    if last is not None:
        ActionPlanEvent.objects.filter(pk=last.pk).update(at=_aware(day, 11))


# (title, recommendation, source, source label, theme index or None, lead role,
#  months ago made, reviews: [(months ago, rag, progress, changes)], actions: [(action, rag,
#  due in days from today)], closed months ago or None)
PLANS = [
    ("Management oversight on Early Help files",
     "Team managers make their oversight and direction visible on every Early Help file, "
     "at each supervision.",
     ActionPlan.Source.QA_MEETING, "QA meeting", None, Role.STRATEGIC_LEAD, 5,
     [(2, "amber", "Oversight now recorded in two of the three Early Help teams.",
       "March audits found oversight on 6 of 10 files, up from 3.")],
     [("Add a management oversight box to the Early Help supervision template", "green", 20),
      ("Team managers record oversight at each supervision", "amber", 40),
      ("Practice workshop on recording direction for team managers", "red", -10)],
     None),
    ("Hearing the child's voice in plans",
     "Plans record the child's words and wishes, and show what changed because of them.",
     ActionPlan.Source.THEMATIC_AUDIT, "Thematic audit", 1, Role.STRATEGIC_LEAD, 4, [],
     [("Learning set on direct work tools with the Principal Social Worker", "amber", 30),
      ("Add 'what the child said' to the plan template", "red", 60)],
     None),
    ("Consistent grading across auditors",
     "Auditors' grades agree with the moderation panel's more often: calibrate, mentor and "
     "shadow.",
     ActionPlan.Source.MODERATION, "Moderation review", None, Role.ASSISTANT_DIRECTOR, 7,
     [(4, "red", "The calibration exercise has not been held yet.", ""),
      (1, "amber", "Calibration held; two auditors paired with mentors.",
       "Agreement on the overall grade rose from 58% to 71% over the quarter.")],
     [("Hold a calibration exercise on one anonymised case", "green", 15),
      ("Pair each auditor often moved by moderation with a mentor", "amber", 45)],
     None),
    ("Use of the graded care profile in neglect cases",
     "Workers use the graded care profile in every neglect assessment and review it at each "
     "core group.",
     # The plan the neglect theme's audits improve after (trends.py).
     ActionPlan.Source.REPORT, "Annual QA report", THEMES.index(trends.IMPROVING_THEME),
     Role.DIRECTOR, trends.THEME_PLAN_MONTHS_AGO,
     [(7, "amber", "Training booked for all CIN and CP teams.", ""),
      (4, "green", "Every team trained; the profile is on 9 of 10 neglect files audited.",
       "The neglect re-audit moved four cases from requires improvement to good.")],
     [("Graded care profile training for every CIN and CP team", "green", 10),
      ("Add the profile to the neglect assessment checklist", "green", 25)],
     3),
]

FINDINGS = [
    ("Practitioners are unsure how to use the graded care profile with families.",
     ["training_need"], ActionPlan.Source.QA_MEETING, 0, 3),
    ("New team managers have had no training in recording management oversight.",
     ["training_need", "supervision"], ActionPlan.Source.QA_MEETING, None, 0),
    ("Supervision notes rarely record reflection on the child's lived experience.",
     ["supervision"], ActionPlan.Source.THEMATIC_AUDIT, 1, 1),
    ("There is no local service for young carers aged under eight.",
     ["service_gap"], ActionPlan.Source.THEMATIC_AUDIT, 2, None),
    ("The step-down procedure does not say who calls the family after transfer.",
     ["policy"], ActionPlan.Source.QA_MEETING, None, None),
    ("Auditors grade 'requires improvement' differently when the plan is out of date.",
     ["training_need", "policy"], ActionPlan.Source.MODERATION, None, 2),
    ("Waiting times for child and adolescent mental health assessments delay plans.",
     ["service_gap"], ActionPlan.Source.LEARNING_SESSION, 3, None),
    ("Workers want training on exploitation risk assessment tools.",
     ["training_need"], ActionPlan.Source.LEARNING_SESSION, 4, None),
]


@transaction.atomic
def build(rng: random.Random, today: dt.date) -> Made:
    """Make the demo's plans and findings, unless the council has them already."""
    made = Made()
    if ActionPlan.objects.filter(source_key__startswith=KEY).exists():
        return made
    qa = _sign_in(Role.HEAD_OF_QA) or _sign_in(Role.QA_MANAGER)
    if qa is None:
        return made
    owners = _with_role(Role.SERVICE_MANAGER, rng, 4) + _with_role(Role.TEAM_MANAGER, rng, 4)
    plans: list[ActionPlan] = []
    for n, (title, recommendation, source, label, theme, lead_role, months, reviews,
            actions, closed) in enumerate(PLANS):
        lead = _sign_in(lead_role)
        if lead is None or not services.may_lead_plans(lead):
            continue
        made_on = add_months(today, -months)
        plan = services.action_plan_create(
            title=title, recommendation=recommendation, source=source,
            source_label=f"{label}, {made_on:%B %Y}", source_key=f"{KEY}plan:{n}",
            theme=THEMES[theme] if theme is not None else "", strategic_lead=lead, actor=qa)
        _date_back(plan, made_on)
        for text, rag, due_in in actions:
            owner = owners[made.actions % len(owners)] if owners else lead
            action = services.action_plan_action_add(
                plan=plan, actor=lead, issue=recommendation, action=text,
                by_whom=f"{owner.full_name} and their teams", owner=owner,
                # The service takes no date in the past; the demo dates the action back
                # below, so a history made for an earlier reference date builds as well.
                due_on=max(today + dt.timedelta(days=max(due_in, 0)), timezone.localdate()),
                desired_outcome="Practice changes as the recommendation asks",
                success_measure="The next audit of the theme shows it on the files")
            _work(action, owner=owner, rag=rag)
            Action.objects.filter(pk=action.pk).update(
                due_on=today + dt.timedelta(days=due_in),
                created_at=_aware(made_on + dt.timedelta(days=7)))
            ActionOwner.objects.filter(action=action).update(
                assigned_at=_aware(made_on + dt.timedelta(days=7)))
            _last_event_on(plan, made_on + dt.timedelta(days=7))
            made.actions += 1
        next_on = add_months(made_on, QUARTER)
        for months_ago, rag, progress, changes in reviews:
            day = add_months(today, -months_ago)
            review = services.action_plan_review_record(
                plan=plan, actor=qa, reviewed_on=day, rag=rag, progress=progress,
                changes=changes, next_review_on=add_months(day, QUARTER))
            ActionPlanReview.objects.filter(pk=review.pk).update(recorded_at=_aware(day, 15))
            _last_event_on(plan, day)
            next_on = add_months(day, QUARTER)
            made.reviews += 1
        ActionPlan.objects.filter(pk=plan.pk).update(next_review_on=next_on)
        if closed is not None:
            day = add_months(today, -closed)
            services.action_plan_close(
                plan=plan, actor=lead, summary="Every action is done and the re-audit of "
                "neglect cases shows the graded care profile in use.")
            ActionPlan.objects.filter(pk=plan.pk).update(closed_at=_aware(day, 16))
            _last_event_on(plan, day)
        plans.append(plan)
    made.plans = plans
    for i, (text, tags, source, theme, plan_index) in enumerate(FINDINGS):
        addressed = (plans[plan_index] if plan_index is not None and plan_index < len(plans)
                     else None)
        finding = services.finding_create(
            text=text, tags=tags, source=source, source_label=f"{source.label}, demo",
            source_key=f"{KEY}finding:{i}", theme=THEMES[theme] if theme is not None else "",
            actor=qa, plan=addressed)
        recorded = _aware(today - dt.timedelta(days=20 + 23 * i + rng.randint(0, 9)))
        Finding.objects.filter(pk=finding.pk).update(created_at=recorded, updated_at=recorded)
        made.findings += 1
    return made


def _work(action: Action, *, owner: Person, rag: str) -> None:
    """Move an action to its RAG as its owner and signer would."""
    if rag == Action.Status.RED:
        return
    if rag == Action.Status.AMBER:
        services.action_set_progress(action=action, actor=owner, status=rag,
                                     note="Started: dates booked with the teams.")
        return
    services.action_submit_for_sign_off(action=action, actor=owner,
                                        evidence="Done: see the team meeting minutes.")
    signer = action.sign_off_person or _sign_in(Role.HEAD_OF_QA)
    if signer is not None:
        services.action_sign_off(action=action, actor=signer, note="Seen and agreed.")
    ActionEvent.objects.filter(action=action).update(at=action.created_at)


def remove() -> int:
    """Remove the demo's plans and findings, and any plan or finding that the council's demo
    staff made or led (their people are about to go)."""
    demo_staff = Person.objects.filter(staff_number__startswith=STAFF_PREFIX)
    plans = ActionPlan.objects.filter(
        Q(source_key__startswith=KEY) | Q(lead_rows__person__in=demo_staff)
        | Q(created_by__in=demo_staff) | Q(closed_by__in=demo_staff)
        | Q(reviews__reviewed_by__in=demo_staff)).distinct()
    plan_ids = list(plans.values_list("pk", flat=True))
    action_ids = list(Action.objects.filter(plan_link__plan_id__in=plan_ids)
                      .values_list("pk", flat=True))
    removed = Finding.objects.filter(
        Q(source_key__startswith=KEY) | Q(created_by__in=demo_staff)
        | Q(plan_id__in=plan_ids)).delete()[0]
    removed += ActionPlan.objects.filter(pk__in=plan_ids).delete()[0]
    removed += Action.objects.filter(pk__in=action_ids).delete()[0]
    return int(removed)
