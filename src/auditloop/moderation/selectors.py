"""Moderation's reads: a moderator's reviews, the access helpers (404 for missing and
forbidden alike), a cycle's sample, the agreement figures, auditors' records and the spread
of a calibration exercise's grades."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from auditloop.audits.models import Audit, AuditAssignment
from auditloop.common.dates import add_months
from auditloop.moderation import agreement, figures_cache
from auditloop.moderation.models import (
    OVERALL,
    CalibrationExercise,
    CalibrationParticipant,
    ModerationGrade,
    ModerationReview,
    ModerationSample,
    ModeratorAssignment,
    SampledAudit,
)
from auditloop.moderation.services import GradedSection, graded_sections, is_panel_member
from auditloop.people.models import AuditorTraining, Person
from auditloop.people.roles import Capability
from auditloop.programme.models import Cycle
from auditloop.standards.selectors import framework_settings_row

R = ModerationReview.Status
AUDITING = [AuditAssignment.Role.AUDITOR, AuditAssignment.Role.LEAD_AUDITOR,
            AuditAssignment.Role.RE_AUDITOR]


def may_moderate(user: Any) -> bool:
    return bool(user.has_capability(Capability.MODERATE)
                or is_panel_member(user.person_or_none))


# Reviews --------------------------------------------------------------------------------


def _review_qs() -> QuerySet[ModerationReview]:
    return ModerationReview.objects.select_related(
        "audit", "audit__case", "audit__case__team", "audit__tool_version",
        "audit__tool_version__tool", "assignment", "assignment__sampled",
        "assignment__sampled__sample__cycle", "moderator")


def reviews_for_moderator(*, person: Person) -> QuerySet[ModerationReview]:
    """The moderator's current reviews: blind ones first, then those to decide, then done."""
    order = Case(When(status=R.BLIND, then=Value(0)), When(status=R.REVEALED, then=Value(1)),
                 default=Value(2), output_field=IntegerField())
    return (_review_qs().filter(moderator=person)
            .exclude(status=R.ENDED)
            .annotate(order=order).order_by("order", "created_at", "pk"))


def get_review_for_user(user: Any, review_id: int) -> ModerationReview:
    """The review, for its moderator while it is theirs, and for the QA manager (who runs
    the cycle). 404 for missing and forbidden alike; the caller logs the view."""
    try:
        review = _review_qs().get(pk=review_id)
    except ModerationReview.DoesNotExist as exc:
        raise Http404 from exc
    person = user.person_or_none
    if person is not None and review.moderator_id == person.pk \
            and review.assignment.ended_at is None:
        return review
    if user.has_capability(Capability.RUN_CYCLE) and not is_blind_on(person, review.audit):
        return review
    raise Http404


def is_blind_on(person: Person | None, audit: Audit) -> bool:
    from auditloop.audits.blinding import is_blind

    return is_blind(person, audit)


def blind_check(person: Any, audit_ids: Iterable[int] | None) -> set[int]:
    """Registered with audits.blinding: the audits of which the person is a current
    moderator who has not saved their own grades yet."""
    pk = getattr(person, "pk", None)
    if pk is None:
        return set()
    rows = ModerationReview.objects.filter(moderator_id=pk, status=R.BLIND,
                                           assignment__ended_at__isnull=True)
    if audit_ids is not None:
        rows = rows.filter(audit_id__in=list(audit_ids))
    return set(rows.values_list("audit_id", flat=True))


def reviewing_check(person: Any, audit_ids: Iterable[int] | None) -> set[int]:
    """Registered with audits.blinding: the audits the person is a current moderator of
    whose review is still open (blind or comparing). Once the review is completed, ended or
    reassigned, the role alone no longer opens the audit."""
    pk = getattr(person, "pk", None)
    if pk is None:
        return set()
    rows = ModerationReview.objects.filter(
        moderator_id=pk, status__in=ModerationReview.workflow.groups["in_progress"],
        assignment__ended_at__isnull=True)
    if audit_ids is not None:
        rows = rows.filter(audit_id__in=list(audit_ids))
    return set(rows.values_list("audit_id", flat=True))


