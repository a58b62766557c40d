"""The QA tab of the monthly Children's Social Care performance report (003: "a tab dedicated
to QA which will provide quantitative data around the level of audits completed on CAF
records"): audits planned, done and overdue, Tier 1 quality control, and coverage against
the framework's target."""

from __future__ import annotations

import math
from decimal import Decimal

from auditloop.common.statistics import wilson
from auditloop.insight import ops_figures as of
from auditloop.insight import sections
from auditloop.insight.document import Cell, Document, Figures, Section, Table, Text
from auditloop.insight.kinds import Context, PeriodType, report_kind
from auditloop.programme.coverage import Coverage, CoverageRow, coverage
from auditloop.standards.settings_spec import SETTINGS

TARGET_SETTING = "coverage_target_percent"
MONTHS_SETTING = "coverage_target_months"


def _due(ctx: Context) -> Section:
    fig = of.audits_due(ctx.scope)
    t = fig.total
    month = ctx.period.label
    rows = (
        (f"Audits due in {month}", Cell.count(t.due, sections.drill(ctx.scope, due="1"))),
        ("Of those, submitted by the month's end", of.share_cell(t.submitted,
                                                                 none="None due")),
        ("Of those, submitted by their due date", of.share_cell(t.on_time, none="None due")),
        ("Overdue at the month's end (due before its last day, not submitted)",
         Cell.count(t.overdue)),
        (f"Audits submitted in {month}, whenever they were due",
         Cell.count(fig.submitted_in_period, sections.drill(ctx.scope))),
    )
    blocks: list[Figures | Table | Text] = [Figures(ident="due", rows=rows)]
    if fig.by_cycle:
        blocks.append(Table(
            caption="Audits due, done and overdue by cycle", ident="due-by-cycle",
            header=("Cycle", "Due in the month", "Submitted by the month's end",
                    "Overdue at the month's end"),
            rows=tuple((Cell.label(r.label), Cell.count(r.due),
                        of.share_cell(r.submitted, none="None due"), Cell.count(r.overdue))
                       for r in fig.by_cycle)))
    return Section(heading="Audits planned and done", ident="due", blocks=tuple(blocks))


def _tier1(ctx: Context) -> Section:
    total, by_kind = of.tier1(ctx.scope)
    if not by_kind:
        return Section(heading="Tier 1 quality control", ident="tier-1", blocks=(Text(
            "No record was checked in this month and none was waiting for a check."),))
    header = ("Record", "Checked in the month", "Passed first time", "Sent back",
              "Sent back and since fixed", "Waiting at the month's end")

    def row(r: of.Tier1Row) -> tuple[Cell, ...]:
        return (Cell.label(r.label), Cell.count(r.checked),
                of.share_cell(r.passed, none="None checked"), Cell.count(r.sent_back),
                Cell.count(r.fixed), Cell.count(r.waiting))

    return Section(heading="Tier 1 quality control", ident="tier-1", blocks=(
        Figures(ident="tier-1", rows=(
            ("Tier 1 checks done", Cell.count(total.checked)),
            ("Pass rate (passed first time)", of.share_cell(total.passed,
                                                            none="None checked")),
            ("Records waiting for a check at the month's end", Cell.count(total.waiting)),
        )),
        Table(caption="Tier 1 quality control by kind of record", ident="tier-1-by-kind",
              header=header, rows=(*(row(r) for r in by_kind), row(total))),
    ))


def _needed(target: Decimal, open_cases: int, audited: int) -> int:
    """Audits still needed to reach the target, the target's share of open cases rounded up
    (CoverageRow.needed rounds a Decimal towards zero, so 4.5 cases would need 4)."""
    return max(0, math.ceil(target * open_cases / 100) - audited)


def _coverage_cells(r: CoverageRow) -> tuple[Cell, ...]:
    if r.audited <= r.open_cases:
        audited = of.share_cell(wilson(r.audited, r.open_cases), none="No open cases")
    else:  # closed since they were audited: more cases audited than are open now
        audited = Cell(text=f"{r.percent:f}% ({r.audited} cases audited, {r.open_cases} open "
                            "now)", k=r.audited, n=r.open_cases, value=float(r.percent) / 100)
    needed = (Cell.count(_needed(r.target, r.open_cases, r.audited)) if r.target is not None
              else Cell.label("No target"))
    return (Cell.label(r.label), Cell.count(r.open_cases), audited, needed)


def _coverage(ctx: Context) -> Section:
    cov: Coverage = coverage(on=ctx.scope.end)
    target, months = SETTINGS[TARGET_SETTING].label, SETTINGS[MONTHS_SETTING].label
    if cov.target is None:
        caption = (f"Open cases audited in the {cov.months} months to {ctx.period.label}: the "
                   f"framework sets no coverage target (“{target}” is empty)")
    else:
        caption = (f"Open cases audited in the {cov.months} months to {ctx.period.label} "
                   f"against the target of {cov.target.normalize():f}% (the framework settings "
                   f"“{target}” and “{months}”)")
    header = ("Area", "Open cases", "Audited", "Audits still needed for the target")
    return Section(heading="Coverage against the target", ident="coverage", blocks=(
        Table(caption=caption, ident="coverage", header=header,
              rows=(_coverage_cells(cov.total), *(_coverage_cells(r) for r in cov.teams))),
        Text("A case counts as audited when an audit of it was started or done in those "
             "months; open cases are those open now in the services the framework chooses "
             "cases from."),
    ))


@report_kind("qa_tab", name="QA tab of the monthly performance report", period=PeriodType.MONTH,
             description="The month's audits planned, done and overdue, Tier 1 quality "
                         "control checks and their pass rate, and coverage against the "
                         "target (003's QA tab of the monthly Children's Social Care report).")
def build(ctx: Context) -> Document:
    due = _due(ctx)
    ctx.progress(1, 3)
    tier1 = _tier1(ctx)
    ctx.progress(2, 3)
    cover = _coverage(ctx)
    ctx.progress(3, 3)
    return Document(title="QA tab of the monthly performance report", period=ctx.period.label,
                    sections=(due, tier1, cover))
