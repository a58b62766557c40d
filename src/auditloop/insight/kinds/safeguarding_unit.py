"""The Safeguarding Unit's monthly performance report (002: "Each month, the Safeguarding
Unit will produce a performance report detailing both its activity in respect of our Cared
For Children and those subject to Child Protection planning ... any practice alerts raised
during the month and any themes identified ... any complaints or compliments received by
the unit ... multi-agency contribution to the meetings and planning"; with each IRO's and
CP Chair's team link). Figures only: no child, no case and no member of staff is named."""

from __future__ import annotations

from auditloop.insight import multi_agency as ma
from auditloop.insight import voice_figures as vf
from auditloop.insight import voice_sections as vs
from auditloop.insight.document import Document
from auditloop.insight.kinds import Context, PeriodType, report_kind

TITLE = "Safeguarding Unit performance report"


@report_kind("safeguarding_unit", name=TITLE, period=PeriodType.MONTH,
             description="The Safeguarding Unit's month: Cared For Children and children "
                         "subject to child protection planning, practice alerts and their "
                         "themes, complaints and compliments the unit received, the "
                         "multi-agency contribution to conferences and reviews, and team "
                         "links (002).")
def build(ctx: Context) -> Document:
    since, until = ctx.period.start, ctx.period.end
    activity = vs.activity(vf.case_activity(since=since, until=until))
    ctx.progress(1, 4)
    alerts = vs.alerts(vf.alerts(since=since, until=until),
                       vs.alerts_chart(vf.alerts_trend(until=until)))
    ctx.progress(2, 4)
    unit = vf.unit()
    received = vs.complaints(
        vf.complaints(since=since, until=until, team_ids=unit.team_ids,
                      service_ids=unit.service_ids),
        heading="Complaints and compliments the unit received", ident="unit-complaints",
        whose=" about the unit")
    ctx.progress(3, 4)
    meetings = vs.contribution(ma.contribution(since=since, until=until))
    links = vs.team_links(vf.team_links(since=since, until=until))
    ctx.progress(4, 4)
    return Document(title=TITLE, period=ctx.period.label,
                    sections=(activity, alerts, received, meetings, links))