def waiting_count(person: Person) -> tuple[int, int]:
    """(blind, to decide) reviews waiting for this moderator."""
    counts = dict(ModerationReview.objects.filter(
        moderator=person, status__in=ModerationReview.workflow.groups["in_progress"])
        .values("status")
        .annotate(n=Count("pk")).values_list("status", "n"))
    return counts.get(R.BLIND, 0), counts.get(R.REVEALED, 0)


# The sample -----------------------------------------------------------------------------


def get_cycle(cycle_id: int) -> Cycle:
    try:
        return Cycle.objects.get(pk=cycle_id)
    except Cycle.DoesNotExist as exc:
        raise Http404 from exc


def sample_of(cycle: Cycle) -> ModerationSample | None:
    return ModerationSample.objects.filter(cycle=cycle).first()


def sample_rows(sample: ModerationSample) -> list[SampledAudit]:
    """The sample's current audits with their current moderator and review, in agenda
    order; a fixed number of queries."""
    current = ModeratorAssignment.objects.filter(ended_at__isnull=True).select_related(
        "person", "review")
    return list(SampledAudit.objects.filter(sample=sample, status=SampledAudit.Status.CURRENT)
                .select_related("audit", "audit__case", "audit__case__team",
                                "audit__tool_version__tool")
                .prefetch_related(
                    Prefetch("assignments", queryset=current, to_attr="current"),
                    Prefetch("audit__assignments", queryset=AuditAssignment.objects
                             .select_related("person").order_by("id")))
                .order_by("position", "pk"))


def removed_rows(sample: ModerationSample) -> QuerySet[SampledAudit]:
    return (SampledAudit.objects.filter(sample=sample, status=SampledAudit.Status.REMOVED)
            .select_related("audit", "audit__case", "removed_by").order_by("removed_at"))


def get_sampled(sample: ModerationSample, sampled_id: int) -> SampledAudit:
    try:
        return SampledAudit.objects.select_related("audit", "audit__case", "sample").get(
            pk=sampled_id, sample=sample)
    except SampledAudit.DoesNotExist as exc:
        raise Http404 from exc


def get_sample_for_user(user: Any, sample_id: int) -> ModerationSample:
    """A sample, for the QA manager and the panel (its meeting)."""
    if not (user.has_capability(Capability.RUN_CYCLE) or may_moderate(user)):
        raise Http404
    try:
        return ModerationSample.objects.select_related("cycle").get(pk=sample_id)
    except ModerationSample.DoesNotExist as exc:
        raise Http404 from exc


def addable_audits(sample: ModerationSample) -> list[Audit]:
    from auditloop.moderation.services import cycle_submitted_audits

    taken = set(SampledAudit.objects.filter(sample=sample, status=SampledAudit.Status.CURRENT)
                .values_list("audit_id", flat=True))
    return [a for a in cycle_submitted_audits(sample.cycle) if a.pk not in taken]


# Agreement ------------------------------------------------------------------------------


@dataclass
class Group:
    """The figures for one group of moderated grades (overall, a section, an auditor)."""

    label: str
    scale: str
    figures: agreement.Figures
    floor: int
    flagged: bool = False
    person_id: int | None = None


@dataclass
class Report:
    since: dt.date
    window_months: int
    floor: int
    threshold: Decimal | None  # None: the framework flags nobody for mentoring
    overall: list[Group] = field(default_factory=list)
    sections: list[Group] = field(default_factory=list)
    auditors: list[Group] = field(default_factory=list)
    reviews: int = 0

    @property
    def flagged(self) -> list[Group]:
        return [g for g in self.auditors if g.flagged]


Pair = tuple[int, int]


def _start_of(day: dt.date) -> dt.datetime:
    # A time, not a date: comparing the column itself lets the database use its index.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _rows(since: dt.date) -> list[tuple[Any, ...]]:
    return list(ModerationGrade.objects.filter(
        review__status=R.COMPLETED, review__completed_at__gte=_start_of(since),
        auditor_rank__isnull=False, moderator_rank__isnull=False,
    ).values_list("review__audit_id", "section_key", "section_title", "scale", "levels",
                  "auditor_rank", "moderator_rank", "agrees").order_by())


