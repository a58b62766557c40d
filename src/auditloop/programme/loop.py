"""Closing the loop, read side: did practice move? Before-and-after grades on the same cases
(re-audits and revisits of a theme), the trend of good against not-yet-good across the
monthly audits of a theme, and the revisits due.

The arithmetic is in plain functions at the top (no database), tested against a slow
oracle; the selectors below them fetch in a fixed number of queries whatever the rows.

004 4.4: "repeat audits in certain areas will then evidence improvement. The on-going
monthly audits should show an increase in the number of those cases where practice is
considered good, as opposed to 'not yet good enough'."
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.text import slugify

from auditloop.audits.models import Audit
from auditloop.cases.selectors import cases_for_user
from auditloop.common.dates import add_months
from auditloop.programme.models import (
    Cycle,
    CycleCase,
    LearningSession,
    RevisitCase,
    ThemeRevisit,
)
from auditloop.standards.models import ToolVersion

S = Audit.Status
# Audits whose grade stands: submitted, and every step after it.
GRADED = Audit.workflow.groups["submitted_or_later"]


# ------------------------------------------------------------------------- pure arithmetic


class Outcome(StrEnum):
    IMPROVED = "improved"
    SAME = "same"
    WORSE = "worse"
    NOT_YET = "not_yet"
    UNGRADED = "ungraded"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.IMPROVED: "Improved", Outcome.SAME: "The same", Outcome.WORSE: "Worse",
    Outcome.NOT_YET: "Not yet audited again", Outcome.UNGRADED: "No earlier grade",
}


@dataclass(frozen=True)
class Scale:
    """A tool's overall scale: its grade keys best first, and those that count as good
    (the tool definition's `counts_as_good`, never the grade's name)."""

    keys: tuple[str, ...]
    good: frozenset[str] = frozenset()
    labels: tuple[str, ...] = ()

    @classmethod
    def from_levels(cls, levels: Iterable[dict[str, Any]]) -> Scale:
        rows = list(levels)
        return cls(keys=tuple(str(lv["key"]) for lv in rows),
                   good=frozenset(str(lv["key"]) for lv in rows if lv.get("counts_as_good")),
                   labels=tuple(str(lv.get("label") or lv["key"]) for lv in rows))

    @classmethod
    def of_definition(cls, definition: dict[str, Any]) -> Scale:
        key = (definition.get("overall") or {}).get("scale")
        scale = (definition.get("scales") or {}).get(key) or {}
        return cls.from_levels(scale.get("levels") or [])

    def rank(self, grade: str | None) -> int | None:
        """0 for the best grade; None for no grade or one not on the scale."""
        if not grade or grade not in self.keys:
            return None
        return self.keys.index(grade)

    def is_good(self, grade: str | None) -> bool | None:
        if self.rank(grade) is None:
            return None
        return grade in self.good

    def label(self, grade: str | None) -> str:
        rank = self.rank(grade)
        if rank is None:
            return (grade or "").replace("_", " ")
        return self.labels[rank] if rank < len(self.labels) else str(grade)


def compare(before: str | None, after: str | None, scale: Scale) -> Outcome:
    """The later grade against the earlier on the same case, on the earlier audit's scale."""
    rb, ra = scale.rank(before), scale.rank(after)
    if rb is None:
        return Outcome.UNGRADED
    if ra is None:
        return Outcome.NOT_YET
    if ra < rb:
        return Outcome.IMPROVED
    return Outcome.SAME if ra == rb else Outcome.WORSE


@dataclass(frozen=True)
class Pair:
    before: str | None
    after: str | None
    scale: Scale


@dataclass(frozen=True)
class Summary:
    cases: int = 0
    compared: int = 0
    improved: int = 0
    same: int = 0
    worse: int = 0
    not_yet: int = 0
    ungraded: int = 0
    good_before: int = 0
    good_after: int = 0

    @property
    def share_good_before(self) -> Fraction | None:
        return Fraction(self.good_before, self.compared) if self.compared else None

    @property
    def share_good_after(self) -> Fraction | None:
        return Fraction(self.good_after, self.compared) if self.compared else None

    @property
    def moved(self) -> str:
        """In words: did practice move on the cases compared?"""
        if not self.compared:
            return "Not known yet: no case has been audited again"
        if self.improved > self.worse:
            return "Improved"
        return "Worse" if self.worse > self.improved else "No overall change"


