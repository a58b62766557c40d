"""What the audits found, for a period and an area: the figures every report is built from.

Every figure carries its count and every proportion its 95% Wilson interval
(common.statistics); trends are SPC charts, so a change is called a signal only when the
rules say so. Reads only, through a handful of queries whatever the number of audits.

An audit counts in the month it was submitted, with the grade that counts (the moderator's
where moderation or a settled disagreement changed it), and in the area (service, team,
locality) its case is in now.
"""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from auditloop.actions.models import Action
from auditloop.audits.models import Audit, AuditAction, ImmediateConcern
from auditloop.common.dates import add_months
from auditloop.common.statistics import (
    Chart,
    Direction,
    Proportion,
    p_chart,
    wilson,
    xmr,
)
from auditloop.moderation.models import ModerationReview
from auditloop.programme.loop import Scale, scales_for
from auditloop.programme.models import CycleCase

GRADED = Audit.workflow.groups["submitted_or_later"]


def month_key(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def month_label(key: str) -> str:
    return dt.date.fromisoformat(f"{key}-01").strftime("%B %Y")


def months_between(start: dt.date, end: dt.date) -> list[str]:
    """Each month from start's to end's, as YYYY-MM."""
    out, day = [], start.replace(day=1)
    while day <= end:
        out.append(month_key(day))
        day = add_months(day, 1)
    return out


@dataclass(frozen=True)
class Scope:
    """The period (inclusive) and the area a report covers. Empty filters mean all."""

    start: dt.date
    end: dt.date
    service_id: int | None = None
    team_id: int | None = None
    locality_id: int | None = None
    tool_key: str = ""
    theme: str = ""
    cycle_id: int | None = None  # one programme's audits (a one-off programme's report)

    def area_q(self) -> Q:
        """The area as a filter on audits, whenever they were done."""
        q = Q()
        if self.service_id:
            q &= Q(case__service_id=self.service_id)
        if self.team_id:
            q &= Q(case__team_id=self.team_id)
        if self.locality_id:
            q &= Q(case__locality_id=self.locality_id)
        if self.tool_key:
            q &= Q(tool_version__tool__key=self.tool_key)
        if self.theme:
            q &= Q(pk__in=CycleCase.objects.filter(cycle__theme__iexact=self.theme)
                   .values("audit_id"))
        if self.cycle_id:
            q &= Q(pk__in=CycleCase.objects.filter(cycle_id=self.cycle_id).values("audit_id"))
        return q

    def area_audits(self) -> QuerySet[Audit]:
        return Audit.objects.filter(self.area_q())

    def audits(self) -> QuerySet[Audit]:
        """The area's audits submitted in the period (and not withdrawn since)."""
        # From the start of the first day to the start of the day after the last, here: the
        # same audits as submitted_at__date's range, without converting every audit's time
        # to a date in the database (the leaders' home page reads two years of them).
        return self.area_audits().filter(
            status__in=GRADED, submitted_at__gte=_day_starts(self.start),
            submitted_at__lt=_day_starts(self.end + dt.timedelta(days=1)))

    def earlier(self, months: int) -> Scope:
        """The same area over the `months` months that end with this scope's month."""
        start = add_months(self.end.replace(day=1), -(months - 1))
        return Scope(start=start, end=self.end, service_id=self.service_id,
                     team_id=self.team_id, locality_id=self.locality_id,
                     tool_key=self.tool_key, theme=self.theme, cycle_id=self.cycle_id)


def _day_starts(day: dt.date) -> dt.datetime:
    """The instant the day starts in the service's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class GradedAudit:
    """One audit as the reports count it."""

    id: int
    month: str
    grade: str
    scale: Scale
    service: str
    team: str
    locality: str
    kind: str
    impact_score: int | None

    @property
    def good(self) -> bool | None:
        return self.scale.is_good(self.grade)


def graded_audits(scope: Scope, *, scales: dict[int, Scale] | None = None
                  ) -> list[GradedAudit]:
    """The scope's submitted audits with a grade on their tool's scale. Two queries (one if
    `scales` already holds every tool version's scale)."""
    rows = list(scope.audits().values_list(
        "pk", "submitted_at", "final_grade", "overall_grade", "tool_version_id",
        "case__service__name", "case__team__name", "case__locality__name", "kind",
        "impact_score").order_by("submitted_at", "pk"))
    versions = {r[4] for r in rows}
    if scales is None or not versions <= scales.keys():
        scales = scales_for(versions)
    out = []
    for pk, at, final, overall, version, service, team, locality, kind, impact in rows:
        grade = final or overall
        if at is None:  # a submitted audit always has its time; never counted without it
            continue
        scale = scales.get(version, Scale(keys=()))
        if scale.rank(grade) is None:
            continue
        out.append(GradedAudit(
            id=pk, month=month_key(timezone.localdate(at)), grade=grade, scale=scale,
            service=service or "No service", team=team or "No team",
            locality=locality or "No locality", kind=kind, impact_score=impact))
    return out


@dataclass(frozen=True)
class MonthGood:
    """A month's audits graded on their tool's scale, and how many of them good or better."""

    graded: int
    good: int

    @property
    def share(self) -> Proportion:
        return wilson(self.good, self.graded)


def good_by_month(scope: Scope) -> dict[str, MonthGood]:
    """Each month of the scope (YYYY-MM) with audits graded on their tool's scale: the same
    audits, months and grades as graded_audits, counted in the database instead of read row
    by row. Each audit's month is found by comparing its time with the instants the months
    start in the service's time zone, and the audits are grouped by month, tool version and
    grade, so at most months x versions x grades rows come back. Two queries, whatever the
    number of audits."""
    months = months_between(scope.start, scope.end)
    graded: Counter[str] = Counter()
    good: Counter[str] = Counter()
    for key, is_good, _, n in _graded_by_month(scope, months)[0]:
        graded[key] += n
        good[key] += n if is_good else 0
    return {key: MonthGood(graded=graded[key], good=good[key]) for key in months
            if graded[key]}


def _graded_by_month(scope: Scope, months: Sequence[str], *fields: str
                     ) -> tuple[list[tuple[str, bool, tuple[Any, ...], int]], dict[int, Scale]]:
    """_by_month's groups graded on their tool's scale, as (month, good or better, the
    `fields`' values, how many), and the scales read for them."""
    rows = _by_month(scope, months, *fields) if months else []
    scales = scales_for({r[1] for r in rows})
    out = []
    for index, version, final, overall, *extra, n in rows:
        grade = final or overall
        scale = scales.get(version, Scale(keys=()))
        if scale.rank(grade) is not None:
            out.append((months[index], bool(scale.is_good(grade)), tuple(extra), n))
    return out, scales


def _by_month(scope: Scope, months: Sequence[str], *fields: str) -> list[tuple[Any, ...]]:
    """The scope's audits counted by (month index in `months`, tool version, final grade,
    overall grade, *fields): each audit's month is found by comparing its time with the
    instants the months start in the service's time zone."""
    starts = [_day_starts(dt.date.fromisoformat(f"{key}-01")) for key in months[1:]]
    month = Case(*[When(submitted_at__lt=start, then=Value(i)) for i, start in enumerate(starts)],
                 default=Value(len(months) - 1), output_field=IntegerField())
    keys = ("month_index", "tool_version_id", "final_grade", "overall_grade", *fields)
    return list(scope.audits().annotate(month_index=month).values(*keys)
                .annotate(n=Count("pk")).order_by().values_list(*keys, "n"))


def trends(scope: Scope) -> tuple[Chart, Chart]:
    """good_trend and impact_trend over the scope's months, counted in the database: the
    same audits, months, grades and scores as graded_audits gives them, in two queries
    whatever the number of audits (the monthly report's page reads two years of them on
    every view)."""
    good, impact, _ = _trends(scope)
    return good, impact


def _trends(scope: Scope) -> tuple[Chart, Chart, dict[int, Scale]]:
    months = months_between(scope.start, scope.end)
    rows, scales = _graded_by_month(scope, months, "impact_score")
    graded: Counter[str] = Counter()
    good: Counter[str] = Counter()
    scored: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for key, is_good, (score,), n in rows:
        graded[key] += n
        good[key] += n if is_good else 0
        if score is not None:
            scored[key] += n
            total[key] += score * n
    return (p_chart([(m, good[m], graded[m]) for m in months], direction=Direction.INCREASE),
            xmr([(m, total[m] / scored[m]) for m in months if scored[m]],
                direction=Direction.INCREASE), scales)


def good_trend_of(counts: dict[str, MonthGood], months: Sequence[str]) -> Chart:
    """good_trend's p-chart, from good_by_month's counts."""
    return p_chart([(m, counts[m].good if m in counts else 0,
                     counts[m].graded if m in counts else 0) for m in months],
                   direction=Direction.INCREASE)


# --------------------------------------------------------------------------- grades


@dataclass(frozen=True)
class GradeRow:
    key: str
    label: str
    share: Proportion

    @property
    def count(self) -> int:
        return self.share.k


@dataclass(frozen=True)
class Distribution:
    """The grades on one scale (tools that share a scale are counted together)."""

    rows: list[GradeRow]
    good: Proportion

    @property
    def total(self) -> int:
        return self.good.n


def distributions(audits: Sequence[GradedAudit]) -> list[Distribution]:
    by_scale: dict[tuple[str, ...], list[GradedAudit]] = defaultdict(list)
    scales: dict[tuple[str, ...], Scale] = {}
    for a in audits:
        by_scale[a.scale.keys].append(a)
        scales.setdefault(a.scale.keys, a.scale)
    out = []
    for keys, group in sorted(by_scale.items(), key=lambda kv: -len(kv[1])):
        scale = scales[keys]
        counts = Counter(a.grade for a in group)
        n = len(group)
        out.append(Distribution(
            rows=[GradeRow(key=k, label=scale.label(k), share=wilson(counts[k], n))
                  for k in keys],
            good=wilson(sum(1 for a in group if a.good), n)))
    return out


def good_or_better(audits: Sequence[GradedAudit]) -> Proportion:
    return wilson(sum(1 for a in audits if a.good), len(audits))


@dataclass(frozen=True)
class AreaRow:
    name: str
    good: Proportion


def good_by(audits: Sequence[GradedAudit],
            area: Callable[[GradedAudit], str]) -> list[AreaRow]:
    """Good or better in each area (service, team or locality), fewest good first so the
    areas that need help lead."""
    groups: dict[str, list[GradedAudit]] = defaultdict(list)
    for a in audits:
        groups[area(a)].append(a)
    rows = [AreaRow(name=name, good=good_or_better(group)) for name, group in groups.items()]
    return sorted(rows, key=lambda r: ((r.good.value or 0), -r.good.n, r.name))


# --------------------------------------------------------------------------- trends


def good_trend(audits: Sequence[GradedAudit], months: Sequence[str]) -> Chart:
    """A p-chart of the share good or better each month (months with no audits are left
    out: a proportion of nothing is not a point)."""
    k: Counter[str] = Counter()
    n: Counter[str] = Counter()
    for a in audits:
        n[a.month] += 1
        k[a.month] += bool(a.good)
    return p_chart([(m, k[m], n[m]) for m in months], direction=Direction.INCREASE)


@dataclass(frozen=True)
class ImpactSummary:
    """000's impact score out of 10."""

    n: int
    mean: float | None
    sd: float | None
    low: int | None
    high: int | None


def impact(audits: Sequence[GradedAudit]) -> ImpactSummary:
    scores = [a.impact_score for a in audits if a.impact_score is not None]
    if not scores:
        return ImpactSummary(n=0, mean=None, sd=None, low=None, high=None)
    return ImpactSummary(
        n=len(scores), mean=pystats.fmean(scores),
        sd=pystats.stdev(scores) if len(scores) > 1 else None,
        low=min(scores), high=max(scores))


def impact_trend(audits: Sequence[GradedAudit], months: Sequence[str]) -> Chart:
    """An XmR chart of each month's mean impact score (months with no score left out)."""
    by_month: dict[str, list[int]] = defaultdict(list)
    for a in audits:
        if a.impact_score is not None:
            by_month[a.month].append(a.impact_score)
    return xmr([(m, pystats.fmean(by_month[m])) for m in months if by_month[m]],
               direction=Direction.INCREASE)


# --------------------------------------------------------------------------- the rest


@dataclass(frozen=True)
class ModerationFigures:
    completed: int
    changed: Proportion  # of completed reviews, how many changed the overall grade


def moderation(scope: Scope) -> ModerationFigures:
    """Moderation reviews completed in the period on the area's audits (whenever those were
    submitted: a month's audits are moderated the month after)."""
    rows = list(ModerationReview.objects.filter(
        status__in=ModerationReview.workflow.groups["completed"],
        completed_at__date__gte=scope.start, completed_at__date__lte=scope.end,
        audit__in=scope.area_audits()).values_list("overall_changed", flat=True))
    return ModerationFigures(completed=len(rows), changed=wilson(sum(rows), len(rows)))


@dataclass(frozen=True)
class ActionFigures:
    agreed: int
    signed_off: int
    open_at_end: int
    overdue_at_end: int


def actions(scope: Scope) -> ActionFigures:
    """Actions agreed from the area's audits: agreed and signed off within the period, and
    open and overdue on its last day."""
    qs = Action.objects.filter(pk__in=AuditAction.objects.filter(
        audit__in=scope.area_audits()).values("action_id"))
    start, end = scope.start, scope.end
    open_at_end = Q(created_at__date__lte=end) & (
        Q(signed_off_at__isnull=True) | Q(signed_off_at__date__gt=end))
    # The four counts in one query.
    counts = qs.aggregate(
        agreed=Count("pk", filter=Q(created_at__date__gte=start, created_at__date__lte=end)),
        signed_off=Count("pk", filter=Q(signed_off_at__date__gte=start,
                                        signed_off_at__date__lte=end)),
        open_at_end=Count("pk", filter=open_at_end),
        overdue_at_end=Count("pk", filter=open_at_end & Q(due_on__lt=end)))
    return ActionFigures(**counts)


def immediate_concerns(scope: Scope) -> int:
    """Immediate safeguarding concerns raised in the period on the area's audits (raised
    at any moment of an audit, so whether or not it was submitted)."""
    return ImmediateConcern.objects.filter(
        created_at__date__gte=scope.start, created_at__date__lte=scope.end,
        audit__in=scope.area_audits()).count()


@dataclass
class MonthlyFigures:
    """The monthly QA and impact report's figures (002; 001's monthly reports; 000's
    monthly dip sample)."""

    scope: Scope
    audits: list[GradedAudit] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)
    good: Proportion = field(default_factory=lambda: wilson(0, 0))
    by_service: list[AreaRow] = field(default_factory=list)
    by_team: list[AreaRow] = field(default_factory=list)
    by_locality: list[AreaRow] = field(default_factory=list)
    impact: ImpactSummary = field(default_factory=lambda: impact([]))
    good_trend: Chart | None = None
    impact_trend: Chart | None = None
    moderation: ModerationFigures | None = None
    actions: ActionFigures | None = None
    immediate_concerns: int = 0

    @property
    def month(self) -> str:
        return month_key(self.scope.end)


TREND_MONTHS = 24  # two years: enough points for SPC limits without the short-series warning


@dataclass(frozen=True)
class WithHistory:
    """A period's audits and the two years of audits ending with it, read in one go."""

    audits: list[GradedAudit]  # the period's
    over_time: list[GradedAudit]  # the TREND_MONTHS months ending with the period's last
    months: list[str]  # those months, as YYYY-MM


def with_history(scope: Scope) -> WithHistory:
    history = scope.earlier(TREND_MONTHS)
    over_time = graded_audits(history)
    start_key = month_key(scope.start)
    return WithHistory(audits=[a for a in over_time if a.month >= start_key],
                       over_time=over_time, months=months_between(history.start, history.end))


def monthly(scope: Scope) -> MonthlyFigures:
    """Everything the monthly report shows, for the scope's month and area: the month's
    audits read, the two years' trends counted."""
    good_over_time, impact_over_time, scales = _trends(scope.earlier(TREND_MONTHS))
    this_month = graded_audits(replace(scope, start=scope.start.replace(day=1)),
                               scales=scales)  # the month's versions are among the two years
    return MonthlyFigures(
        scope=scope, audits=this_month, distributions=distributions(this_month),
        good=good_or_better(this_month),
        by_service=good_by(this_month, lambda a: a.service),
        by_team=good_by(this_month, lambda a: a.team),
        by_locality=good_by(this_month, lambda a: a.locality),
        impact=impact(this_month),
        good_trend=good_over_time, impact_trend=impact_over_time,
        moderation=moderation(scope), actions=actions(scope),
        immediate_concerns=immediate_concerns(scope))
