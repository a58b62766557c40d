"""The figures of the operational reports (the QA tab, a programme's report, a team's and a
service's report): audits due and done, Tier 1 quality control, grades by tool section,
actions against the framework's time limit, and what audits put on supervision lists.

Like insight.figures: reads only, every proportion with its Wilson interval, and a fixed
number of queries whatever the number of audits (the rows are fetched once and counted
here, never one query per audit).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from auditloop.actions.deadline import ActionDeadline, action_deadline
from auditloop.actions.models import Action
from auditloop.audits.models import Answer, Audit, AuditAction, SectionGradeChange, SupervisionItem
from auditloop.common.statistics import Proportion, wilson
from auditloop.insight.document import Block, Cell, Figures, Section, Table, Text
from auditloop.insight.figures import GRADED, Scope
from auditloop.moderation.models import OVERALL, ModerationGrade, ModerationReview
from auditloop.programme.loop import Scale
from auditloop.programme.models import Cycle, CycleCase
from auditloop.quality.checklist import kind_labels
from auditloop.quality.models import QualityCheck
from auditloop.standards.models import ToolVersion


def _local_day(at: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(at) if at is not None else None


# --------------------------------------------------------------------------- audits due


@dataclass(frozen=True)
class DueRow:
    """Audits due in the period (not withdrawn), for the whole area or one cycle."""

    label: str
    due: int
    submitted: Proportion  # of those due, submitted by the period's last day
    on_time: Proportion  # of those due, submitted on or before their due date
    overdue: int  # due before the period's last day and not submitted by then (any due date)


@dataclass(frozen=True)
class DueFigures:
    total: DueRow
    by_cycle: list[DueRow]
    submitted_in_period: int  # every audit submitted in the period, whenever it was due


NOT_IN_A_CYCLE = "Not on a cycle's list (requested or added by hand)"


def audits_due(scope: Scope) -> DueFigures:
    """003's QA tab: the audits planned for the period (due in it), how many were done, and
    those overdue on its last day. Three queries."""
    start, end = scope.start, scope.end
    rows = list(scope.area_audits().exclude(status=Audit.Status.WITHDRAWN).filter(
        Q(due_on__gte=start, due_on__lte=end) | Q(due_on__lt=end)
        & (~Q(status__in=GRADED) | Q(submitted_at__date__gt=end))
    ).values_list("pk", "due_on", "status", "submitted_at").order_by())
    cycle_of: dict[int, int] = dict(CycleCase.objects.filter(
        audit_id__in=[r[0] for r in rows]).values_list("audit_id", "cycle_id").order_by())
    titles = {c.pk: c.title for c in Cycle.objects.filter(pk__in=set(cycle_of.values()))}

    def count(label: str, chosen: Iterable[tuple[int, dt.date | None, str, Any]]) -> DueRow:
        due = submitted = on_time = overdue = 0
        for _, due_on, status, at in chosen:
            day = _local_day(at) if status in GRADED else None
            done = day is not None and day <= end
            if due_on is not None and start <= due_on <= end:
                due += 1
                submitted += done
                on_time += day is not None and day <= due_on
            if due_on is not None and due_on < end and not done:
                overdue += 1
        return DueRow(label=label, due=due, submitted=wilson(submitted, due),
                      on_time=wilson(on_time, due), overdue=overdue)

    groups: dict[int | None, list[tuple[int, dt.date | None, str, Any]]] = defaultdict(list)
    for r in rows:
        groups[cycle_of.get(r[0])].append(r)
    by_cycle = sorted((count(titles[c], g) for c, g in groups.items() if c is not None),
                      key=lambda r: r.label)
    if None in groups:
        by_cycle.append(count(NOT_IN_A_CYCLE, groups[None]))
    return DueFigures(total=count("All audits", rows), by_cycle=by_cycle,
                      submitted_in_period=scope.audits().count())


# --------------------------------------------------------------------------- Tier 1


@dataclass(frozen=True)
class Tier1Row:
    label: str
    checked: int  # first checked in the period
    passed: Proportion  # of those, passed first time
    sent_back: int  # of those, sent back to the lead professional
    fixed: int  # of those, sent back and since confirmed put right
    waiting: int  # in the queue and not checked on the period's last day


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def tier1(scope: Scope) -> tuple[Tier1Row, list[Tier1Row]]:
    """Tier 1 quality control (003) in the period and area, in all and by kind of record;
    the same measures as the quality-control queue page's counts
    (quality.selectors.quality_control_counts), narrowed to the area. One query."""
    since, until = _day_start(scope.start), _day_start(scope.end + dt.timedelta(days=1))
    checked = Q(checked_at__gte=since, checked_at__lt=until)
    waiting = Q(created_at__lt=until) & (Q(checked_at__isnull=True) | Q(checked_at__gte=until))
    area = Q()
    for field, value in (("service_id", scope.service_id), ("team_id", scope.team_id),
                         ("locality_id", scope.locality_id)):
        if value:
            area &= Q(**{f"event__case__{field}": value})
    rows = list(QualityCheck.objects.filter(area, checked | waiting).values("event__kind")
                .annotate(checked=Count("pk", filter=checked),
                          passed=Count("pk", filter=checked & Q(status=QualityCheck.Status.PASSED)),
                          sent_back=Count("pk", filter=checked & Q(
                              status__in=QualityCheck.workflow.groups["sent_back"])),
                          fixed=Count("pk", filter=checked & Q(status=QualityCheck.Status.FIXED)),
                          waiting=Count("pk", filter=waiting))
                .order_by("event__kind"))
    labels = kind_labels() if rows else {}
    by_kind = [Tier1Row(label=labels.get(r["event__kind"], r["event__kind"]),
                        checked=r["checked"], passed=wilson(r["passed"], r["checked"]),
                        sent_back=r["sent_back"], fixed=r["fixed"], waiting=r["waiting"])
               for r in rows]
    total_checked = sum(r.checked for r in by_kind)
    total = Tier1Row(label="All records", checked=total_checked,
                     passed=wilson(sum(r.passed.k for r in by_kind), total_checked),
                     sent_back=sum(r.sent_back for r in by_kind),
                     fixed=sum(r.fixed for r in by_kind), waiting=sum(r.waiting for r in by_kind))
    return total, by_kind


# --------------------------------------------------------------------------- section grades


@dataclass(frozen=True)
class SectionGrade:
    """One audit's grade for one graded section of its tool, as it counts now."""

    audit_id: int
    title: str  # "3 Child and family assessment"
    position: int
    scale: Scale
    grade: str


