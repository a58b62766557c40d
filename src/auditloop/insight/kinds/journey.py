"""004's report along the child's journey: help and protection (early help, child in need
and child protection cases), and looked after and permanence (children in care and care
leavers). For each: the audits, good against not yet good, the grades in each focus area,
the strengths and areas for development, and the trend of good against not yet good.

004 8.5: "There will be 2 final reports covering children in need of help and protection
and children looked after and achieving permanence"; 004 4.4: "The on-going monthly audits
should show an increase in the number of those cases where practice is considered good, as
opposed to 'not yet good enough'."
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditloop.common.statistics import wilson
from auditloop.insight import figures as f
from auditloop.insight import journeys, sections
from auditloop.insight import more_figures as mf
from auditloop.insight.document import Block, Cell, ChartBlock, Document, Figures, Section, Text
from auditloop.insight.kinds import Context, PeriodType, report_kind
from auditloop.insight.kinds._parts import section_grades
from auditloop.insight.sections import plural


@dataclass(frozen=True)
class Journey:
    key: str
    name: str
    services: frozenset[str]  # the case's service kinds on this part of the journey


# 004's two parts of the child's journey (insight.journeys: the one mapping).
# The journey report's headings are 004's own words for the two parts.
NAMES = {"help-protection": "Help and protection", "looked-after": "Looked after and permanence"}
JOURNEYS = tuple(Journey(key, NAMES.get(key, name), kinds)
                 for key, name, kinds in journeys.JOURNEYS)


def service_kinds(scope: f.Scope) -> dict[int, str]:
    """The kind of service each of the scope's audits' cases is in now. One query."""
    return dict(scope.audits().values_list("pk", "case__service__kind"))


def journey_section(ctx: Context, journey: Journey, audits: Sequence[f.GradedAudit],
                    history: Sequence[f.GradedAudit], months: Sequence[str]) -> list[Section]:
    scope, name = ctx.scope, journey.name
    blocks: list[Block] = []
    if audits:
        good = sum(1 for a in audits if a.good)
        blocks.append(Figures(ident=f"{journey.key}-headline", rows=(
            ("Audits graded", Cell.count(len(audits))),
            ("Good or better", Cell.share(wilson(good, len(audits)))),
            ("Not yet good", Cell.share(wilson(len(audits) - good, len(audits)))),
        )))
        grades = section_grades(scope, mf.section_grades(audits), heading=name,
                                ident=f"{journey.key}-areas", caption="Focus areas")
        blocks.extend(grades.blocks)
    else:
        blocks.append(Text(f"No audit of a case in {name.lower()} was submitted with a grade "
                           "in this period."))
    trend = f.good_trend(history, months)
    if trend.points:
        blocks.append(ChartBlock(key=f"good-{journey.key}",
                                 title=f"{name}: audits good or better each month",
                                 chart=trend, as_percent=True))
    ids = {a.id for a in audits}
    chosen = [e for e in ctx.excerpts if e.audit_id in ids]
    return [
        Section(heading=name, ident=journey.key, blocks=tuple(blocks)),
        sections.strengths_and_areas(chosen, heading=f"{name}: strengths and areas for "
                                                     "development",
                                     group=lambda e: e.section),
    ]


@report_kind("journey", name="Findings along the child's journey", period=PeriodType.QUARTER,
             description="The quarter's findings in two parts of the child's journey, help "
                         "and protection and looked after and permanence, each with its "
                         "strengths, areas for development and trend of good against not "
                         "yet good (004).")
def build(ctx: Context) -> Document:
    scope = ctx.scope
    history_scope = scope.earlier(f.TREND_MONTHS)
    history = f.graded_audits(history_scope)
    kinds_of = service_kinds(history_scope)
    months = f.months_between(history_scope.start, history_scope.end)
    start = f.month_key(scope.start)
    ctx.progress(1, len(JOURNEYS) + 1)
    parts: list[Section] = []
    in_a_journey: set[int] = set()
    for i, journey in enumerate(JOURNEYS, start=2):
        on_it = [a for a in history if kinds_of.get(a.id) in journey.services]
        these = [a for a in on_it if a.month >= start]
        in_a_journey |= {a.id for a in these}
        parts += journey_section(ctx, journey, these, on_it, months)
        ctx.progress(i, len(JOURNEYS) + 1)
    elsewhere = sum(1 for a in history if a.month >= start and a.id not in in_a_journey)
    if elsewhere:
        parts.append(Section(heading="Other services", ident="other-services", blocks=(Text(
            f"{plural(elsewhere, 'audit')} of cases in other services (the front door, "
            "youth justice, adoption, fostering and others) "
            f"{'is' if elsewhere == 1 else 'are'} not in either part of the journey."),)))
    return Document(title="Findings along the child's journey", period=ctx.period.label,
                    sections=tuple(parts))