def agreement_report(*, today: dt.date, by_auditor: bool = True) -> Report:
    """Agreement between auditors and moderators over the framework's rolling window: the
    auditor's grade against the moderator's own blind grade, overall, by tool section and
    by auditor. Groups under the framework's floor show their count only.

    Worked out once per change (moderation.figures_cache): kept in Django's cache under the
    figures' version, the day and the settings read. Three queries when nothing changed
    (the settings, the version, the auditors' names), five after a change."""
    row = framework_settings_row()
    floor = row.agreement_min_audits
    # 004: mentoring auditors to become "audit champions" is the framework's review of the
    # quality of the audits themselves (audit_quality_review): without it, nobody is flagged.
    threshold = row.mentoring_threshold_percent if row.audit_quality_review else None
    months = row.agreement_window_months
    cache_key = figures_cache.key("report", figures_cache.version(), today, months, floor,
                                  threshold)
    report, computed = figures_cache.cached(
        cache_key, lambda: _agreement_report(today, months, floor, threshold))
    if not by_auditor:
        report.auditors = []
    elif report.auditors and not computed:
        # Names are not part of the figures' version: read afresh, as is the order by them.
        names = dict(Person.objects.filter(pk__in=[g.person_id for g in report.auditors])
                     .values_list("pk", "full_name"))
        for g in report.auditors:
            g.label = names.get(g.person_id or 0, g.label)
        report.auditors.sort(key=lambda g: (not g.flagged, g.label))
    return report


def _agreement_report(today: dt.date, months: int, floor: int,
                      threshold: Decimal | None) -> Report:
    """The figures afresh: two queries, the grades in the window and their auditors."""
    since = add_months(today, -months)
    report = Report(since=since, window_months=months, floor=floor, threshold=threshold)
    rows = _rows(since)
    overall: dict[tuple[str, int], list[Pair]] = defaultdict(list)
    overall_moved: Counter[tuple[str, int]] = Counter()
    sections: dict[tuple[str, str, int], list[Pair]] = defaultdict(list)
    section_moved: Counter[tuple[str, str, int]] = Counter()
    titles: dict[tuple[str, str, int], str] = {}
    by_audit: dict[int, tuple[str, int, Pair, bool]] = {}
    for audit_id, key, title, scale, levels, a, m, agrees in rows:
        if key == OVERALL:
            overall[scale, levels].append((a, m))
            overall_moved[scale, levels] += agrees is False
            by_audit[audit_id] = (scale, levels, (a, m), agrees is False)
        else:
            g = (key, scale, levels)
            sections[g].append((a, m))
            section_moved[g] += agrees is False
            titles.setdefault(g, title)
    report.reviews = len(by_audit)
    for (scale, levels), pairs in sorted(overall.items()):
        report.overall.append(Group("Overall grade", scale, agreement.figures(
            pairs, levels, moved=overall_moved[scale, levels], floor=floor), floor))
    for g, pairs in sorted(sections.items(), key=lambda kv: titles[kv[0]]):
        report.sections.append(Group(titles[g], g[1], agreement.figures(
            pairs, g[2], moved=section_moved[g], floor=floor), floor))
    if by_audit:
        report.auditors = _by_auditor(by_audit, floor, threshold)
    return report


def _by_auditor(by_audit: dict[int, tuple[str, int, Pair, bool]], floor: int,
                threshold: Decimal | None) -> list[Group]:
    people: dict[int, str] = {}
    groups: dict[tuple[int, str, int], list[Pair]] = defaultdict(list)
    moved: Counter[tuple[int, str, int]] = Counter()
    for audit_id, pid, name in AuditAssignment.objects.filter(
            audit_id__in=list(by_audit), role__in=AUDITING).values_list(
            "audit_id", "person_id", "person__full_name").distinct():
        scale, levels, pair, was_moved = by_audit[audit_id]
        people[pid] = name
        groups[pid, scale, levels].append(pair)
        moved[pid, scale, levels] += was_moved
    out = []
    for (pid, scale, levels), pairs in groups.items():
        f = agreement.figures(pairs, levels, moved=moved[pid, scale, levels], floor=floor)
        share = 100.0 * f.moved / f.n if f.n else 0.0
        out.append(Group(people[pid], scale, f, floor, person_id=pid,
                         flagged=(threshold is not None and f.n >= floor
                                  and share > float(threshold))))
    return sorted(out, key=lambda g: (not g.flagged, g.label))


# Auditors' records ----------------------------------------------------------------------