def section_grades(audit_ids: Collection[int]) -> list[SectionGrade]:
    """Each graded section's grade on these audits: the auditor's, or the latest change
    since (a settled disagreement's, or a completed moderation review's). Five queries."""
    if not audit_ids:
        return []
    versions = dict(Audit.objects.filter(pk__in=audit_ids).values_list("pk", "tool_version_id")
                    .order_by())
    definitions = dict(ToolVersion.objects.filter(pk__in=set(versions.values()))
                       .values_list("pk", "definition"))
    grades: dict[tuple[int, str], str] = {}
    for audit_id, key, value in Answer.objects.filter(
            audit_id__in=audit_ids, item=0, question_key=Answer.GRADE).values_list(
            "audit_id", "section_key", "value").order_by():
        if isinstance(value, str) and value:
            grades[(audit_id, key)] = value
    changes: list[tuple[dt.datetime, int, str, str]] = [
        (at, audit_id, key, after) for at, audit_id, key, after in
        SectionGradeChange.objects.filter(audit_id__in=audit_ids).values_list(
            "created_at", "audit_id", "section_key", "after").order_by()]
    changes += [
        (at, audit_id, key, moderated) for at, audit_id, key, moderated in
        ModerationGrade.objects.filter(
            review__audit_id__in=audit_ids, review__completed_at__isnull=False,
            review__status__in=ModerationReview.workflow.groups["completed"])
        .exclude(section_key=OVERALL).exclude(moderated_grade="").values_list(
            "review__completed_at", "review__audit_id", "section_key", "moderated_grade")
        .order_by() if at is not None]
    for _, audit_id, key, after in sorted(changes, key=lambda c: c[0]):
        if (audit_id, key) in grades:  # a section that applied to the audit
            grades[(audit_id, key)] = after
    out = []
    for audit_id, version in sorted(versions.items()):
        definition = definitions[version]
        scales = definition.get("scales") or {}
        for position, s in enumerate(definition.get("sections") or []):
            grade = grades.get((audit_id, s["key"]))
            if not s.get("graded") or grade is None:
                continue
            scale = Scale.from_levels((scales.get(s.get("scale") or "") or {}).get("levels")
                                      or [])
            if scale.rank(grade) is None:
                continue
            out.append(SectionGrade(audit_id=audit_id,
                                    title=f"{s.get('ref') or ''} {s['title']}".strip(),
                                    position=position, scale=scale, grade=grade))
    return out


@dataclass(frozen=True)
class SectionRow:
    title: str
    counts: Mapping[str, int]  # grade key -> audits
    n: int
    good: Proportion


@dataclass(frozen=True)
class SectionTable:
    """The sections graded on one scale, each with its count of every grade."""

    scale: Scale
    rows: list[SectionRow]