def summarise(pairs: Iterable[Pair]) -> Summary:
    """Counts of each outcome, and the share graded good or better before and after among
    the cases compared (both grades known), so the two shares are of the same cases."""
    counts: dict[Outcome, int] = defaultdict(int)
    good_before = good_after = n = 0
    for p in pairs:
        n += 1
        outcome = compare(p.before, p.after, p.scale)
        counts[outcome] += 1
        if outcome in (Outcome.IMPROVED, Outcome.SAME, Outcome.WORSE):
            good_before += bool(p.scale.is_good(p.before))
            good_after += bool(p.scale.is_good(p.after))
    compared = counts[Outcome.IMPROVED] + counts[Outcome.SAME] + counts[Outcome.WORSE]
    return Summary(cases=n, compared=compared, improved=counts[Outcome.IMPROVED],
                   same=counts[Outcome.SAME], worse=counts[Outcome.WORSE],
                   not_yet=counts[Outcome.NOT_YET], ungraded=counts[Outcome.UNGRADED],
                   good_before=good_before, good_after=good_after)


@dataclass(frozen=True)
class TrendPoint:
    """One cycle's audits on a theme: how many good or better, how many not yet good."""

    period_start: dt.date
    label: str
    good: int
    not_good: int
    after_plan: bool = False

    @property
    def total(self) -> int:
        return self.good + self.not_good

    @property
    def share_good(self) -> Fraction | None:
        return Fraction(self.good, self.total) if self.total else None


def trend(rows: Iterable[tuple[dt.date, str, bool]], *,
          since: dt.date | None = None) -> list[TrendPoint]:
    """(cycle's first day, cycle's title, graded good?) per audit, as points in time order;
    `since` marks the points from that day on (an action plan's start)."""
    good: dict[tuple[dt.date, str], int] = defaultdict(int)
    not_good: dict[tuple[dt.date, str], int] = defaultdict(int)
    for start, label, is_good in rows:
        (good if is_good else not_good)[(start, label)] += 1
        good.setdefault((start, label), 0)
    return [TrendPoint(period_start=start, label=label, good=good[(start, label)],
                       not_good=not_good[(start, label)],
                       after_plan=since is not None and start >= since)
            for start, label in sorted(good)]


def share_good(points: Iterable[TrendPoint]) -> Fraction | None:
    g = t = 0
    for p in points:
        g, t = g + p.good, t + p.total
    return Fraction(g, t) if t else None


def revisit_due_on(period_end: dt.date, months: int) -> dt.date:
    """`months` after the cycle's period ends. A period that ends on a month's last day
    (every monthly cycle) is revisited to the last day of the month `months` on, so a
    cycle ending 28 February is due 31 August, not the 28th."""
    due = add_months(period_end, months)
    if period_end.day == calendar.monthrange(period_end.year, period_end.month)[1]:
        due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
    return due


def percent(share: Fraction | None) -> str:
    return "none yet" if share is None else f"{round(float(share) * 100)}%"


def theme_key(theme: str) -> str:
    return theme.strip().casefold()


def theme_slug(theme: str) -> str:
    return slugify(theme.strip()) or "theme"


# ------------------------------------------------------------------------------- selectors


def grade_of(audit: Audit | None) -> str:
    """The grade that counts: the moderator's where moderation changed it."""
    if audit is None or audit.status not in GRADED:
        return ""
    return audit.final_grade or audit.overall_grade


def scales_for(version_ids: Iterable[int]) -> dict[int, Scale]:
    """Each tool version's overall scale: one query."""
    ids = set(version_ids)
    if not ids:
        return {}
    return {pk: Scale.of_definition(definition or {}) for pk, definition in
            ToolVersion.objects.filter(pk__in=ids).values_list("pk", "definition")}


def revisits() -> QuerySet[ThemeRevisit]:
    return (ThemeRevisit.objects.select_related("cycle", "started_by")
            .annotate(case_count=Count("cases"),
                      closed_count=Count("cases", filter=Q(cases__closed_since=True)))
            .order_by("status", "due_on", "pk"))


def revisits_due(*, today: dt.date) -> QuerySet[ThemeRevisit]:
    return ThemeRevisit.objects.filter(status=ThemeRevisit.Status.SCHEDULED,
                                       due_on__lte=today).order_by("due_on", "pk")


def get_revisit(revisit_id: int) -> ThemeRevisit:
    row = ThemeRevisit.objects.select_related("cycle", "started_by").filter(
        pk=revisit_id).first()
    if row is None:
        raise Http404
    return row


def revisit_events(revisit: ThemeRevisit) -> QuerySet[Any]:
    return revisit.events.select_related("actor").order_by("at", "pk")


def audited_cycle_cases(cycle: Cycle) -> QuerySet[CycleCase]:
    """The cycle's cases whose audit was graded: what a revisit goes back to."""
    return (CycleCase.objects.filter(cycle=cycle, status=CycleCase.Status.CONFIRMED,
                                     audit__status__in=GRADED)
            .select_related("case", "audit").order_by("position", "pk"))


