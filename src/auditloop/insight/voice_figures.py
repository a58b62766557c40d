"""What families tell us, complaints and compliments, practice alerts and the Safeguarding
Unit's activity, as figures for the reports (000's six questions; 002's monthly Safeguarding
Unit report, its complaints and compliments report; 003's quarterly overview).

Figures only: no case, no child, no member of staff is named. Every count is shown with the
number it is out of where it is a share, with its 95% Wilson interval; a change over time is
called a signal only by the SPC rules (common.statistics). Each function reads in a fixed
number of queries whatever the number of records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from auditloop.cases.models import Case, CaseEvent, Involvement
from auditloop.common.statistics import Chart, Direction, Proportion, wilson, xmr
from auditloop.insight.figures import TREND_MONTHS, Scope, month_key, months_between
from auditloop.people.models import Person, Service
from auditloop.people.roles import Role
from auditloop.practice import selectors as practice
from auditloop.practice.models import PracticeAlert
from auditloop.voice.models import ComplaintCompliment, FeedbackInvitation, FeedbackResponse
from auditloop.voice.selectors import question_sets_current

QUOTES_SHOWN = 6  # a handful of families' own words, not every answer
QUOTE_MAX = 400  # characters: a short quote, as the QA manager's excerpts are


def _day_range(field: str, since: dt.date, until: dt.date) -> Q:
    return Q(**{f"{field}__gte": since, f"{field}__lte": until})


def _case_area(area: Scope | None) -> Q:
    """A report's area (service, team, locality) as a filter on records naming a case."""
    q = Q()
    if area is not None:
        for field, value in (("service_id", area.service_id), ("team_id", area.team_id),
                             ("locality_id", area.locality_id)):
            if value:
                q &= Q(**{f"case__{field}": value})
    return q


def _entry_area(area: Scope | None) -> Q:
    """The same area for a complaint or compliment, by the service or team it was logged
    against."""
    q = Q()
    if area is not None:
        if area.service_id:
            q &= Q(service_id=area.service_id) | Q(team__service_id=area.service_id)
        if area.team_id:
            q &= Q(team_id=area.team_id)
        if area.locality_id:
            q &= Q(team__locality_id=area.locality_id)
    return q


# --------------------------------------------------------------------------- families


@dataclass(frozen=True)
class QuestionRow:
    question_set: str
    text: str
    positive: Proportion  # 4 or 5 on the five-point scale, or yes, of those who answered


@dataclass(frozen=True)
class FamilyVoice:
    """The feedback families gave after their case closed (000's Early Help Service User
    Feedback; 002's family feedback), received in the period."""

    responses: int
    from_link: int
    by_phone: int
    with_worker: int
    interpreter: int
    questions: tuple[QuestionRow, ...]
    quotes: tuple[str, ...]  # free text from families who agreed to be quoted
    links_answered: Proportion  # of the links made in the period, how many were answered


def family_voice(*, since: dt.date, until: dt.date, area: Scope | None = None) -> FamilyVoice:
    """Three queries, and one more to check the quotes for names when there are any."""
    responses = list(FeedbackResponse.objects.select_related("question_set")
                     .filter(created_at__date__gte=since, created_at__date__lte=until)
                     .filter(_case_area(area))
                     .order_by("created_at", "pk"))
    newest = {v.key: v for v in question_sets_current()} if responses else {}
    rows: list[QuestionRow] = []
    quotes: list[str] = []
    for key in sorted({r.question_set.key for r in responses}):
        these = [r for r in responses if r.question_set.key == key]
        latest = newest.get(key, these[-1].question_set)
        for q in latest.questions:
            given = [(r.answers.get(q.key), r.consent_to_quote) for r in these
                     if r.answers.get(q.key) not in (None, "")]
            if q.answer == "scale":
                good = sum(1 for a, _ in given if str(a) in ("4", "5"))
                rows.append(QuestionRow(latest.name, q.text, wilson(good, len(given))))
            elif q.answer == "yes_no":
                good = sum(1 for a, _ in given if str(a) == "yes")
                rows.append(QuestionRow(latest.name, q.text, wilson(good, len(given))))
            else:
                quotes += [" ".join(str(a).split()) for a, consent in given if consent]
    made = FeedbackInvitation.objects.filter(
        _case_area(area), created_at__date__gte=since, created_at__date__lte=until).aggregate(
        n=Count("id"), k=Count("id", filter=Q(answered_at__isnull=False)))
    CompletedBy = FeedbackResponse.CompletedBy
    return FamilyVoice(
        responses=len(responses),
        from_link=sum(1 for r in responses if r.completed_by == CompletedBy.FAMILY),
        by_phone=sum(1 for r in responses if r.completed_by == CompletedBy.PHONE),
        with_worker=sum(1 for r in responses if r.completed_by == CompletedBy.WORKER),
        interpreter=sum(1 for r in responses
                        if r.interpreter != FeedbackResponse.Interpreter.NONE),
        questions=tuple(rows), quotes=tuple(_quotable(quotes)),
        links_answered=wilson(made["k"], made["n"]))