def section_tables(grades: Iterable[SectionGrade],
                   only: Collection[int] | None = None) -> list[SectionTable]:
    """Grades by section, one table per scale, sections in their tool's order (`only`: the
    audits to count, all of them when None)."""
    by_scale: dict[tuple[str, ...], dict[str, list[SectionGrade]]] = defaultdict(
        lambda: defaultdict(list))
    scales: dict[tuple[str, ...], Scale] = {}
    order: dict[str, int] = {}
    for g in grades:
        if only is not None and g.audit_id not in only:
            continue
        by_scale[g.scale.keys][g.title].append(g)
        scales.setdefault(g.scale.keys, g.scale)
        order.setdefault(g.title, g.position)
    out = []
    for keys, sections in sorted(by_scale.items(),
                                 key=lambda kv: -sum(len(v) for v in kv[1].values())):
        scale = scales[keys]
        rows = []
        for title in sorted(sections, key=lambda t: (order[t], t)):
            group = sections[title]
            rows.append(SectionRow(title=title, counts=Counter(g.grade for g in group),
                                   n=len(group),
                                   good=wilson(sum(1 for g in group if scale.is_good(g.grade)),
                                               len(group))))
        out.append(SectionTable(scale=scale, rows=rows))
    return out


# --------------------------------------------------------------------------- action limit


@dataclass(frozen=True)
class DeadlineFigures:
    """Actions from the area's audits against the framework's limit (002: 40 days)."""

    deadline: ActionDeadline
    agreed: Proportion  # agreed in the period: k of them due within the limit
    signed_off: Proportion  # signed off in the period: k of them within the limit
    open_at_end: int  # agreed by the period's end and not signed off by then
    open_past_limit: int  # of those, past the limit on the period's last day


def actions_against_limit(scope: Scope) -> DeadlineFigures:
    """One query for the actions, one for the framework's limit."""
    deadline = action_deadline()
    start, end = scope.start, scope.end
    rows = Action.objects.filter(pk__in=AuditAction.objects.filter(
        audit__in=scope.area_audits()).values("action_id"), created_at__date__lte=end).filter(
        Q(created_at__date__gte=start) | Q(signed_off_at__isnull=True)
        | Q(signed_off_at__date__gte=start)).values_list(
        "created_at", "due_on", "signed_off_at").order_by()
    agreed = agreed_within = signed = signed_within = open_end = past = 0
    for created_at, due_on, signed_off_at in rows:
        agreed_on = timezone.localdate(created_at)
        latest = deadline.latest_due_on(agreed_on)
        signed_on = _local_day(signed_off_at)
        if agreed_on >= start:
            agreed += 1
            agreed_within += not deadline.over_limit(due_on, agreed_on=agreed_on)
        if signed_on is not None and start <= signed_on <= end:
            signed += 1
            signed_within += latest is None or signed_on <= latest
        if signed_on is None or signed_on > end:
            open_end += 1
            past += latest is not None and end > latest
    return DeadlineFigures(deadline=deadline, agreed=wilson(agreed_within, agreed),
                           signed_off=wilson(signed_within, signed), open_at_end=open_end,
                           open_past_limit=past)


# --------------------------------------------------------------------------- supervision


@dataclass(frozen=True)
class SupervisionRow:
    label: str
    added: int  # put on a supervision list in the period
    discussed_by_end: Proportion  # of those added, discussed by the period's last day
    discussed: int  # discussed in the period (whenever added)
    waiting: int  # on a list and not discussed on the period's last day


def _supervision_row(label: str, items: list[tuple[dt.date, dt.date | None]],
                     start: dt.date, end: dt.date) -> SupervisionRow:
    added = [(a, d) for a, d in items if a >= start]
    return SupervisionRow(
        label=label, added=len(added),
        discussed_by_end=wilson(sum(1 for _, d in added if d is not None and d <= end),
                                len(added)),
        discussed=sum(1 for _, d in items if d is not None and start <= d <= end),
        waiting=sum(1 for _, d in items if d is None or d > end))


@dataclass(frozen=True)
class SupervisionFigures:
    total: SupervisionRow
    by_reason: list[SupervisionRow]
    by_team: list[SupervisionRow]


def supervision(scope: Scope) -> SupervisionFigures:
    """The cases audits put on team managers' supervision lists (002: "a reflective
    discussion ... in their next supervision"), by why and by the case's team. One query."""
    start, end = scope.start, scope.end
    rows = SupervisionItem.objects.filter(
        audit__in=scope.area_audits(), created_at__date__lte=end).filter(
        Q(created_at__date__gte=start) | Q(discussed_at__isnull=True)
        | Q(discussed_at__date__gte=start)).values_list(
        "reason", "created_at", "discussed_at", "audit__case__team__name").order_by()
    by_reason: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    by_team: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    every = []
    for reason, created_at, discussed_at, team in rows:
        item = (timezone.localdate(created_at), _local_day(discussed_at))
        by_reason[reason].append(item)
        by_team[team or "No team"].append(item)
        every.append(item)
    reasons = [_supervision_row(str(label), by_reason[key], start, end)
               for key, label in SupervisionItem.Reason.choices if by_reason[key]]
    teams = [_supervision_row(name, items, start, end) for name, items in sorted(
        by_team.items())]
    return SupervisionFigures(total=_supervision_row("All", every, start, end),
                              by_reason=reasons, by_team=teams)