@dataclass
class AuditorFigures:
    person: Person
    training: str | None = None  # the latest AuditorTraining status
    training_on: dt.date | None = None
    shadow_audits: int = 0
    audits_done: int = 0
    moderated: int = 0
    moved: int = 0
    calibrations: int = 0
    flagged: bool = False

    @property
    def moved_percent(self) -> float | None:
        return 100.0 * self.moved / self.moderated if self.moderated else None

    @property
    def training_label(self) -> str:
        return AuditorTraining.Status(self.training).label if self.training else "Not recorded"


def auditor_figures(people: list[Person], *, today: dt.date) -> list[AuditorFigures]:
    """Each auditor's figures in a fixed number of queries, whatever the number of auditors
    or reviews: the latest training, shadow audits, audits done, moderated audits in the
    window and how many were moved (worked out once per change for every auditor, and kept
    in the cache: figures_cache), calibration exercises graded, and the mentoring flag."""
    row = framework_settings_row()
    since = add_months(today, -row.agreement_window_months)
    ids = [p.pk for p in people]
    out = {p.pk: AuditorFigures(person=p) for p in people}
    for pid, status, on in (AuditorTraining.objects.filter(person_id__in=ids)
                            .order_by("person_id", "-recorded_on", "-id")
                            .values_list("person_id", "status", "recorded_on")):
        if out[pid].training is None:
            out[pid].training, out[pid].training_on = status, on
    counts = (AuditAssignment.objects.filter(person_id__in=ids).values("person_id")
              .annotate(shadow=Count("audit", filter=Q(role=AuditAssignment.Role.SHADOW),
                                     distinct=True),
                        done=Count("audit", filter=Q(role__in=AUDITING,
                                                     audit__submitted_at__isnull=False),
                                   distinct=True)))
    for c in counts:
        out[c["person_id"]].shadow_audits = c["shadow"]
        out[c["person_id"]].audits_done = c["done"]
    counts_key = figures_cache.key("moderated", figures_cache.version(), since)
    moderated, _ = figures_cache.cached(counts_key, lambda: _moderated_counts(since))
    for pid in ids:
        out[pid].moderated, out[pid].moved = moderated.get(pid, (0, 0))
    for pid, n in (CalibrationParticipant.objects.filter(person_id__in=ids,
                                                        submitted_at__isnull=False)
                   .values("person_id").annotate(n=Count("pk")).values_list("person_id", "n")):
        out[pid].calibrations = n
    for f in out.values():
        share = f.moved_percent
        f.flagged = (row.audit_quality_review
                     and f.moderated >= row.agreement_min_audits and share is not None
                     and share > float(row.mentoring_threshold_percent))
    return [out[pid] for pid in ids]


def _moderated_counts(since: dt.date) -> dict[int, tuple[int, int]]:
    """Every auditor's moderated audits completed in the window and how many of them were
    moved, by person: two queries, kept in the cache by figures' version (figures_cache)."""
    done = ModerationReview.objects.filter(status=R.COMPLETED,
                                           completed_at__gte=_start_of(since))
    out: dict[int, tuple[int, int]] = {}
    for changed in (False, True):
        reviews = done.filter(overall_changed=True) if changed else done
        for pid, n in (AuditAssignment.objects.filter(role__in=AUDITING)
                       .filter(Q(audit__pk__in=reviews.values("audit_id")))
                       .values("person_id").annotate(n=Count("audit", distinct=True))
                       .values_list("person_id", "n")):
            was = out.get(pid, (0, 0))
            out[pid] = (was[0], n) if changed else (n, was[1])
    return out


def auditors() -> list[Person]:
    from auditloop.audits.selectors import auditor_pool

    return list(auditor_pool())


def get_auditor_for_user(user: Any, person_id: int) -> Person:
    """An auditor's record: the QA manager, and the auditor themselves."""
    me = user.person_or_none
    if not (user.has_capability(Capability.RUN_CYCLE) or (me and me.pk == person_id)):
        raise Http404
    try:
        return Person.objects.select_related("team", "job_title").get(pk=person_id)
    except Person.DoesNotExist as exc:
        raise Http404 from exc


def training_history(person: Person) -> QuerySet[AuditorTraining]:
    return person.training.order_by("-recorded_on", "-id")


