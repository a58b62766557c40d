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
from auditloop.voice.models import ComplaintCompliment, FeedbackResponse, QuestionSetVersion

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