# --------------------------------------------------------------------------- as document parts


def share_cell(p: Proportion, *, none: str) -> Cell:
    """A share with its count and interval, or `none` in words where there is nothing to
    count (Cell.share says "No audits", which fits audits only)."""
    return Cell.share(p) if p.n else Cell(text=none, k=0, n=0)


def section_grade_tables(tables: Sequence[SectionTable]) -> list[Table]:
    """Each graded section of the tools: how many audits gave it each grade, and the share
    good or better with its interval."""
    out = []
    for i, t in enumerate(tables):
        named = (f" on the scale of {', '.join(t.scale.label(k) for k in t.scale.keys)}"
                 if len(tables) > 1 else "")
        out.append(Table(
            caption=f"How many audits gave each area each grade{named}",
            ident=f"section-grades-{i}",
            header=("Audit area", *(t.scale.label(k) for k in t.scale.keys), "Good or better"),
            rows=tuple((Cell.label(r.title), *(Cell.count(r.counts.get(k, 0))
                                               for k in t.scale.keys),
                        share_cell(r.good, none="No grades")) for r in t.rows)))
    return out


def section_grades_section(grades: Sequence[SectionGrade], *,
                           only: Collection[int] | None = None,
                           heading: str = "Grades by audit area") -> Section:
    tables = section_tables(grades, only)
    if not tables:
        return Section(heading=heading, ident="section-grades", blocks=(Text(
            "No audit area was graded on these audits."),))
    return Section(heading=heading, ident="section-grades",
                   blocks=tuple(section_grade_tables(tables)))


def deadline_section(fig: DeadlineFigures, *,
                     heading: str = "Actions within the time limit") -> Section:
    """Actions against the framework's limit (actions.deadline), naming the setting."""
    d = fig.deadline
    if not d.days:
        return Section(heading=heading, ident="deadline", blocks=(
            Text(f"{d.sentence} The framework setting “{d.setting_label}” is empty, so no "
                 "action is counted against a limit."),
            Figures(ident="deadline", rows=(
                ("Actions agreed in the period", Cell.count(fig.agreed.n)),
                ("Actions open at the period's end", Cell.count(fig.open_at_end)),
            ))))
    return Section(heading=heading, ident="deadline", blocks=(
        Text(f"{d.sentence} (the framework setting “{d.setting_label}”: {d.days} days)."),
        Figures(ident="deadline", rows=(
            (f"Actions agreed in the period and due within {d.days} days",
             share_cell(fig.agreed, none="No actions agreed")),
            (f"Actions signed off in the period within {d.days} days of being agreed",
             share_cell(fig.signed_off, none="No actions signed off")),
            ("Actions open at the period's end", Cell.count(fig.open_at_end)),
            (f"Of those, open longer than {d.days} days", Cell.count(fig.open_past_limit)),
        ))))


def supervision_section(fig: SupervisionFigures, *, by_team: bool = True,
                        heading: str = "Supervision") -> Section:
    """What audits put on supervision lists, and whether it has been discussed."""
    if not fig.total.added and not fig.total.waiting and not fig.total.discussed:
        return Section(heading=heading, ident="supervision", blocks=(Text(
            "No audit put a case on a supervision list in this period, and none is "
            "waiting."),))
    header = ("Why", "Added in the period", "Of those, discussed by the period's end",
              "Discussed in the period", "Waiting at the period's end")

    def row(r: SupervisionRow) -> tuple[Cell, ...]:
        return (Cell.label(r.label), Cell.count(r.added),
                share_cell(r.discussed_by_end, none="None added"), Cell.count(r.discussed),
                Cell.count(r.waiting))

    blocks: list[Block] = [
        Text("Cases that audits put on a team manager's list for the practitioner's next "
             "supervision, and whether the supervision discussion has been recorded."),
        Table(caption="Supervision discussions asked for by audits", ident="supervision",
              header=header, rows=(*(row(r) for r in fig.by_reason), row(fig.total)))]
    if by_team and fig.by_team:
        blocks.append(Table(caption="Supervision discussions by team", ident="supervision-team",
                            header=("Team", *header[1:]),
                            rows=tuple(row(r) for r in fig.by_team)))
    return Section(heading=heading, ident="supervision", blocks=tuple(blocks))
