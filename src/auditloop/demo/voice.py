"""The demo council's complaints and compliments (002): a dozen over the last year, made up
from a few stock phrases, on the register's themes and teams; two name a demo case. Beside
them, families' feedback after closure (000): the cases closed in the last six months wait
for their invitation as a register import would leave them; those closed more than five
weeks ago were invited (most answered from their link, a few by phone or with a worker, some
declined), so the reports have figures and the key workers and team managers still have
recent closures to invite. And an anonymous pulse survey of staff (002), open now, answered
by about two in three. Nothing is real: stock phrases, generated people. Idempotent: each
part is built only when the council has none of its kind yet."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from auditloop.cases.models import Case, Theme
from auditloop.common.errors import DomainError
from auditloop.people.models import Person, Team
from auditloop.voice import closures, services, surveys
from auditloop.voice.models import (
    ClosureFeedbackDue,
    ComplaintCompliment,
    FeedbackInvitation,
    FeedbackResponse,
    QuestionSetVersion,
)
from auditloop.voice.questions import Question
from auditloop.voice.selectors import question_sets_current
from auditloop.voice.survey_models import Survey

K = ComplaintCompliment.Kind
S = ComplaintCompliment.Source
COMPLAINTS = (
    "Calls to the worker were not returned for over a week.",
    "The family were not sent the plan after the review.",
    "A visit was cancelled on the day without a reason.",
    "The child was not seen on their own at the last visit.",
)
COMPLIMENTS = (
    "The worker listened and explained each step of the plan.",
    "The family thanked the team for their support at a hard time.",
    "A partner agency praised how quickly the team shared information.",
)
D = ComplaintCompliment.Decision
OUTCOMES = (
    (D.PARTLY_UPHELD, "The team manager apologised and agreed contact times.",
     "Agree with each family how and when the worker will return calls."),
    (D.NOT_UPHELD, "The plan had been sent; a copy was sent again.",
     "Check the family has the plan at each review."),
)


FAMILY_SET = "000-early-help-service-user-feedback"
STAFF_SET = "staff-pulse-survey"
CLOSURES_SINCE_DAYS = 183  # the closures of the last six months join the waiting list
STILL_WAITING_DAYS = 35  # those of the last five weeks are still to be invited
FAMILY_WORDS = {
    "what_helped": ("Having one worker who knew us and came when they said.",
                    "The parenting group on Thursdays.",
                    "Help to sort out the school transport."),
    "what_could_be_better": ("Tell us sooner who our new worker is.",
                             "Fewer meetings in school hours."),
}
STAFF_WORDS = ("More time for direct work with children.",
               "Keep the reflective group supervision going.",
               "Fewer forms to fill in after each visit.")


def build(rng: random.Random, today: dt.date, count: int = 12) -> int:
    made = _complaints(rng, today, count)
    _closures(rng, today)
    _pulse_survey(rng, today)
    return made


def _answer(q: Question, rng: random.Random, words: tuple[str, ...] = ()) -> str:
    if q.answer == "scale":
        return str(rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 3, 5, 4))[0])
    if q.answer == "yes_no":
        return "yes" if rng.random() < 0.75 else "no"
    return rng.choice(words) if words and rng.random() < 0.5 else ""


def _set(key: str) -> QuestionSetVersion | None:
    if not QuestionSetVersion.objects.exists():
        services.question_sets_load()
    return next((v for v in question_sets_current() if v.key == key), None)


@transaction.atomic
def _closures(rng: random.Random, today: dt.date) -> int:
    """Closed cases waiting for their family's invitation, and the older ones invited and
    answered, each dated a few days after the closure. Returns how many wait."""
    question_set = _set(FAMILY_SET)
    if question_set is None or ClosureFeedbackDue.objects.exists() \
            or FeedbackResponse.objects.exists():
        return 0
    since = today - dt.timedelta(days=CLOSURES_SINCE_DAYS)
    closed = list(Case.objects.filter(status=Case.Status.CLOSED, closed_on__gte=since,
                                      closed_on__lte=today).order_by("closed_on", "pk"))
    closures.closures_scan(case_ids=[c.pk for c in closed])
    cutoff = today - dt.timedelta(days=STILL_WAITING_DAYS)
    waiting = 0
    for due in ClosureFeedbackDue.objects.select_related("case").order_by("closed_on", "pk"):
        if due.closed_on >= cutoff:
            waiting += 1
            continue
        when = dt.datetime.combine(due.closed_on + dt.timedelta(days=rng.randint(2, 10)),
                                   dt.time(10, 30), tzinfo=dt.UTC)
        roll = rng.random()
        if roll < 0.15:
            closures.due_declined(due=due, actor=None)
            ClosureFeedbackDue.objects.filter(pk=due.pk).update(decided_at=when)
            continue
        invitation, _ = services.feedback_invitation_create(
            case=due.case, question_set=question_set, actor=None)
        closures.due_invited(due=due, invitation=invitation, actor=None)
        ClosureFeedbackDue.objects.filter(pk=due.pk).update(decided_at=when)
        FeedbackInvitation.objects.filter(pk=invitation.pk).update(created_at=when)
        if roll > 0.75:  # not answered: the link expires unused
            FeedbackInvitation.objects.filter(pk=invitation.pk).update(
                expires_at=when + dt.timedelta(days=28))
            continue
        answered = when + dt.timedelta(days=rng.randint(1, 14))
        response = _family_answers(rng, due.case, question_set, invitation=invitation)
        FeedbackResponse.objects.filter(pk=response.pk).update(created_at=answered)
        FeedbackInvitation.objects.filter(pk=invitation.pk).update(answered_at=answered)
    # Before the waiting list: a few families called after a random draw, a few with a worker.
    older = Case.objects.filter(status=Case.Status.CLOSED, closed_on__lt=since,
                                closed_on__gte=since - dt.timedelta(days=CLOSURES_SINCE_DAYS))
    for n, case in enumerate(older.order_by("closed_on", "pk")[:10]):
        response = _family_answers(rng, case, question_set, by_phone=n % 3 != 2)
        assert case.closed_on is not None
        FeedbackResponse.objects.filter(pk=response.pk).update(created_at=dt.datetime.combine(
            case.closed_on + dt.timedelta(days=rng.randint(7, 40)), dt.time(14), tzinfo=dt.UTC))
    return waiting


def _family_answers(rng: random.Random, case: Case, question_set: QuestionSetVersion, *,
                    invitation: FeedbackInvitation | None = None,
                    by_phone: bool = False) -> FeedbackResponse:
    answers = {q.key: _answer(q, rng, FAMILY_WORDS.get(q.key, ()))
               for q in question_set.questions}
    interpreter = rng.choices(list(FeedbackResponse.Interpreter.values), weights=(8, 1, 1))[0]
    return services.feedback_record(
        case=case, question_set=question_set, answers=answers, interpreter=interpreter,
        consent_to_quote=rng.random() < 0.6, actor=None, invitation=invitation,
        by_phone=by_phone)


@transaction.atomic
def _pulse_survey(rng: random.Random, today: dt.date) -> Survey | None:
    """An anonymous pulse survey of all staff, opened a fortnight ago by the demo QA manager
    and open for another week; about two in three have answered (not the demo practitioner,
    who can answer it in the demo)."""
    question_set = _set(STAFF_SET)
    if question_set is None or Survey.objects.exists():
        return None
    opener = Person.objects.filter(user__username="demo-qa_manager").first()
    try:
        with transaction.atomic():
            survey = surveys.survey_open(
                actor=opener, name="Pulse survey (demo)", kind=Survey.Kind.PULSE,
                question_set=question_set, opens_on=today - dt.timedelta(days=14),
                closes_on=max(today, timezone.localdate()) + dt.timedelta(days=7),
                anonymous=True, invites=Survey.Invites.ALL_STAFF)
    except DomainError:
        return None  # no staff with a sign-in to invite (a council without the demo's)
    for person in surveys.invited_people(survey).exclude(
            user__username="demo-practitioner").order_by("pk"):
        if rng.random() < 0.67:
            surveys.survey_answer(survey=survey, person=person, answers={
                q.key: _answer(q, rng, STAFF_WORDS) for q in question_set.questions})
    return survey


@transaction.atomic
def _complaints(rng: random.Random, today: dt.date, count: int) -> int:
    if ComplaintCompliment.objects.exists():
        return 0
    themes = list(Theme.objects.order_by("name").values_list("name", flat=True)[:4])
    teams = list(Team.objects.select_related("service").order_by("name")[:6])
    cases = list(Case.objects.filter(status=Case.Status.OPEN).order_by("reference")[:2])
    for n in range(count):
        complaint = n % 3 != 2
        entry = services.complaint_compliment_record(
            actor=None, kind=K.COMPLAINT if complaint else K.COMPLIMENT,
            source=rng.choice([S.PARENT_OR_CARER, S.CHILD, S.PARTNER_AGENCY, S.STAFF]),
            received_on=today - dt.timedelta(days=rng.randint(1, 360)),
            summary=rng.choice(COMPLAINTS if complaint else COMPLIMENTS),
            theme=rng.choice(themes) if themes else "",
            team=rng.choice(teams) if teams else None,
            case=cases[n] if n < len(cases) else None)
        if n % 2 == 0:
            decision, outcome, learning = rng.choice(OUTCOMES) if complaint else (
                "", "The worker and their manager were told.", "")
            services.complaint_compliment_outcome(entry=entry, actor=None, outcome=outcome,
                                                  learning=learning, decision=decision)
    return count
