"""Writes of the practice app: raising, answering and resolving practice alerts, and the
daily escalation of alerts not answered by their date."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from auditloop.actions.services import action_create
from auditloop.cases.models import Case, Involvement
from auditloop.common.dates import gds_date
from auditloop.common.errors import DomainError
from auditloop.notifications.done import about
from auditloop.notifications.services import notify
from auditloop.people.models import Person, Team
from auditloop.people.roles import Role
from auditloop.practice.models import PracticeAlert, PracticeAlertEscalation, TeamLink
from auditloop.standards.selectors import framework_settings_row

logger = logging.getLogger(__name__)
S = PracticeAlert.Status
# What a notice asks (Notification.kind): answer the practice alert it is about.
ANSWER_ALERT = "practice_alert_answer"
# Line managers followed upwards: a council's tree is a handful deep, and a loop in bad data
# must not run for ever.
CHAIN_LIMIT = 12


@dataclass(frozen=True)
class Step:
    number: int
    after_days: int  # days after the date the response was wanted by
    who: str  # in words, for the page and the notice


# The seeds say alerts go to the team manager's tray (002) and are escalated when not
# answered, without saying to whom or when: our choice follows the line above the team
# manager, the service manager the framework's practice_alert_escalation_days after the date
# (1 unless the council changes it), the head of service a week later. Here after_days
# counts from the first step; steps() gives the days after the date.
STEPS = (Step(1, 0, "service manager"), Step(2, 7, "head of service"))


def steps() -> tuple[Step, ...]:
    """The escalation steps with their days after the respond-by date, from the framework."""
    first = framework_settings_row().practice_alert_escalation_days
    return tuple(Step(s.number, first + s.after_days, s.who) for s in STEPS)


def about_alert(alert: PracticeAlert) -> str:
    return about("practice_alert", alert.pk)


def alert_url(alert: PracticeAlert) -> str:
    return reverse("practice:alert_detail", args=[alert.pk])


def may_raise(*, person: Person | None, case: Case) -> bool:
    """IROs and CP Chairs raise alerts on the cases they review or chair now."""
    if person is None or Role.IRO not in person.roles:
        return False
    return Involvement.objects.filter(case=case, person=person, role=Involvement.Role.IRO,
                                      ended_on__isnull=True).exists()


def may_answer(*, alert: PracticeAlert, person: Person | None) -> bool:
    """The team manager whose tray the alert reached, or the case's team manager now."""
    if person is None or not alert.may_become(S.ANSWERED):
        return False
    return person.pk in {alert.team_manager_id, alert.case.team_manager_id}


def may_resolve(*, alert: PracticeAlert, person: Person | None) -> bool:
    return (person is not None and person.pk == alert.raised_by_id
            and alert.may_become(S.RESOLVED))


@transaction.atomic
def practice_alert_raise(*, case: Case, actor: Person, seen: str, theme: str, severity: str,
                         response_wanted: str, respond_by: dt.date) -> PracticeAlert:
    if not may_raise(person=actor, case=case):
        raise DomainError("Only the case's IRO or CP Chair can raise a practice alert on it.")
    if respond_by < timezone.localdate():
        raise DomainError("The date the response is wanted by must be today or later.",
                          field="respond_by")
    tm = case.team_manager
    alert = PracticeAlert.objects.create(
        case=case, raised_by=actor, team_manager=tm, team_id=case.team_id, seen=seen,
        theme=theme, severity=severity, response_wanted=response_wanted,
        respond_by=respond_by)
    if tm is not None:
        notify(recipients=[tm], urgent=severity == PracticeAlert.Severity.URGENT,
               link=alert_url(alert), kind=ANSWER_ALERT, about=about_alert(alert),
               subject="A practice alert needs your response",
               body=(f"An IRO or CP Chair has raised a practice alert on case {case.reference} "
                     f"and wants your response by {gds_date(respond_by)}. Open it to read "
                     "what they saw and answer."))
    else:
        logger.warning("Practice alert %s: case %s has no team manager to tell",
                       alert.pk, case.pk)
    return alert


@transaction.atomic
def practice_alert_answer(*, alert: PracticeAlert, actor: Person, response: str,
                          action_text: str = "", action_due_on: dt.date | None = None,
                          desired_outcome: str = "", success_measure: str = "",
                          ) -> PracticeAlert:
    """The team manager's answer, with the SMART action agreed if there is one (owned by
    the team manager, signed off by them as actions are)."""
    if not may_answer(alert=alert, person=actor):
        raise DomainError("Only the case's team manager can answer this practice alert.")
    if not response.strip():
        raise DomainError("Write your response to the alert.", field="response")
    if action_text.strip():
        if action_due_on is None:
            raise DomainError("Enter the date the action must be done by.",
                              field="action_due_on")
        alert.action = action_create(
            issue=alert.seen, action=action_text, by_whom=actor.full_name, owner=actor,
            due_on=action_due_on, desired_outcome=desired_outcome,
            success_measure=success_measure, sign_off_role=Role.TEAM_MANAGER,
            sign_off_person=actor, created_by=actor)
    alert.response = response
    alert.answered_by = actor
    alert.answered_at = timezone.now()
    alert.workflow.move(alert, to=S.ANSWERED, actor=actor, reason="Answered",
                        also_save=["response", "answered_by", "answered_at", "action"])
    notify(recipients=[alert.raised_by], link=alert_url(alert),
           subject="Your practice alert has been answered",
           body=(f"The team manager has answered your practice alert on case "
                 f"{alert.case.reference}. Read the answer, and mark the alert resolved "
                 "when you are satisfied."))
    return alert