@dataclass
class CaseRow:
    """One case compared: the earlier audit and the later one (the evidence)."""

    case_id: int
    reference: str  # empty for a user who may not see the case
    kind: str  # "Re-audit" or "Revisit"
    earlier: Audit
    later: Audit | None
    before: str
    after: str
    outcome: Outcome
    scale: Scale
    theme: str = ""
    closed_since: bool = False

    @property
    def before_label(self) -> str:
        return self.scale.label(self.before) or "No grade"

    @property
    def after_label(self) -> str:
        return self.scale.label(self.after) if self.after else "Not yet"


@dataclass
class ThemeLoop:
    theme: str
    slug: str
    revisits: list[ThemeRevisit] = field(default_factory=list)
    rows: list[CaseRow] = field(default_factory=list)
    points: list[TrendPoint] = field(default_factory=list)

    @property
    def summary(self) -> Summary:
        return summarise(Pair(r.before, r.after, r.scale) for r in self.rows
                         if not r.closed_since)

    @property
    def closed_rows(self) -> list[CaseRow]:
        return [r for r in self.rows if r.closed_since]

    @property
    def share_good_trend(self) -> tuple[Fraction | None, Fraction | None]:
        """The share good in the first and the latest cycle on the theme."""
        if not self.points:
            return None, None
        return self.points[0].share_good, self.points[-1].share_good


def themes() -> list[tuple[str, str]]:
    """Every theme a cycle has audited, as (theme, slug), by name. One query."""
    seen: dict[str, str] = {}
    for theme in Cycle.objects.exclude(theme="").values_list("theme", flat=True).distinct():
        seen.setdefault(theme_key(theme), theme.strip())
    return sorted(((t, theme_slug(t)) for t in seen.values()), key=lambda x: x[0].casefold())


def theme_for_slug(slug: str) -> str:
    for theme, s in themes():
        if s == slug:
            return theme
    raise Http404


def _matches(theme: str | None) -> Q:
    return Q() if theme is None else Q(theme__iexact=theme.strip())


def theme_loops(*, user: Any, theme: str | None = None,
                since: dt.datetime | None = None) -> list[ThemeLoop]:
    """Per theme (or the one theme): its revisits, every case compared (revisits of the
    theme and re-audits of audits made in its cycles) and the trend across its monthly
    cycles. `since` keeps the later audits made from then on (an action plan's start).
    Seven queries whatever the rows; case references only for cases the user may see."""
    loops: dict[str, ThemeLoop] = {}

    def loop(name: str) -> ThemeLoop:
        key = theme_key(name)
        if key not in loops:
            loops[key] = ThemeLoop(theme=name.strip(), slug=theme_slug(name))
        return loops[key]

    for name in (Cycle.objects.exclude(theme="").filter(_matches(theme))
                 .values_list("theme", flat=True).distinct()):
        loop(name)
    revisit_rows = list(ThemeRevisit.objects.filter(_matches(theme)).select_related("cycle")
                        .order_by("due_on", "pk"))
    for r in revisit_rows:
        loop(r.theme).revisits.append(r)
    pairs: list[tuple[str, str, Audit, Audit | None, bool]] = []
    for rc in (RevisitCase.objects.filter(revisit__in=revisit_rows)
               .select_related("revisit", "earlier_audit", "revisit_audit")
               .order_by("revisit_id", "pk")):
        pairs.append((rc.revisit.theme, "Revisit", rc.earlier_audit, rc.revisit_audit,
                      rc.closed_since))
    themed = CycleCase.objects.filter(audit__isnull=False).exclude(cycle__theme="")
    if theme is not None:
        themed = themed.filter(cycle__theme__iexact=theme.strip())
    earlier_theme = dict(themed.values_list("audit_id", "cycle__theme"))
    for re_audit in (Audit.objects.filter(kind=Audit.Kind.RE_AUDIT,
                                          re_audit_of_id__in=themed.values("audit_id"))
                     .exclude(status=S.WITHDRAWN).select_related("re_audit_of")
                     .order_by("re_audit_of_id", "pk")):
        assert re_audit.re_audit_of is not None
        pairs.append((earlier_theme[re_audit.re_audit_of.pk], "Re-audit",
                      re_audit.re_audit_of, re_audit, False))
    if since is not None:
        pairs = [p for p in pairs if p[3] is None or p[3].submitted_at is None
                 or p[3].submitted_at >= since]
    scales = scales_for(p[2].tool_version_id for p in pairs)
    case_ids = {p[2].case_id for p in pairs}
    visible: dict[int, str] = dict(
        cases_for_user(user=user).filter(pk__in=case_ids).values_list("pk", "reference")
    ) if case_ids else {}
    for name, kind, earlier, later, closed in pairs:
        scale = scales.get(earlier.tool_version_id, Scale(keys=()))
        before, after = grade_of(earlier), grade_of(later)
        loop(name).rows.append(CaseRow(
            case_id=earlier.case_id, reference=visible.get(earlier.case_id, ""), kind=kind,
            earlier=earlier, later=later, before=before, after=after,
            outcome=compare(before, after, scale), scale=scale, theme=name,
            closed_since=closed))
    trend_rows: dict[str, list[tuple[dt.date, str, bool]]] = defaultdict(list)
    monthly = (CycleCase.objects.filter(cycle__kind=Cycle.Kind.MONTHLY,
                                        status=CycleCase.Status.CONFIRMED,
                                        audit__status__in=GRADED)
               .exclude(cycle__theme=""))
    if theme is not None:
        monthly = monthly.filter(cycle__theme__iexact=theme.strip())
    facts = list(monthly.values_list("cycle__theme", "cycle__period_start",
                                     "audit__final_grade", "audit__overall_grade",
                                     "audit__tool_version_id"))
    scales.update(scales_for({f[4] for f in facts} - set(scales)))
    for name, start, final, overall, version in facts:
        grade = final or overall
        is_good = scales.get(version, Scale(keys=())).is_good(grade)
        if is_good is not None:
            trend_rows[theme_key(name)].append((start, f"{start:%B %Y}", is_good))
    since_day = since.date() if since is not None else None
    for key, rows in trend_rows.items():
        if key in loops:
            loops[key].points = trend(rows, since=since_day)
    return sorted(loops.values(), key=lambda t: t.theme.casefold())


