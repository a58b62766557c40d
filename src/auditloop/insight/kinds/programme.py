"""A one-off programme's report: a multi-agency, thematic, external, inspection-preparation
or service audit, collated as its lead auditor reports it (003: "the lead auditor will
collate the audit findings into a report which will be fed back to the Early Help Service
Lead"); an external audit's findings in the two journeys of its final reports (004: "2
final reports covering children in need of help and protection and children looked after
and achieving permanence")."""

from __future__ import annotations

import dataclasses

from django.utils import timezone

from auditloop.audits.models import Audit
from auditloop.insight import figures as f
from auditloop.insight import ops_figures as of
from auditloop.insight import sections
from auditloop.insight.document import (
    Block,
    Cell,
    Document,
    Figures,
    Section,
    Table,
)
from auditloop.insight.journeys import JOURNEYS, OTHER_JOURNEY, journey_of
from auditloop.insight.kinds import Context, Excerpt, PeriodType, report_kind
from auditloop.programme.models import Cycle, CycleCase


def programme_of(ctx: Context) -> Cycle:
    if not ctx.scope.cycle_id:
        raise ValueError("A programme's report needs a programme: choose one")
    return Cycle.objects.select_related("lead_auditor__job_title").get(pk=ctx.scope.cycle_id)


def lead_auditor_role(cycle: Cycle) -> str:
    """The lead auditor by role, never by name: their job title, else their roles."""
    person = cycle.lead_auditor
    if person is None:
        return "Not recorded"
    if person.job_title is not None:
        return person.job_title.name
    return ", ".join(person.role_labels()) or "Not recorded"


def programme_scope(scope: f.Scope, cycle: Cycle) -> f.Scope:
    """The programme's audits whenever they were submitted: its own dates, widened to take
    in audits submitted after them."""
    latest = Audit.objects.filter(
        pk__in=CycleCase.objects.filter(cycle=cycle).values("audit_id"),
        status__in=f.GRADED).order_by("-submitted_at").values_list(
        "submitted_at", flat=True).first()
    end = max(scope.end, cycle.period_end, cycle.audits_due_on)
    if latest is not None:
        end = max(end, timezone.localdate(latest))
    return dataclasses.replace(scope, start=min(scope.start, cycle.period_start), end=end,
                               cycle_id=cycle.pk)


def _about(cycle: Cycle, ctx: Context, audits: list[f.GradedAudit]) -> Section:
    on_list = CycleCase.objects.filter(
        cycle=cycle, status__in=CycleCase.workflow.groups["current"]).count()
    rows: list[tuple[str, Cell]] = [
        ("Programme", Cell.label(cycle.title)),
        ("Kind of audit", Cell.label(cycle.get_kind_display())),
        ("Dates", Cell.label(ctx.period.label)),
        ("Audits due by", Cell.label(f"{cycle.audits_due_on:%-d %B %Y}")),
    ]
    if cycle.theme:
        rows.append(("Theme", Cell.label(cycle.theme)))
    rows += [
        ("Lead auditor", Cell.label(lead_auditor_role(cycle))),
        ("Cases on the programme's list", Cell.count(on_list)),
        ("Audits submitted with a grade", Cell.count(len(audits))),
    ]
    return Section(heading="The programme", ident="programme",
                   blocks=(Figures(ident="programme", rows=tuple(rows)),))


def _without_drill(section: Section) -> Section:
    """A journey's figures link to no list: the audits list filters by area, not journey, so
    a link would show more audits than the figure counts."""
    def plain(block: Block) -> Block:
        if isinstance(block, Figures):
            return dataclasses.replace(block, rows=tuple(
                (label, dataclasses.replace(c, drill=None)) for label, c in block.rows))
        if isinstance(block, Table):
            return dataclasses.replace(block, rows=tuple(
                tuple(dataclasses.replace(c, drill=None) for c in row) for row in block.rows))
        return block
    return dataclasses.replace(section, blocks=tuple(plain(b) for b in section.blocks))


def _journeys(scope: f.Scope, audits: list[f.GradedAudit], grades: list[of.SectionGrade],
              excerpts: list[Excerpt]) -> list[Section]:
    kinds = dict(Audit.objects.filter(pk__in=[a.id for a in audits] + [
        e.audit_id for e in excerpts]).values_list("pk", "case__service__kind").order_by())
    journey = {pk: journey_of(kind) for pk, kind in kinds.items()}
    out: list[Section] = []
    titles = [(key, title) for key, title, _ in JOURNEYS]
    if any(j == OTHER_JOURNEY for j in journey.values()):
        titles.append(OTHER_JOURNEY)
    for key, title in titles:
        chosen = [a for a in audits if journey.get(a.id, OTHER_JOURNEY)[0] == key]
        ids = {a.id for a in chosen}
        found = sections.found(scope, chosen, heading=f"{title}: what the audits found")
        out.append(_without_drill(dataclasses.replace(found, ident=f"found-{key}")))
        grade_section = of.section_grades_section(
            grades, only=ids, heading=f"{title}: grades by audit area")
        out.append(dataclasses.replace(grade_section, ident=f"section-grades-{key}"))
        quoted = [e for e in excerpts if journey.get(e.audit_id, OTHER_JOURNEY)[0] == key]
        strengths = sections.strengths_and_areas(
            quoted, heading=f"{title}: strengths and areas for development")
        out.append(dataclasses.replace(strengths, ident=f"strengths-{key}"))
    return out


@report_kind("programme", name="A one-off programme's report",
             period=PeriodType.PROGRAMME, needs="programme",
             description="What a one-off programme's audits found, collated for its lead "
                         "auditor: a multi-agency or thematic audit (003), or an external "
                         "audit's final reports on its two journeys (004).")
def build(ctx: Context) -> Document:
    cycle = programme_of(ctx)
    scope = programme_scope(ctx.scope, cycle)
    audits = f.graded_audits(scope)
    ctx.progress(1, 4)
    grades = of.section_grades([a.id for a in audits])
    ctx.progress(2, 4)
    parts = [_about(cycle, ctx, audits), sections.found(scope, audits),
             of.section_grades_section(grades)]
    if cycle.kind == Cycle.Kind.EXTERNAL:
        parts += _journeys(scope, audits, grades, list(ctx.excerpts))
    else:
        parts.append(sections.strengths_and_areas(ctx.excerpts))
    ctx.progress(3, 4)
    parts.append(sections.follow_up(scope))
    ctx.progress(4, 4)
    return Document(title=f"Programme report: {cycle.title}", period=ctx.period.label,
                    sections=tuple(parts))
