"""003's year-to-date cumulative summary of audit findings by theme: for each theme audited
since the financial year began, its audits, good or better and every grade; and month by
month, the audits so far."""

from __future__ import annotations

from collections.abc import Sequence

from auditloop.insight import figures as f
from auditloop.insight import more_figures as mf
from auditloop.insight.document import Block, Cell, Document, Section, Table, Text
from auditloop.insight.kinds import Context, PeriodType, report_kind
from auditloop.insight.kinds._parts import grades_by_theme
from auditloop.insight.sections import drill


def month_by_month(scope: f.Scope, audits: Sequence[f.GradedAudit],
                   groups: Sequence[mf.ThemeGroup]) -> Table:
    """Each month: its audits, the audits so far, good or better so far, and the audits so
    far on each theme."""
    theme_of = {a.id: g.name for g in groups for a in g.audits}
    names = [g.name for g in groups]
    rows = []
    so_far: list[f.GradedAudit] = []
    for month in f.months_between(scope.start, scope.end):
        these = [a for a in audits if a.month == month]
        so_far += these
        per_theme = {name: sum(1 for a in so_far if theme_of[a.id] == name) for name in names}
        rows.append((Cell.label(f.month_label(month)), Cell.count(len(these)),
                     Cell.count(len(so_far)),
                     Cell.share(f.good_or_better(so_far)),
                     *(Cell.count(per_theme[name]) for name in names)))
    return Table(caption="Audits so far this year, month by month",
                 header=("Month", "Audits in the month", "Audits so far",
                         "Good or better so far", *(f"{name}: audits so far" for name in names)),
                 ident="cumulative", rows=tuple(rows))


@report_kind("year_to_date", name="Year-to-date summary by theme",
             period=PeriodType.YEAR_TO_DATE,
             description="The cumulative summary of audit findings by theme since the "
                         "financial year began, month by month (003).")
def build(ctx: Context) -> Document:
    scope = ctx.scope
    audits = f.graded_audits(scope)
    ctx.progress(1, 2)
    groups = mf.by_theme(audits)
    ctx.progress(2, 2)
    headline = Table(
        caption="Audits graded since the financial year began",
        header=("Audits graded", "Good or better"),
        ident="year-so-far",
        rows=((Cell.count(len(audits), drill(scope)),
               Cell.share(f.good_or_better(audits), drill(scope, good="1"))),))
    by_theme: tuple[Block, ...] = (
        tuple(grades_by_theme(scope, groups)) if audits else
        (Text("No audit was submitted with a grade so far this year in this area."),))
    return Document(title="Year-to-date summary by theme", period=ctx.period.label, sections=(
        Section(heading="The year so far", ident="year-so-far", blocks=(headline,)),
        Section(heading="Findings by theme", ident="themes", blocks=by_theme),
        Section(heading="Month by month", ident="cumulative",
                blocks=(month_by_month(scope, audits, groups),)),
    ))