@transaction.atomic
def practice_alert_resolve(*, alert: PracticeAlert, actor: Person,
                           resolution: str = "") -> PracticeAlert:
    if not may_resolve(alert=alert, person=actor):
        raise DomainError("Only the IRO or CP Chair who raised the alert can resolve it, "
                          "once it is answered.")
    alert.resolution = resolution
    alert.resolved_at = timezone.now()
    alert.workflow.move(alert, to=S.RESOLVED, actor=actor, reason=resolution or "Resolved",
                        also_save=["resolution", "resolved_at"])
    return alert


def _chain_above(person: Person | None) -> list[Person]:
    found: list[Person] = []
    seen: set[int] = set()
    for _ in range(CHAIN_LIMIT):
        if person is None or person.line_manager_id is None:
            break
        person = person.line_manager
        if person is None or person.pk in seen:
            break
        seen.add(person.pk)
        found.append(person)
    return found


def step_person(alert: PracticeAlert, step: Step) -> Person | None:
    """Step 1: the first service manager above the team manager (else their line manager);
    step 2: the manager above that one, the head of service."""
    tm = alert.team_manager or alert.case.team_manager
    chain = [p for p in _chain_above(tm) if p.is_active]
    if not chain:
        return None
    first = next((i for i, p in enumerate(chain) if Role.SERVICE_MANAGER in p.roles), 0)
    index = first + step.number - 1
    return chain[index] if index < len(chain) else None


def _escalate(alert_id: int, step: Step, today: dt.date) -> PracticeAlertEscalation | None:
    with transaction.atomic():
        alert = (PracticeAlert.objects.select_for_update(of=("self",))
                 .select_related("case__team_manager", "team_manager").get(pk=alert_id))
        if alert.status != S.RAISED or \
                alert.respond_by + dt.timedelta(days=step.after_days) > today:
            return None
        if alert.escalations.filter(step=step.number).exists():
            return None
        person = step_person(alert, step)
        try:
            with transaction.atomic():
                row = PracticeAlertEscalation.objects.create(
                    alert=alert, step=step.number, escalated_on=today, told=person)
        except IntegrityError:
            return None  # another run took this step a moment ago
        if person is not None:
            notify(recipients=[person], link=alert_url(alert), kind=ANSWER_ALERT,
                   about=about_alert(alert),
                   subject="A practice alert has not been answered in time",
                   body=(f"A practice alert on case {alert.case.reference} wanted the team "
                         f"manager's response by {gds_date(alert.respond_by)} and has not "
                         f"been answered. You are told as the {step.who}: make sure it is "
                         "answered."))
        else:
            logger.warning("Practice alert %s: no %s to tell", alert.pk, step.who)
        return row


def practice_alerts_escalate(*, today: dt.date) -> list[PracticeAlertEscalation]:
    """Take each escalation step now due for every alert still waiting for its answer,
    once per step: running again the same day, or every day after, tells nobody again."""
    taken: list[PracticeAlertEscalation] = []
    due_steps = steps()
    first = due_steps[0].after_days
    waiting = (PracticeAlert.objects.filter(status=S.RAISED,
                                            respond_by__lte=today - dt.timedelta(days=first))
               .prefetch_related("escalations").order_by("respond_by", "pk"))
    for alert in waiting:
        done = {e.step for e in alert.escalations.all()}
        for step in due_steps:
            if step.number in done:
                continue
            if alert.respond_by + dt.timedelta(days=step.after_days) > today:
                break
            row = _escalate(alert.pk, step, today)
            if row is not None:
                taken.append(row)
    return taken


@transaction.atomic
def team_link_set(*, person: Person, team: Team, actor: Person | None) -> TeamLink:
    """Give an IRO or CP Chair their team link (002), ending the one they had: the earlier
    link stays on record with the day it ended."""
    if Role.IRO not in person.roles:
        raise DomainError("Only IROs and CP Chairs have a team link.", field="person")
    today = timezone.localdate()
    current = TeamLink.objects.select_for_update().filter(person=person,
                                                          ended_on__isnull=True).first()
    if current is not None:
        if current.team_id == team.pk:
            return current
        current.ended_on = today
        current.save(update_fields=["ended_on", "updated_at"])
    return TeamLink.objects.create(person=person, team=team, assigned_by=actor,
                                   started_on=today)