def _quotable(texts: Iterable[str]) -> list[str]:
    """Short quotes that name nobody on the staff list and no child from the register: a
    report that did could not be published (insight.services.scan_for_names)."""
    from auditloop.insight.services import scan_for_names

    out = []
    for text in texts:
        if not text or len(text) > QUOTE_MAX or scan_for_names(text):
            continue
        out.append(text)
        if len(out) == QUOTES_SHOWN:
            break
    return out


# --------------------------------------------------------------------------- complaints


@dataclass(frozen=True)
class ThemeRow:
    theme: str
    complaints: int
    compliments: int


@dataclass(frozen=True)
class ComplaintFigures:
    complaints: int
    compliments: int
    themes: tuple[ThemeRow, ...]  # most complaints first; "No theme given" last
    upheld: Proportion  # of the decided complaints, upheld in whole or in part


NO_THEME = "No theme given"


def complaints(*, since: dt.date, until: dt.date, team_ids: Iterable[int] | None = None,
               service_ids: Iterable[int] | None = None,
               area: Scope | None = None) -> ComplaintFigures:
    """Complaints and compliments received between two days (inclusive); given teams or
    services, only those logged against one of the teams, or against one of the services
    with no team named. One query."""
    qs = ComplaintCompliment.objects.filter(_day_range("received_on", since, until),
                                            _entry_area(area))
    if team_ids is not None or service_ids is not None:
        qs = qs.filter(Q(team_id__in=list(team_ids or ()))
                       | Q(service_id__in=list(service_ids or ()), team__isnull=True))
    rows = list(qs.values_list("kind", "theme", "decision"))
    K = ComplaintCompliment.Kind
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for kind, theme, _ in rows:
        counts[theme or NO_THEME][kind] += 1
    themes = sorted((ThemeRow(t, c[K.COMPLAINT], c[K.COMPLIMENT]) for t, c in counts.items()),
                    key=lambda r: (r.theme == NO_THEME, -r.complaints, -r.compliments,
                                   r.theme.casefold()))
    decided = [d for kind, _, d in rows
               if kind == K.COMPLAINT and d in ComplaintCompliment.DECIDED]
    upheld = sum(1 for d in decided if d in ComplaintCompliment.UPHELD_IN_PART_OR_WHOLE)
    return ComplaintFigures(
        complaints=sum(1 for kind, _, _ in rows if kind == K.COMPLAINT),
        compliments=sum(1 for kind, _, _ in rows if kind == K.COMPLIMENT),
        themes=tuple(themes), upheld=wilson(upheld, len(decided)))


def _in_post() -> QuerySet[Person]:
    """The IROs and CP Chairs in post (as practice.selectors.iros_and_chairs, ids only)."""
    return (Person.objects.filter(is_active=True)
            .filter(Q(role_rows__role=Role.IRO) | Q(job_title__role_rows__role=Role.IRO))
            .order_by().distinct())


@dataclass(frozen=True)
class Unit:
    """The Safeguarding Unit as the register holds it: the teams (and their services) of
    the IROs and CP Chairs in post. 002 names it; the council names its teams."""

    team_ids: frozenset[int]
    service_ids: frozenset[int]


def unit() -> Unit:
    """One query."""
    rows = list(_in_post().exclude(team__isnull=True)
                .values_list("team_id", "team__service_id").distinct())
    return Unit(team_ids=frozenset(t for t, _ in rows), service_ids=frozenset(s for _, s in rows))


# --------------------------------------------------------------------------- alerts


@dataclass(frozen=True)
class AlertFigures:
    """Practice alerts IROs and CP Chairs raised in the period (002)."""

    raised: int
    escalated: int
    by_theme: tuple[tuple[str, int], ...]  # in the register's order of themes, none left out
    by_status: tuple[tuple[str, int], ...]  # where they have got to now
    by_severity: tuple[tuple[str, int], ...]


def alerts(*, since: dt.date, until: dt.date, area: Scope | None = None) -> AlertFigures:
    """Two queries."""
    period = PracticeAlert.objects.filter(_case_area(area), created_at__date__gte=since,
                                          created_at__date__lte=until)
    rows = list(period.values_list("theme", "status", "severity"))
    escalated = period.filter(escalations__isnull=False).distinct().count() if rows else 0

    def counted(i: int, choices: list[tuple[str, str]], *, all_: bool) -> tuple[
            tuple[str, int], ...]:
        c = Counter(r[i] for r in rows)
        return tuple((str(label), c[value]) for value, label in choices if all_ or c[value])

    return AlertFigures(
        raised=len(rows), escalated=escalated,
        by_theme=counted(0, PracticeAlert.Theme.choices, all_=False),
        by_status=counted(1, PracticeAlert.Status.choices, all_=True),
        by_severity=counted(2, PracticeAlert.Severity.choices, all_=True))


