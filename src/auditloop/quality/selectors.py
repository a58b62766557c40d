"""Tier 1 quality control (003), the reads: who checks which records, the queue, a lead
professional's records to put right, a check with its history, and the counts that feed
the reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from auditloop.cases.models import CaseEvent, Involvement
from auditloop.cases.selectors import holders_on
from auditloop.people.models import Person
from auditloop.people.roles import Capability, Role, capabilities_for
from auditloop.people.selectors import management_subtree_ids
from auditloop.quality.checklist import kind_labels
from auditloop.quality.models import QualityCheck, QualityCheckTransition

QS = QualityCheck.Status


# ---------------------------------------------------------------------------------------
# Who does what


def is_quality_team(person: Person | None) -> bool:
    """The central team: sees every case and runs the QA work (imports or the cycle)."""
    if person is None or not person.is_active:
        return False
    caps = capabilities_for(person.roles)
    return Capability.VIEW_ALL_CASES in caps and bool(
        {Capability.IMPORT_CASES, Capability.RUN_CYCLE} & caps)


def is_checker(person: Person | None) -> bool:
    """003: "Tier 1 audits are completed ... by the central team and Early Help Service
    Managers"."""
    if person is None or not person.is_active:
        return False
    return is_quality_team(person) or Role.SERVICE_MANAGER in person.roles


def _subtree_scope(person: Person) -> Q:
    """The checks of cases held or managed by the service manager or anyone below them, or
    sent back to one of them."""
    ids = management_subtree_ids(person) | {person.pk}
    return (Q(event__case__key_worker_id__in=ids) | Q(event__case__team_manager_id__in=ids)
            | Q(sent_to_id__in=ids))


def checker_scope(person: Person | None) -> Q | None:
    """None for every check (the central team); a filter for a service manager's checks;
    no checks at all for anyone else."""
    if is_quality_team(person):
        return None
    if person is not None and is_checker(person):
        return _subtree_scope(person)
    return Q(pk__in=[])


def may_check(person: Person | None, check: QualityCheck) -> bool:
    scope = checker_scope(person)
    if scope is None:
        return True
    if not is_checker(person):
        return False
    return QualityCheck.objects.filter(scope, pk=check.pk).exists()


def lead_professional_for(event: CaseEvent) -> Person | None:
    """The lead professional for a record: the case's key worker on the day of the event
    (the latest to start, on a handover day), else the case's key worker now."""
    row = holders_on(case=event.case, on=event.occurred_on,
                     role=Involvement.Role.KEY_WORKER).order_by("-started_on", "-id").first()
    if row is not None:
        return row.person
    return event.case.key_worker



# ---------------------------------------------------------------------------------------
# Selectors


def _with_case(qs: QuerySet[QualityCheck]) -> QuerySet[QualityCheck]:
    return qs.select_related(
        "event", "event__case", "event__case__service", "event__case__team",
        "event__case__key_worker", "sent_to", "checked_by", "tool_version",
    )


# The queue's age bands (days since the record), for the filter only: not a framework rule.
AGES: dict[str, tuple[str, int | None, int | None]] = {
    "week": ("In the last week", 0, 7),
    "month": ("1 to 4 weeks ago", 8, 28),
    "older": ("More than 4 weeks ago", 29, None),
}


def quality_checks_queue(
    *,
    person: Person | None,
    status: str | None = QS.WAITING,
    kind: str | None = None,
    team_id: int | None = None,
    age: str | None = None,
    today: dt.date | None = None,
) -> QuerySet[QualityCheck]:
    """The checks this person works on (the central team: all; a service manager: their
    cases), oldest record first."""
    qs = QualityCheck.objects.all()
    scope = checker_scope(person)
    if scope is not None:
        qs = qs.filter(scope)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(event__kind=kind)
    if team_id:
        qs = qs.filter(event__case__team_id=team_id)
    if age in AGES:
        today = today or timezone.localdate()
        _, newest, oldest = AGES[age]
        if newest is not None:
            qs = qs.filter(event__occurred_on__lte=today - dt.timedelta(days=newest))
        if oldest is not None:
            qs = qs.filter(event__occurred_on__gte=today - dt.timedelta(days=oldest))
    return _with_case(qs).order_by("event__occurred_on", "id")


