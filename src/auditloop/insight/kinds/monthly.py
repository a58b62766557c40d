"""The monthly QA and impact report (002's report to the senior management team, with the
month's moderation results; 001's monthly reports; 000's monthly dip sample)."""

from __future__ import annotations

from auditloop.insight import figures as f
from auditloop.insight import indicator_sections, sections
from auditloop.insight import voice_figures as vf
from auditloop.insight import voice_sections as vs
from auditloop.insight.document import Document
from auditloop.insight.kinds import Context, PeriodType, report_kind


@report_kind("monthly", name="Monthly QA and impact report", period=PeriodType.MONTH,
             description="What the month's audits found against the last two years, with "
                         "the month's moderation results (002; 001's monthly reports; 000's "
                         "monthly dip sample).")
def build(ctx: Context) -> Document:
    scope = ctx.scope
    read = f.with_history(scope)
    this_month, over_time, months = read.audits, read.over_time, read.months
    ctx.progress(1, 3)
    found = sections.found(scope, this_month)
    over = sections.trends(scope, over_time, months)
    ctx.progress(2, 3)
    follow = sections.follow_up(scope)
    # 002: complaints and compliments and practice alerts "collated alongside other
    # quality assurance activities" for the senior management team's monthly meeting.
    received = vs.complaints(vf.complaints(since=scope.start, until=scope.end, area=scope))
    alerts = vs.alerts(vf.alerts(since=scope.start, until=scope.end, area=scope))
    # The indicators the framework names and any that signalled, in plain words.
    measured = indicator_sections.indicators(scope)
    ctx.progress(3, 3)
    return Document(title="Monthly QA and impact report", period=ctx.period.label,
                    sections=(found, over, follow, received, alerts, measured,
                              sections.strengths_and_areas(ctx.excerpts)))