def alerts_trend(*, until: dt.date) -> Chart:
    """An XmR chart of the practice alerts raised each month, over the two years that end
    with the month of `until`, from the month the first alert was raised (months before the
    council raised any are not zeros). Direction neutral: more alerts may mean more
    challenge as well as worse practice. One query."""
    start = dt.date(until.year, until.month, 1)
    months = months_between(_months_back(start, TREND_MONTHS - 1), until)
    days = list(PracticeAlert.objects.filter(created_at__date__lte=until)
                .values_list("created_at", flat=True))
    counts = Counter(month_key(d.date()) for d in days)
    if not counts:
        return Chart(kind="xmr", direction=Direction.NEUTRAL)
    first = min(counts)
    return xmr([(m, counts[m]) for m in months if m >= first], direction=Direction.NEUTRAL)


def _months_back(first: dt.date, n: int) -> dt.date:
    year, month = divmod(first.year * 12 + first.month - 1 - n, 12)
    return dt.date(year, month + 1, 1)


# --------------------------------------------------------------------------- case activity


@dataclass(frozen=True)
class Activity:
    """One group of children the Safeguarding Unit reviews (002: "our Cared For Children and
    those subject to Child Protection planning"), as the register holds them."""

    label: str
    open_at_end: int
    started: int
    ended: int
    reviews: int  # review events on the register in the period
    conferences: int  # initial child protection conferences on the register in the period
    with_chair: Proportion  # open at the end with an IRO or CP Chair on record then


GROUPS = ((Service.Kind.CLA, "Cared For Children"),
          (Service.Kind.CP, "Children subject to child protection planning"))


def case_activity(*, since: dt.date, until: dt.date) -> tuple[Activity, ...]:
    """Three queries."""
    kinds = [k for k, _ in GROUPS]
    cases = list(Case.objects.filter(service__kind__in=kinds)
                 .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=until))
                 .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=since))
                 .values_list("pk", "service__kind", "opened_on", "closed_on", "status"))
    ids = [c[0] for c in cases]
    events = Counter(
        (case_id, kind) for case_id, kind in CaseEvent.objects.filter(
            case_id__in=ids, kind__in=[CaseEvent.Kind.REVIEW, CaseEvent.Kind.ICPC])
        .filter(_day_range("occurred_on", since, until)).values_list("case_id", "kind"))
    chaired = set(Involvement.objects.filter(
        case_id__in=ids, role=Involvement.Role.IRO, started_on__lte=until)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=until))
        .values_list("case_id", flat=True))
    out = []
    for kind, label in GROUPS:
        group = [c for c in cases if c[1] == kind]
        open_at_end = [c for c in group if (c[3] is None or c[3] > until)
                       and not (c[3] is None and c[4] == Case.Status.CLOSED)]
        out.append(Activity(
            label=label, open_at_end=len(open_at_end),
            started=sum(1 for c in group if c[2] is not None and since <= c[2] <= until),
            ended=sum(1 for c in group if c[3] is not None and since <= c[3] <= until),
            reviews=sum(events[(c[0], CaseEvent.Kind.REVIEW)] for c in group),
            conferences=sum(events[(c[0], CaseEvent.Kind.ICPC)] for c in group),
            with_chair=wilson(sum(1 for c in open_at_end if c[0] in chaired),
                              len(open_at_end))))
    return tuple(out)


# --------------------------------------------------------------------------- team links


@dataclass(frozen=True)
class TeamLinkRow:
    team: str
    linked: int  # IROs and CP Chairs linked with the team now
    alerts: int  # practice alerts those linked with the team raised in the period


@dataclass(frozen=True)
class TeamLinks:
    """002: "a 'team link' role which will see each IRO and CP Chair act as a liaison to an
    individual team or service area". Counts by team: the report names no one."""

    with_link: Proportion  # IROs and CP Chairs in post with a team link
    rows: tuple[TeamLinkRow, ...]


def team_links(*, since: dt.date, until: dt.date) -> TeamLinks:
    """Three queries."""
    in_post = set(_in_post().values_list("pk", flat=True))
    links = {pid: team for pid, team in practice.current_team_links().items() if pid in in_post}
    raised = Counter(PracticeAlert.objects.filter(
        created_at__date__gte=since, created_at__date__lte=until,
        raised_by_id__in=list(links)).values_list("raised_by_id", flat=True))
    by_team: dict[str, list[int]] = defaultdict(list)
    for pid, team in links.items():
        by_team[team.name].append(pid)
    rows = sorted((TeamLinkRow(name, len(people), sum(raised[p] for p in people))
                   for name, people in by_team.items()), key=lambda r: r.team.casefold())
    return TeamLinks(with_link=wilson(len(links), len(in_post)), rows=tuple(rows))


__all__ = ["Activity", "AlertFigures", "ComplaintFigures", "FamilyVoice", "QuestionRow",
           "TeamLinkRow", "TeamLinks", "ThemeRow", "Unit", "alerts", "alerts_trend",
           "case_activity", "complaints", "family_voice", "team_links", "unit"]
