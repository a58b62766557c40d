"""The quarterly audit report (000's quarterly report to the partnership's Early Help group;
003's quarterly overview): what the quarter's audits found, section by section and theme by
theme, what changed on cases audited again, the trends, the follow-up, what families and
practitioners said, and the six questions answered from it."""

from __future__ import annotations

from auditloop.insight.document import Document
from auditloop.insight.kinds import Context, PeriodType, report_kind
from auditloop.insight.kinds._parts import overview


@report_kind("quarterly", name="Quarterly audit report", period=PeriodType.QUARTER,
             description="The quarter's audit findings for the partnership: grades by "
                         "section and theme, re-audits and revisits, trends, actions, what "
                         "families and practitioners said, and the six questions (000; "
                         "003's quarterly overview).")
def build(ctx: Context) -> Document:
    return Document(title="Quarterly audit report", period=ctx.period.label,
                    sections=overview(ctx).sections)
