"""Reads of the voice app: the log of complaints and compliments, and its themes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from auditloop.actions.selectors import theme_suggestions
from auditloop.cases.selectors import cases_for_user
from auditloop.common.dates import add_months
from auditloop.common.statistics import Proportion, wilson
from auditloop.people.roles import Capability
from auditloop.voice.models import (
    CallSelection,
    ComplaintCompliment,
    FeedbackInvitation,
    FeedbackResponse,
    QuestionSetVersion,
)

READERS = (Capability.LOG_COMPLAINTS, Capability.VIEW_REPORTS)


def complaints_compliments(
    *, kind: str = "", theme: str = "", team_id: int | None = None,
    month: dt.date | None = None,
) -> QuerySet[ComplaintCompliment]:
    """The log, newest first, filtered. The service and team come with each row."""
    qs = ComplaintCompliment.objects.select_related("service", "team")
    if kind:
        qs = qs.filter(kind=kind)
    if theme:
        qs = qs.filter(theme=theme)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if month is not None:
        qs = qs.filter(received_on__gte=month, received_on__lt=add_months(month, 1))
    return qs.order_by("-received_on", "-id")


def get_complaint_compliment(entry_id: int) -> ComplaintCompliment:
    """One entry, or 404. Whoever reads the log reads every entry; the case it names is shown
    only to those case_ids_shown allows."""
    try:
        return ComplaintCompliment.objects.select_related(
            "service", "team", "recorded_by", "outcome_recorded_by").get(pk=entry_id)
    except ComplaintCompliment.DoesNotExist as exc:
        raise Http404 from exc


def case_ids_shown(user: Any, entries: list[ComplaintCompliment]) -> set[int]:
    """The cases named by these entries that this person may see: those who log complaints
    and compliments, on cases their role or a relationship lets them see (the register's
    own rule). Report readers see the log without the cases. One query, or none."""
    if not user.has_capability(Capability.LOG_COMPLAINTS):
        return set()
    ids = {e.case_id for e in entries if e.case_id is not None}
    if not ids:
        return set()
    return set(cases_for_user(user=user).filter(pk__in=ids).values_list("pk", flat=True))


def themes() -> list[str]:
    """The themes an entry may carry: the service's themes (the register's, those findings
    and action plans use) and any already logged."""
    logged = set(ComplaintCompliment.objects.exclude(theme="")
                 .values_list("theme", flat=True).distinct())
    return sorted(set(theme_suggestions()) | logged, key=str.casefold)


@dataclass(frozen=True)
class ThemeCount:
    theme: str
    complaints: int
    compliments: int


def theme_counts(*, since: dt.date, until: dt.date) -> list[ThemeCount]:
    """Complaints and compliments by theme received between two days (inclusive), most
    complaints first. One query."""
    rows = (ComplaintCompliment.objects.exclude(theme="")
            .filter(received_on__gte=since, received_on__lte=until)
            .values("theme")
            .annotate(complaints=Count("id", filter=Q(kind=ComplaintCompliment.Kind.COMPLAINT)),
                      compliments=Count("id",
                                        filter=Q(kind=ComplaintCompliment.Kind.COMPLIMENT))))
    counts = [ThemeCount(r["theme"], r["complaints"], r["compliments"]) for r in rows]
    return sorted(counts, key=lambda c: (-c.complaints, -c.compliments, c.theme.casefold()))


def question_sets_current() -> list[QuestionSetVersion]:
    """The newest version of each question set, by name."""
    newest: dict[str, QuestionSetVersion] = {}
    for v in QuestionSetVersion.objects.order_by("key", "-version"):
        newest.setdefault(v.key, v)
    return sorted(newest.values(), key=lambda v: v.name.casefold())


def question_set_versions(key: str) -> list[QuestionSetVersion]:
    """Every version of one set, newest first, or 404."""
    versions = list(QuestionSetVersion.objects.filter(key=key).order_by("-version"))
    if not versions:
        raise Http404
    return versions


def share_upheld(*, since: dt.date, until: dt.date) -> Proportion:
    """Of the complaints received between two days (inclusive) and decided, how many were
    upheld in whole or in part, with its 95% interval. One query."""
    decided = ComplaintCompliment.objects.filter(
        kind=ComplaintCompliment.Kind.COMPLAINT, received_on__gte=since,
        received_on__lte=until, decision__in=ComplaintCompliment.DECIDED)
    counts = decided.aggregate(
        n=Count("id"),
        k=Count("id", filter=Q(decision__in=ComplaintCompliment.UPHELD_IN_PART_OR_WHOLE)))
    return wilson(counts["k"], counts["n"])


def feedback_count(case: Any) -> int:
    return FeedbackResponse.objects.filter(case=case).count()


@dataclass(frozen=True)
class QuestionSummary:
    text: str
    answer: str
    answered: int
    counts: dict[str, int]  # scale 1-5 or yes/no: how many gave each answer
    positive: Proportion | None  # 4 or 5 on a scale, yes on yes or no
    quotes: list[str]  # free text from families who agreed to be quoted


@dataclass(frozen=True)
class SetSummary:
    name: str
    responses: int
    from_link: int
    interpreter: int
    questions: list[QuestionSummary]


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def feedback_quarter(*, start: dt.date) -> tuple[list[SetSummary], Proportion]:
    """The quarter's feedback (000: "a quarterly overview goes to the Early Help sub-group"):
    for each question set, each question's answers with counts, the share positive with its
    95% interval, and the free text of those who agreed to be quoted; and the share of the
    quarter's links answered. Nothing about any case. Three queries."""
    end = add_months(start, 1 * 3)
    responses = list(FeedbackResponse.objects.select_related("question_set")
                     .filter(created_at__date__gte=start, created_at__date__lt=end)
                     .order_by("created_at"))
    newest = {v.key: v for v in question_sets_current()}
    summaries = []
    for key in sorted({r.question_set.key for r in responses}):
        rows = [r for r in responses if r.question_set.key == key]
        latest = newest.get(key, rows[-1].question_set)
        questions = []
        for q in latest.questions:
            given = [(r.answers.get(q.key), r.consent_to_quote) for r in rows
                     if r.answers.get(q.key) not in (None, "")]
            counts: dict[str, int] = {}
            positive = None
            if q.answer in ("scale", "yes_no"):
                options = [str(n) for n in range(1, 6)] if q.answer == "scale" else ["yes", "no"]
                counts = {o: sum(1 for a, _ in given if str(a) == o) for o in options}
                good = (counts["4"] + counts["5"]) if q.answer == "scale" else counts["yes"]
                positive = wilson(good, len(given))
            quotes = [str(a) for a, consent in given if q.answer == "text" and consent]
            questions.append(QuestionSummary(q.text, q.answer, len(given), counts, positive,
                                             quotes))
        summaries.append(SetSummary(
            latest.name, len(rows),
            sum(1 for r in rows if r.completed_by == FeedbackResponse.CompletedBy.FAMILY),
            sum(1 for r in rows if r.interpreter != FeedbackResponse.Interpreter.NONE),
            questions))
    invited = FeedbackInvitation.objects.filter(created_at__date__gte=start,
                                                created_at__date__lt=end)
    made = invited.aggregate(n=Count("id"), k=Count("id", filter=Q(answered_at__isnull=False)))
    return summaries, wilson(made["k"], made["n"])


def call_selections() -> QuerySet[CallSelection]:
    return CallSelection.objects.select_related("drawn_by").order_by("-created_at", "-id")


def get_call_selection(selection_id: int) -> CallSelection:
    try:
        return call_selections().get(pk=selection_id)
    except CallSelection.DoesNotExist as exc:
        raise Http404 from exc


def phoned_case_ids(case_ids: list[int]) -> set[int]:
    return set(FeedbackResponse.objects.filter(
        case_id__in=case_ids, completed_by=FeedbackResponse.CompletedBy.PHONE)
        .values_list("case_id", flat=True))
