"""Indicators counted from auditloop itself: the audits' grades and impact scores, the audit
actions against the framework's limit, and Tier 1 quality control. They count as the
monthly report does (an audit in the month it was submitted, with the grade that counts;
an action in the month it was signed off; a quality check in the month it was first
checked), so the indicators page and the report never disagree.

Scope: the case's service and locality now (the audit's case; the case of the record a
quality check is of).
"""

from __future__ import annotations

import datetime as dt
import statistics as pystats

from django.db.models import Q
from django.utils import timezone

from auditloop.actions.deadline import action_deadline
from auditloop.audits.models import Audit, AuditAction
from auditloop.indicators.registry import Kind, Measure, Polarity, Scope, register
from auditloop.programme.loop import Scale, scales_for
from auditloop.quality.models import QualityCheck

SUBMITTED = Audit.workflow.groups["submitted_or_later"]
SENT_BACK = QualityCheck.workflow.groups["sent_back"]
SOURCE = "auditloop: audits, actions and quality checks"


def _day_bounds(start: dt.date, end: dt.date) -> Q:
    return Q(submitted_at__date__gte=start, submitted_at__date__lte=end)


def _submitted(start: dt.date, end: dt.date, scope: Scope) -> list[tuple[int, int, str, int,
                                                                         int | None]]:
    """(audit, case, grade that counts, tool version, impact score) of the audits
    submitted in the month."""
    rows = scope.cases(Audit.objects.filter(_day_bounds(start, end), status__in=SUBMITTED),
                       path="case__")
    return [(pk, case, final or overall, version, impact)
            for pk, case, final, overall, version, impact in rows.values_list(
                "pk", "case_id", "final_grade", "overall_grade", "tool_version_id",
                "impact_score").order_by("pk")]


@register(
    key="audits_good_or_better", name="Audits good or better",
    definition=(
        "Of the audits submitted in the month (and not withdrawn) whose grade that counts "
        "(the moderator's where moderation changed it, else the auditor's) is on their "
        "tool's overall scale, those whose grade the tool counts as good. The cases of "
        "those below good are the ones a signal points at."),
    source_fields=["Audit: submitted_at", "Audit: final_grade", "Audit: overall_grade",
                   "Audit tool: counts_as_good"],
    kind=Kind.PROPORTION, polarity=Polarity.HIGHER, source=SOURCE,
    hypothesis=("{name} {movement} in {month}: which parts of practice fell short in the "
                "audits below good?"))
def audits_good_or_better(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    rows = _submitted(start, end, scope)
    scales = scales_for({version for _, _, _, version, _ in rows})
    good, graded, below = 0, 0, set()
    for _, case, grade, version, _ in rows:
        is_good = scales.get(version, Scale(keys=())).is_good(grade)
        if is_good is None:
            continue
        graded += 1
        if is_good:
            good += 1
        else:
            below.add(case)
    if not graded:
        return None
    return Measure(numerator=good, denominator=graded, cases=sorted(below))


@register(
    key="mean_impact_score", name="Mean impact score",
    definition=(
        "The mean of the impact scores (the number in the audit tool's impact section, "
        "000's score out of 10) of the audits submitted in the month that have one."),
    source_fields=["Audit: submitted_at", "Audit: impact_score"],
    kind=Kind.MEAN, polarity=Polarity.HIGHER, unit="out of 10", source=SOURCE,
    hypothesis=("{name} {movement} in {month}: what is the difference to children in the "
                "cases that scored lowest?"))
def mean_impact_score(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    scores = [(case, impact) for _, case, _, _, impact in _submitted(start, end, scope)
              if impact is not None]
    if not scores:
        return None
    mean = pystats.fmean(score for _, score in scores)
    return Measure(value=mean, denominator=len(scores),
                   cases=sorted({case for case, score in scores if score < mean}))


@register(
    key="actions_within_limit", name="Audit actions completed within the framework's limit",
    definition=(
        "Of the audit actions signed off in the month, those signed off within the "
        "framework's limit (the setting 'Audit actions completed within (days)', 40 days in "
        "002) of the day they were agreed. Nothing is counted while the framework sets no "
        "limit."),
    source_fields=["Action: created_at (agreed)", "Action: signed_off_at",
                   "Framework setting: action_deadline_days"],
    kind=Kind.PROPORTION, polarity=Polarity.HIGHER, source=SOURCE,
    hypothesis=("{name} {movement} in {month}: what held up the actions signed off late?"))
def actions_within_limit(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    deadline = action_deadline()
    if not deadline.days:
        return None
    links = scope.cases(AuditAction.objects.filter(
        action__signed_off_at__date__gte=start, action__signed_off_at__date__lte=end),
        path="audit__case__")
    seen: dict[int, tuple[bool, int]] = {}
    for action, case, agreed, finished in links.values_list(
            "action_id", "audit__case_id", "action__created_at",
            "action__signed_off_at").order_by("action_id", "audit_id"):
        if action in seen:  # an action agreed from two audits counts once
            continue
        latest = deadline.latest_due_on(timezone.localdate(agreed))
        assert latest is not None
        seen[action] = (timezone.localdate(finished) <= latest, case)
    if not seen:
        return None
    within = sum(1 for ok, _ in seen.values() if ok)
    return Measure(numerator=within, denominator=len(seen),
                   cases=sorted({case for ok, case in seen.values() if not ok}))


@register(
    key="tier1_pass_rate", name="Tier 1 quality checks passed first time",
    definition=(
        "Of the register records (CAF assessments, TAFs, closures) first checked against "
        "the Tier 1 checklist in the month, those passed first time (not sent back to the "
        "lead professional), as the quality control queue counts them (003)."),
    source_fields=["Quality check: checked_at", "Quality check: status"],
    kind=Kind.PROPORTION, polarity=Polarity.HIGHER, source=SOURCE,
    hypothesis=("{name} {movement} in {month}: what did the records sent back have in "
                "common?"))
def tier1_pass_rate(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    checks = scope.cases(QualityCheck.objects.filter(checked_at__gte=since,
                                                     checked_at__lt=until),
                         path="event__case__")
    rows = list(checks.values_list("status", "event__case_id"))
    if not rows:
        return None
    passed = sum(1 for status, _ in rows if status == QualityCheck.Status.PASSED)
    return Measure(numerator=passed, denominator=len(rows),
                   cases=sorted({case for status, case in rows if status in SENT_BACK}))