def quality_checks_to_fix(person: Person) -> QuerySet[QualityCheck]:
    """The lead professional's checks sent back to them, still to put right or waiting for
    the central team to confirm."""
    return _with_case(QualityCheck.objects.filter(
        sent_to=person, status__in=QualityCheck.workflow.groups["being_put_right"])).order_by(
        "status", "checked_at", "id")


def get_quality_check_for_user(user: Any, check_id: int) -> QualityCheck:
    """The check, or 404 for missing and forbidden alike: the central team, the service
    managers over the case, and the lead professional it was sent back to. Callers log the
    view (a check is part of a child's record)."""
    try:
        check = _with_case(QualityCheck.objects.all()).select_related(
            "event__case__team_manager", "action").get(pk=check_id)
    except QualityCheck.DoesNotExist as exc:
        raise Http404 from exc
    person: Person | None = user.person_or_none
    if person is not None and person.is_active and check.sent_to_id == person.pk:
        return check
    if is_checker(person) and may_check(person, check):
        return check
    raise Http404


def quality_check_history(check: QualityCheck) -> QuerySet[QualityCheckTransition]:
    return check.transitions.select_related("actor").order_by("at", "id")


@dataclass
class CountRow:
    key: str
    label: str
    checked: int = 0
    passed: int = 0
    failed: int = 0
    fixed: int = 0
    waiting: int = 0

    @property
    def pass_rate(self) -> int | None:
        """Passed first time, as a whole percentage of those checked."""
        return round(100 * self.passed / self.checked) if self.checked else None

    def add(self, other: CountRow) -> None:
        for name in ("checked", "passed", "failed", "fixed", "waiting"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class QualityCounts:
    start: dt.date
    end: dt.date
    by_kind: list[CountRow]
    by_team: list[CountRow]
    total: CountRow


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def quality_control_counts(*, start: dt.date, end: dt.date,
                           labels: dict[str, str] | None = None) -> QualityCounts:
    """Tier 1 quality control from `start` to `end` (both days included), by kind of record
    and by the case's team: checked (first checked in the period), passed first time,
    failed (sent back), fixed (sent back and since confirmed put right), and waiting (in the
    queue and not yet checked at the end of the period). The pass rate is the share checked
    that passed first time. For the queue page and the monthly report's QA tab (003).
    `labels` is kind_labels(), for a caller that has it already."""
    since, until = _day_start(start), _day_start(end + dt.timedelta(days=1))
    checked = Q(checked_at__gte=since, checked_at__lt=until)
    waiting = Q(created_at__lt=until) & (Q(checked_at__isnull=True) | Q(checked_at__gte=until))
    measures = {
        "checked": Count("pk", filter=checked),
        "passed": Count("pk", filter=checked & Q(status=QS.PASSED)),
        "failed": Count("pk", filter=checked & Q(
            status__in=QualityCheck.workflow.groups["sent_back"])),
        "fixed": Count("pk", filter=checked & Q(status=QS.FIXED)),
        "waiting": Count("pk", filter=waiting),
    }
    qs = QualityCheck.objects.filter(checked | waiting).order_by()
    labels = kind_labels() if labels is None else labels
    kind_rows: list[dict[str, Any]] = [
        dict(r) for r in qs.values("event__kind").annotate(**measures).order_by("event__kind")]
    team_rows: list[dict[str, Any]] = [
        dict(r) for r in qs.values("event__case__team_id", "event__case__team__name")
        .annotate(**measures).order_by("event__case__team__name")]
    by_kind = [
        CountRow(key=r["event__kind"], label=labels.get(r["event__kind"], r["event__kind"]),
                 **{m: r[m] for m in measures})
        for r in kind_rows
    ]
    by_team = [
        CountRow(key=str(r["event__case__team_id"] or ""),
                 label=r["event__case__team__name"] or "No team recorded",
                 **{m: r[m] for m in measures})
        for r in team_rows
    ]
    total = CountRow(key="", label="All")
    for row in by_kind:
        total.add(row)
    return QualityCounts(start=start, end=end, by_kind=by_kind, by_team=by_team, total=total)
