"""Staff surveys and feedback on the audit process (002): who is invited, answering once,
anonymity, and the results with counts and 95% Wilson intervals.

002: "Feedback will be gathered through the annual survey from our teams and managers and
from the conversations that accompany each audit"; "a briefing will be delivered to all those
involved in the previous months audits to allow feedback on the audit process to be
obtained". 000 names staff surveys among its quality assurance activities.

Anonymity: an anonymous survey's answer rows keep no person, user, audit or time (see
survey_models.py); results by team, service or role hide every group with fewer answers than
the framework's threshold, and one more group where hiding a single group would let it be
worked out from the total."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from auditloop.audits.models import Audit, AuditAssignment
from auditloop.common.attention import AttentionItem, AttentionPanel
from auditloop.common.dates import gds_date
from auditloop.common.errors import DomainError
from auditloop.common.statistics import Proportion, wilson
from auditloop.notifications.models import Notification
from auditloop.people.models import Person, Service, Team
from auditloop.people.roles import Role
from auditloop.voice.models import QuestionSetVersion
from auditloop.voice.questions import Question
from auditloop.voice.survey_models import (
    AuditProcessParticipation,
    AuditProcessResponse,
    Survey,
    SurveyParticipation,
    SurveyResponse,
)

STAFF = "staff"
AUDIT_PROCESS = "audit_process"
AUDIT_PROCESS_SET = "audit-process-feedback"
HIDDEN = "Fewer than {n} answers: not shown to keep answers anonymous"
# Our choice, not the seed's: feedback on an audit is asked for within three months of it.
AUDIT_FEEDBACK_DAYS = 90
SURVEY_NOTICE = "staff_survey"

# The broad roles results are grouped by (our grouping, not the seeds'): a person falls in
# the first group one of their roles belongs to. Broad on purpose: fewer, larger groups.
ROLE_GROUPS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("senior_leaders", "Senior leaders", frozenset({
        Role.DIRECTOR, Role.ASSISTANT_DIRECTOR, Role.SENIOR_LEADER, Role.STRATEGIC_LEAD})),
    ("managers", "Managers", frozenset({
        Role.SERVICE_MANAGER, Role.SENIOR_MANAGER, Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER})),
    ("quality_assurance", "Quality assurance and safeguarding", frozenset({
        Role.QA_MANAGER, Role.HEAD_OF_QA, Role.PRINCIPAL_SOCIAL_WORKER, Role.IRO,
        Role.AUDITOR, Role.MODERATOR, Role.EARLY_HELP_OFFICER, Role.PANEL_ADVISER,
        Role.INFORMATION_GOVERNANCE_LEAD})),
    ("practitioners", "Practitioners", frozenset({
        Role.PRACTITIONER, Role.SENIOR_PRACTITIONER, Role.PERSONAL_ADVISER,
        Role.PRACTICE_ASSESSOR_LEAD, Role.PARTNER_AGENCY_LEAD})),
)
OTHER_STAFF = ("other", "Other staff")
ROLE_GROUP_LABELS = dict([(key, label) for key, label, _ in ROLE_GROUPS] + [OTHER_STAFF])
GROUPINGS = {"team": "Team", "service": "Service", "role": "Role"}

# The practitioner is asked once the audit's feedback has been shared with them.
FEEDBACK_SHARED = frozenset({Audit.Status.FEEDBACK_SENT, Audit.Status.ACTIONS_AGREED,
                             Audit.Status.CLOSED})
SUBMITTED_OR_LATER = frozenset({Audit.Status.SUBMITTED, Audit.Status.IN_MODERATION,
                                Audit.Status.DISCUSSED}) | FEEDBACK_SHARED


def anonymity_threshold() -> int:
    """The fewest answers a group may show (the framework's survey_anonymity_threshold)."""
    from auditloop.standards.selectors import framework_settings_row

    return framework_settings_row().survey_anonymity_threshold


def hidden_text(threshold: int) -> str:
    return HIDDEN.format(n=threshold)


def role_group(roles: Iterable[str]) -> str:
    held = set(roles)
    for key, _, members in ROLE_GROUPS:
        if held & members:
            return key
    return OTHER_STAFF[0]


def _randbelow(n: int) -> int:
    return secrets.randbelow(n)


def _place_at_random(row: models.Model, others: QuerySet[Any], content: Sequence[str]) -> None:
    """Save a new answer row so that the table's order says nothing of when it came: the new
    answers go into a slot chosen at random among the rows so far and the new row (the
    "inside-out" Fisher-Yates shuffle), the answers that were there moving to the new row.
    Every answer is kept once; which row holds which is a random permutation."""
    ids = list(others.order_by().values_list("pk", flat=True))
    j = _randbelow(len(ids) + 1)
    if j == len(ids):
        row.save(force_insert=True)
        return
    slot = others.select_for_update().get(pk=ids[j])
    new_content = {name: getattr(row, name) for name in content}
    for name in content:
        setattr(row, name, getattr(slot, name))
    row.save(force_insert=True)
    for name, value in new_content.items():
        setattr(slot, name, value)
    slot.save(update_fields=list(content))


# Staff surveys ---------------------------------------------------------------------------

def staff_question_sets() -> list[QuestionSetVersion]:
    """The newest version of each staff survey's question set."""
    newest: dict[str, QuestionSetVersion] = {}
    for v in QuestionSetVersion.objects.filter(audience=STAFF).order_by("key", "-version"):
        newest.setdefault(v.key, v)
    return sorted(newest.values(), key=lambda v: v.name.casefold())


def invited_people(survey: Survey) -> QuerySet[Person]:
    """Everyone the survey invites now: active staff with a sign-in, of the whole service,
    one service or some teams."""
    qs = Person.objects.filter(is_active=True, user__isnull=False)
    if survey.invites == Survey.Invites.SERVICE:
        return qs.filter(team__service=survey.service)
    if survey.invites == Survey.Invites.TEAMS:
        return qs.filter(team__in=survey.teams.all())
    return qs


def _invites_person(person: Person) -> Q:
    """The surveys that invite this person (a filter on Survey: no query of its own)."""
    if person.team_id is None:
        return Q(invites=Survey.Invites.ALL_STAFF)
    return (Q(invites=Survey.Invites.ALL_STAFF)
            | Q(invites=Survey.Invites.SERVICE, service__teams=person.team_id)
            | Q(invites=Survey.Invites.TEAMS, teams=person.team_id))


def surveys_to_answer(person: Person, today: dt.date | None = None) -> QuerySet[Survey]:
    """Open surveys inviting this person that they have not answered."""
    today = today or timezone.localdate()
    answered = SurveyParticipation.objects.filter(survey=OuterRef("pk"), person=person)
    return (Survey.objects.filter(_invites_person(person), opens_on__lte=today,
                                  closes_on__gte=today)
            .exclude(Exists(answered)).distinct().order_by("closes_on", "id"))


@transaction.atomic
def survey_open(
    *, actor: Person | None, name: str, kind: str, question_set: QuestionSetVersion,
    opens_on: dt.date, closes_on: dt.date, anonymous: bool, invites: str,
    service: Service | None = None, teams: Sequence[Team] = (),
) -> Survey:
    """Open a staff survey: each person invited has a notice in their tray."""
    from auditloop.notifications.services import notify

    if not name.strip():
        raise DomainError("Enter the survey's name.", field="name")
    if kind not in Survey.Kind.values:
        raise DomainError("Choose the annual survey or a pulse survey.", field="kind")
    if question_set.audience != STAFF:
        raise DomainError("Choose a staff survey's questions.", field="question_set")
    if closes_on < opens_on:
        raise DomainError("The survey must close on or after the day it opens.",
                          field="closes_on")
    if closes_on < timezone.localdate():
        raise DomainError("The closing day must be today or later.", field="closes_on")
    if invites not in Survey.Invites.values:
        raise DomainError("Choose who is invited.", field="invites")
    if invites == Survey.Invites.SERVICE and service is None:
        raise DomainError("Choose the service.", field="service")
    if invites == Survey.Invites.TEAMS and not teams:
        raise DomainError("Choose at least one team.", field="teams")
    survey = Survey.objects.create(
        name=name.strip(), kind=kind, question_set=question_set, opens_on=opens_on,
        closes_on=closes_on, anonymous=anonymous, invites=invites,
        service=service if invites == Survey.Invites.SERVICE else None, opened_by=actor)
    if invites == Survey.Invites.TEAMS:
        survey.teams.set(teams)
    people = list(invited_people(survey))
    if not people:
        raise DomainError("Nobody with a sign-in is in the staff chosen.", field="invites")
    survey.invited_count = len(people)
    survey.save(update_fields=["invited_count", "updated_at"])
    notify(recipients=people, subject=f"Please answer the {survey.name}",
           body=(f"Open from {gds_date(opens_on)} to {gds_date(closes_on)}. "
                 + ("Your answers are anonymous: nobody can see who gave them."
                    if anonymous else "Your answers are recorded with your name.")),
           link=reverse("voice:survey_answer", args=[survey.pk]), kind=SURVEY_NOTICE,
           about=f"survey:{survey.pk}")
    return survey


def may_answer(survey: Survey, person: Person | None, today: dt.date | None = None) -> bool:
    if person is None or not person.is_active:
        return False
    return surveys_to_answer(person, today).filter(pk=survey.pk).exists()


def _check_answers(questions: Sequence[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    for q in questions:
        value = answers.get(q.key)
        if q.required and value in (None, ""):
            raise DomainError("Answer this question.", field=q.key)
        if value not in (None, "") and q.answer == "scale" and str(value) not in "12345":
            raise DomainError("Choose a number from 1 to 5.", field=q.key)
        if value not in (None, "") and q.answer == "yes_no" and value not in ("yes", "no"):
            raise DomainError("Choose yes or no.", field=q.key)
    return {q.key: answers.get(q.key) or "" for q in questions}


@transaction.atomic
def survey_answer(*, survey: Survey, person: Person, answers: Mapping[str, Any]) -> None:
    """Record a person's answers, once. For an anonymous survey the answers keep only the
    person's team, service and broad role; that they answered is kept apart from them."""
    survey = Survey.objects.select_for_update().select_related("question_set").get(
        pk=survey.pk)
    if not may_answer(survey, person):
        raise DomainError("This survey is closed, or you have answered it already.")
    checked = _check_answers(survey.question_set.questions, answers)
    try:
        with transaction.atomic():
            participation = SurveyParticipation.objects.create(survey=survey, person=person)
    except IntegrityError as exc:
        raise DomainError("You have answered this survey already.") from exc
    team = person.team
    row = SurveyResponse(survey=survey, question_set=survey.question_set, answers=checked,
                         team=team, service=team.service if team else None,
                         role_group=role_group(person.roles))
    if survey.anonymous:
        _place_at_random(row, SurveyResponse.objects.filter(survey=survey),
                         ("question_set_id", "answers", "team_id", "service_id", "role_group"))
        return
    row.save(force_insert=True)
    participation.response = row
    participation.save(update_fields=["response"])


def surveys_listed() -> QuerySet[Survey]:
    """Every survey, newest first, with how many answered. One query."""
    return (Survey.objects.select_related("question_set", "service")
            .annotate(answered=Count("participations", distinct=True))
            .order_by("-opens_on", "-id"))


def get_survey(survey_id: int) -> Survey:
    try:
        return Survey.objects.select_related("question_set", "service").get(pk=survey_id)
    except Survey.DoesNotExist as exc:
        raise Http404 from exc


# Results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionResult:
    key: str
    text: str
    answer: str
    answered: int
    counts: list[tuple[str, int]]  # each answer and how many gave it (rated questions)
    positive: Proportion | None  # 4 or 5 on a scale, yes to yes or no

    @property
    def positive_label(self) -> str:
        return "4 or 5" if self.answer == "scale" else "Yes"


@dataclass(frozen=True)
class GroupRow:
    name: str
    answers: int
    shown: bool
    positive: dict[str, Proportion] = field(default_factory=dict)  # by question key


@dataclass(frozen=True)
class Results:
    answers: int
    threshold: int
    shown: bool  # enough answers to show anything
    questions: list[QuestionResult]
    texts: list[tuple[str, list[str]]]  # free text by question, in alphabetical order
    rated: list[Question]
    grouping: str = ""
    groups: list[GroupRow] = field(default_factory=list)

    @property
    def hidden_text(self) -> str:
        return hidden_text(self.threshold)


def _rated(questions: Sequence[Question]) -> list[Question]:
    return [q for q in questions if q.answer in ("scale", "yes_no")]


def _positive(q: Question, given: Sequence[Any]) -> Proportion:
    good = sum(1 for a in given if (str(a) in ("4", "5") if q.answer == "scale" else a == "yes"))
    return wilson(good, len(given))


def question_results(questions: Sequence[Question],
                     rows: Sequence[Mapping[str, Any]]) -> list[QuestionResult]:
    results = []
    for q in questions:
        given = [r.get(q.key) for r in rows if r.get(q.key) not in (None, "")]
        if q.answer in ("scale", "yes_no"):
            options = [str(n) for n in range(1, 6)] if q.answer == "scale" else ["yes", "no"]
            counts = [(o, sum(1 for a in given if str(a) == o)) for o in options]
            results.append(QuestionResult(q.key, q.text, q.answer, len(given), counts,
                                          _positive(q, given)))
        else:
            results.append(QuestionResult(q.key, q.text, q.answer, len(given), [], None))
    return results


def _texts(questions: Sequence[Question], rows: Sequence[Mapping[str, Any]]
           ) -> list[tuple[str, list[str]]]:
    # Sorted, so the order says nothing of who wrote what or when.
    return [(q.text, sorted((str(r[q.key]) for r in rows if r.get(q.key)), key=str.casefold))
            for q in questions if q.answer == "text"]


def grouped(rated: Sequence[Question], rows: Sequence[tuple[str, Mapping[str, Any]]],
            threshold: int) -> list[GroupRow]:
    """Rows by group name, each group's share positive for each rated question; a group of
    fewer answers than the threshold is hidden, and where only one group would be hidden
    the next smallest is hidden too, so it cannot be worked out from the total."""
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for name, answers in rows:
        by_name.setdefault(name, []).append(answers)
    hide = {name for name, members in by_name.items() if len(members) < threshold}
    if len(hide) == 1 and len(by_name) > 1:
        shown = sorted((n for n in by_name if n not in hide), key=lambda n: len(by_name[n]))
        hide.add(shown[0])
    out = []
    for name in sorted(by_name, key=str.casefold):
        members = by_name[name]
        if name in hide:
            out.append(GroupRow(name, len(members), False))
            continue
        out.append(GroupRow(name, len(members), True, {
            q.key: _positive(q, [m.get(q.key) for m in members
                                 if m.get(q.key) not in (None, "")]) for q in rated}))
    return out


def _group_name(row: SurveyResponse, grouping: str, teams: Mapping[int, str],
                services: Mapping[int, str]) -> str:
    if grouping == "team":
        return teams.get(row.team_id or 0, "No team recorded")
    if grouping == "service":
        return services.get(row.service_id or 0, "No service recorded")
    return ROLE_GROUP_LABELS.get(row.role_group, OTHER_STAFF[1])


def survey_results(survey: Survey, grouping: str = "") -> Results:
    """The survey's answers: each question's counts and share positive with its interval, the
    free text, and (by team, service or role) each group's shares. Nothing shows while
    there are fewer answers than the threshold. Four queries at most."""
    threshold = anonymity_threshold()
    rows = list(SurveyResponse.objects.filter(survey=survey).only(
        "answers", "team_id", "service_id", "role_group"))
    questions = survey.question_set.questions
    rated = _rated(questions)
    shown = len(rows) >= threshold
    answers = [r.answers for r in rows]
    results = Results(len(rows), threshold, shown,
                      question_results(questions, answers) if shown else [],
                      _texts(questions, answers) if shown else [], rated)
    if not shown or grouping not in GROUPINGS:
        return results
    teams = dict(Team.objects.filter(pk__in={r.team_id for r in rows if r.team_id})
                 .values_list("pk", "name")) if grouping == "team" else {}
    services = dict(Service.objects.filter(pk__in={r.service_id for r in rows if r.service_id})
                    .values_list("pk", "name")) if grouping == "service" else {}
    groups = grouped(rated, [(_group_name(r, grouping, teams, services), r.answers)
                             for r in rows], threshold)
    return Results(results.answers, threshold, True, results.questions, results.texts, rated,
                   grouping, groups)


def answered_share(survey: Survey, answered: int) -> Proportion:
    return wilson(min(answered, survey.invited_count), survey.invited_count)


# Feedback on the audit process -----------------------------------------------------------

def audit_process_set() -> QuestionSetVersion | None:
    return (QuestionSetVersion.objects.filter(key=AUDIT_PROCESS_SET)
            .order_by("-version").first())


def _audits_asking(person: Person, today: dt.date | None = None) -> QuerySet[Audit]:
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=AUDIT_FEEDBACK_DAYS)
    answered = AuditProcessParticipation.objects.filter(audit=OuterRef("pk"), person=person)
    auditing = AuditAssignment.objects.filter(audit=OuterRef("pk"), person=person,
                                              ended_at__isnull=True)
    # Submitted on `since` or later, as an instant (the start of that day here): the same
    # audits as submitted_at__date__gte, without converting every audit's time to a date.
    return (Audit.objects.filter(submitted_at__gte=timezone.make_aware(
                dt.datetime.combine(since, dt.time.min)))
            .filter(Q(Exists(auditing), status__in=SUBMITTED_OR_LATER)
                    | Q(case__key_worker=person, status__in=FEEDBACK_SHARED))
            .exclude(Exists(answered)))


def audits_to_give_feedback_on(person: Person) -> list[Audit]:
    """The audits this person may still give feedback on (as the practitioner audited, once
    the feedback was shared; as an auditor, once submitted), newest first. One query."""
    return list(_audits_asking(person).select_related("case").order_by("-submitted_at"))


def side_for(audit: Audit, person: Person) -> str:
    if AuditAssignment.objects.filter(audit=audit, person=person,
                                      ended_at__isnull=True).exists():
        return AuditProcessResponse.Side.AUDITOR
    return AuditProcessResponse.Side.AUDITED


def audit_asking(audit_id: int, person: Person | None) -> Audit:
    """The audit, when this person may give feedback on it now; 404 otherwise."""
    if person is None:
        raise Http404
    audit = _audits_asking(person).select_related("case__team__service").filter(
        pk=audit_id).first()
    if audit is None:
        raise Http404
    return audit


@transaction.atomic
def audit_process_answer(*, audit: Audit, person: Person, answers: Mapping[str, Any]) -> None:
    """Record feedback on the audit process, once per audit and person. The answers keep
    which side answered, the month and the case's service; not the audit, not the person."""
    question_set = audit_process_set()
    if question_set is None:
        raise DomainError("The audit process questions are not loaded.")
    if not _audits_asking(person).filter(pk=audit.pk).exists():
        raise DomainError("You have given feedback on this audit already.")
    checked = _check_answers(question_set.questions, answers)
    side = side_for(audit, person)
    try:
        with transaction.atomic():
            AuditProcessParticipation.objects.create(audit=audit, person=person)
    except IntegrityError as exc:
        raise DomainError("You have given feedback on this audit already.") from exc
    today = timezone.localdate()
    team = audit.case.team
    row = AuditProcessResponse(question_set=question_set, answers=checked, side=side,
                               month=today.replace(day=1),
                               service_id=team.service_id if team else None)
    _place_at_random(row, AuditProcessResponse.objects.all(),
                     ("question_set_id", "answers", "side", "month", "service_id"))


def audit_process_results(start: dt.date, end: dt.date, grouping: str = "side") -> Results:
    """Feedback on the audit process answered in the months from start to end (inclusive):
    each question's counts and share positive, by side (practitioners audited, auditors) or
    by service, hiding small groups. Three queries at most."""
    threshold = anonymity_threshold()
    rows = list(AuditProcessResponse.objects.filter(
        month__gte=start.replace(day=1), month__lte=end))
    question_set = audit_process_set()
    questions = question_set.questions if question_set else []
    rated = _rated(questions)
    shown = len(rows) >= threshold
    answers = [r.answers for r in rows]
    if not shown:
        return Results(len(rows), threshold, False, [], [], rated)
    if grouping == "service":
        names = dict(Service.objects.filter(pk__in={r.service_id for r in rows})
                     .values_list("pk", "name"))
        keyed = [(names.get(r.service_id or 0, "No service recorded"), r.answers)
                 for r in rows]
    else:
        grouping = "side"
        keyed = [(AuditProcessResponse.Side(r.side).label, r.answers) for r in rows]
    return Results(len(rows), threshold, True, question_results(questions, answers),
                   _texts(questions, answers), rated, grouping,
                   grouped(rated, keyed, threshold))


# For the reports -------------------------------------------------------------------------

@dataclass(frozen=True)
class SurveySummary:
    survey_id: int
    name: str
    kind: str  # "Annual staff survey" or "Pulse survey"
    opens_on: dt.date
    closes_on: dt.date
    anonymous: bool
    answered: Proportion  # of those invited
    shown: bool  # False: fewer answers than the threshold, no figures
    questions: list[QuestionResult]


@dataclass(frozen=True)
class VoiceSummary:
    period_start: dt.date
    period_end: dt.date
    threshold: int
    surveys: list[SurveySummary]
    audit_process: Results  # .shown False: fewer answers than the threshold
    hidden_text: str


def summary(period_start: dt.date, period_end: dt.date) -> VoiceSummary:
    """Staff surveys open at any time from period_start to period_end (inclusive), and the
    feedback on the audit process answered in those months: counts, shares positive with
    their 95% Wilson intervals, nothing where there are fewer answers than the framework's
    anonymity threshold. A few queries a survey."""
    threshold = anonymity_threshold()
    surveys = []
    for s in surveys_listed().filter(opens_on__lte=period_end, closes_on__gte=period_start):
        results = survey_results(s)
        surveys.append(SurveySummary(
            s.pk, s.name, s.get_kind_display(), s.opens_on, s.closes_on, s.anonymous,
            answered_share(s, s.answered), results.shown,  # type: ignore[attr-defined]
            results.questions))
    return VoiceSummary(period_start, period_end, threshold, surveys,
                        audit_process_results(period_start, period_end),
                        hidden_text(threshold))


# The home page, and whether a survey's notice is done -----------------------------------

def home_panel(user: Any) -> list[AttentionPanel]:
    """On the home page, when there is something to answer: the surveys and the audits to
    give feedback on. One query."""
    person = getattr(user, "person_or_none", None)
    if person is None:
        return []
    row = Person.objects.filter(pk=person.pk).annotate(
        surveys=Exists(surveys_to_answer(person)),
        audits=Exists(_audits_asking(person))).values_list("surveys", "audits").first()
    if not row or not any(row):
        return []
    href = reverse("voice:my_surveys")
    items = []
    if row[0]:
        items.append(AttentionItem("A staff survey to answer", href))
    if row[1]:
        items.append(AttentionItem("Feedback on an audit to give", href))
    return [AttentionPanel(title="Your views", items=items, order=15)]


def survey_notices_done(notices: Sequence[Notification]) -> dict[int, str]:
    from auditloop.notifications.done import about_ids

    ids = about_ids(notices, "survey")
    if not ids:
        return {}
    pairs = set(SurveyParticipation.objects.filter(survey_id__in=set(ids.values()))
                .values_list("survey_id", "person_id"))
    return {n.pk: "Done: you have answered this survey." for n in notices
            if (ids.get(n.pk), n.recipient_id) in pairs}