def shadow_audits(person: Person) -> QuerySet[AuditAssignment]:
    return (AuditAssignment.objects.filter(person=person, role=AuditAssignment.Role.SHADOW)
            .select_related("audit", "audit__tool_version__tool").order_by("-assigned_at"))


# Calibration ----------------------------------------------------------------------------


def exercises_for(user: Any) -> QuerySet[CalibrationExercise]:
    """The QA manager sees every exercise; others the ones they take part in."""
    qs = CalibrationExercise.objects.select_related("tool_version__tool").annotate(
        invited=Count("participants", distinct=True),
        submitted=Count("participants", filter=Q(participants__submitted_at__isnull=False),
                        distinct=True))
    if not user.has_capability(Capability.RUN_CYCLE):
        qs = qs.filter(participants__person=user.person_or_none)
    return qs.order_by("-created_at")


def get_exercise(exercise_id: int) -> CalibrationExercise:
    try:
        return CalibrationExercise.objects.select_related("tool_version__tool").get(
            pk=exercise_id)
    except CalibrationExercise.DoesNotExist as exc:
        raise Http404 from exc


def participant_of(exercise: CalibrationExercise, person: Person | None
                   ) -> CalibrationParticipant | None:
    if person is None:
        return None
    return exercise.participants.filter(person=person).first()


def may_see_results(user: Any, exercise: CalibrationExercise) -> bool:
    """The QA manager sees everyone's grades, always; a participant once theirs are in; the
    panel (who set the agreed grade) unless they take part and have not graded yet."""
    if user.has_capability(Capability.RUN_CYCLE):
        return True
    mine = participant_of(exercise, user.person_or_none)
    if mine is not None:
        return mine.submitted_at is not None
    return bool(user.has_capability(Capability.MODERATE))


@dataclass
class Spread:
    section: GradedSection
    counts: list[tuple[str, int]]  # (label, count) for every grade of the scale, best first
    n: int
    best: str
    worst: str
    modes: list[str]
    mode_share: float | None
    reference: str


def spread(exercise: CalibrationExercise) -> tuple[list[Spread], int]:
    """Per section and overall: counts per grade, the range, the modal grade(s), the share
    on the mode, and the panel's agreed grade. With how many have graded."""
    grades = [p.grades for p in exercise.participants.filter(submitted_at__isnull=False)]
    out = []
    for s in graded_sections(exercise.tool_version):
        given = [g.get(s.key) for g in grades if s.rank(g.get(s.key) or "") is not None]
        tally = Counter(given)
        counts = [(str(lv["label"]), tally.get(lv["key"], 0)) for lv in s.levels]
        ranks = sorted(s.rank(g) for g in given if g)  # type: ignore[type-var]
        top = max(tally.values()) if tally else 0
        modes = [str(lv["label"]) for lv in s.levels if top and tally.get(lv["key"]) == top]
        out.append(Spread(
            section=s, counts=counts, n=len(given),
            best=str(s.levels[ranks[0]]["label"]) if ranks else "",  # type: ignore[index]
            worst=str(s.levels[ranks[-1]]["label"]) if ranks else "",  # type: ignore[index]
            modes=modes, mode_share=100.0 * top / len(given) if given else None,
            reference=s.label(exercise.reference_grades.get(s.key, ""))))
    return out, len(grades)


def calibrations_of(person: Person) -> list[tuple[CalibrationExercise, str, list[str], str]]:
    """Each exercise the person graded: their overall grade, the modal grade(s) and the
    agreed grade."""
    out = []
    for p in (CalibrationParticipant.objects.filter(person=person, submitted_at__isnull=False)
              .select_related("exercise", "exercise__tool_version").order_by("-submitted_at")):
        spreads, _ = spread(p.exercise)
        overall = next((s for s in spreads if s.section.key == OVERALL), None)
        if overall is None:
            continue
        out.append((p.exercise, overall.section.label(p.grades.get(OVERALL, "")),
                    overall.modes, overall.reference))
    return out


def recent_cycles() -> QuerySet[Cycle]:
    """The monthly cycles of the last year, newest first, with whether each has a sample."""
    return (Cycle.objects.filter(kind=Cycle.Kind.MONTHLY)
            .select_related("moderation_sample").order_by("-period_start")[:13])