def shown_case_ids(loops: Iterable[ThemeLoop]) -> list[int]:
    """The cases whose rows the page shows with their identifier (for the access log)."""
    return sorted({r.case_id for t in loops for r in t.rows if r.reference})


# ------------------------------------------------------------------------- learning sessions


def learning_sessions(*, user: Any) -> QuerySet[LearningSession]:
    """The sessions the user may open: all of them for those who run the cycle or read
    reports; otherwise those they were invited to."""
    from auditloop.people.roles import Capability

    qs = LearningSession.objects.annotate(
        invited_count=Count("invitations", distinct=True),
        attended_count=Count("invitations", filter=Q(invitations__attended=True),
                             distinct=True),
    ).prefetch_related("cycles").order_by("-held_on", "-pk")
    if user.has_capability(Capability.RUN_CYCLE) or user.has_capability(
            Capability.VIEW_REPORTS):
        return qs
    person = user.person_or_none
    if person is None:
        return qs.none()
    return qs.filter(invitations__person=person)


def get_learning_session_for_user(user: Any, session_id: int) -> LearningSession:
    """The session, or 404 for missing and forbidden alike."""
    session = learning_sessions(user=user).filter(pk=session_id).first()
    if session is None:
        raise Http404
    return session


def invitations(session: LearningSession) -> QuerySet[Any]:
    return session.invitations.select_related("person", "person__team").order_by(
        "person__full_name", "pk")


def improvements(session: LearningSession) -> QuerySet[Any]:
    return session.improvements.select_related("created_by").order_by("created_at", "pk")


def cycles_for_learning(*, on: dt.date) -> list[Cycle]:
    """The cycles a session on `on` may cover, newest first: those with audits submitted
    (allocated or later) whose period ended before the session."""
    return list(Cycle.objects.filter(
        status__in=Cycle.workflow.groups["allocated_or_later"],
        period_start__lt=on).order_by("-period_end", "-pk")[:12])


def default_cycles(*, on: dt.date, choices: Iterable[Cycle]) -> list[Cycle]:
    """The previous month's cycle(s): those whose period ends in the month before `on`
    (002: "audit outcomes from earlier months"; "those involved in the previous months
    audits")."""
    before = add_months(on.replace(day=1), -1)
    return [c for c in choices
            if (c.period_end.year, c.period_end.month) == (before.year, before.month)]


def case_references(user: Any, case_ids: Iterable[int]) -> dict[int, str]:
    ids = set(case_ids)
    if not ids:
        return {}
    return dict(cases_for_user(user=user).filter(pk__in=ids).values_list("pk", "reference"))


__all__ = [
    "GRADED", "CaseRow", "Outcome", "Pair", "Scale", "Summary", "ThemeLoop", "TrendPoint",
    "compare", "percent", "revisit_due_on", "summarise", "theme_loops", "themes", "trend",
]
