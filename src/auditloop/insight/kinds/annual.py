"""The annual QA report (003: "to bring all the learning together in one document and to
form part of the priority setting around QA activity for the forthcoming year"; 002's
annual reports): everything of the quarterly report over the financial year, with the four
quarters side by side. The priorities for next year are the QA manager's own words, added
as the report's narrative: the report does not write them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from auditloop.common.dates import add_months
from auditloop.insight import figures as f
from auditloop.insight.document import Cell, Document, Section, Table
from auditloop.insight.kinds import Context, Period, PeriodType, report_kind
from auditloop.insight.kinds._parts import overview
from auditloop.insight.sections import drill


def quarters(period: Period) -> list[Period]:
    """The calendar quarters of the period, in order (four for a financial year)."""
    out, start = [], period.start
    while start <= period.end:
        out.append(Period.quarter(start.year, (start.month - 1) // 3 + 1))
        start = add_months(start, 3)
    return out


def by_quarter(scope: f.Scope, period: Period, audits: Sequence[f.GradedAudit]) -> Section:
    rows = []
    for q in quarters(period):
        first, last = f.month_key(q.start), f.month_key(q.end)
        these = [a for a in audits if first <= a.month <= last]
        impact = f.impact(these)
        q_scope = dataclasses.replace(scope, start=q.start, end=q.end)
        rows.append((Cell.label(q.label), Cell.count(len(these), drill(q_scope)),
                     Cell.share(f.good_or_better(these), drill(q_scope, good="1")),
                     Cell.mean(impact.mean, impact.n)))
    return Section(heading="Quarter by quarter", ident="quarters", blocks=(Table(
        caption="Each quarter's audits, good or better and mean impact score",
        header=("Quarter", "Audits graded", "Good or better", "Impact score (out of 10)"),
        ident="quarters", rows=tuple(rows)),))


@report_kind("annual", name="Annual QA report", period=PeriodType.YEAR,
             description="The financial year's audit findings brought together, quarter by "
                         "quarter, with the trends and the six questions, for setting next "
                         "year's priorities (003; 002).")
def build(ctx: Context) -> Document:
    found = overview(ctx, steps=5)
    quarter_by_quarter = by_quarter(ctx.scope, ctx.period, found.audits)
    ctx.progress(5, 5)
    first, *rest = found.sections
    return Document(title="Annual QA report", period=ctx.period.label,
                    sections=(first, quarter_by_quarter, *rest))
