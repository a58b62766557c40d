"""A team's monthly report (002: "Team Managers will use a combination of performance
information and staff supervision to complete their team report which will feed into
Service Managers updates"): the team's audit figures filled in, and what the team manager
writes beside them."""

from __future__ import annotations

from auditloop.insight import figures as f
from auditloop.insight import ops_figures as of
from auditloop.insight import sections
from auditloop.insight.document import Document, Section, Text
from auditloop.insight.kinds import Context, PeriodType, report_kind
from auditloop.people.models import Team

# What 002 asks a team's report to bring to the service manager's update: the narrative is
# the team manager's own, so the report names it and leaves it to them.
TO_WRITE = (
    "Achievements this month, and the practice the audits found good.",
    "Challenges, and the actions in place to mitigate risk.",
    "What staff supervision tells you about the team's practice, and the cases audits "
    "asked to be discussed in supervision.",
    "Progress on the audit actions open for the team, and why any are overdue.",
    "Any immediate safeguarding concern raised on the team's cases, and what followed.",
)


def team_of(ctx: Context) -> Team:
    if not ctx.scope.team_id:
        raise ValueError("A team's report needs a team: choose one")
    return Team.objects.get(pk=ctx.scope.team_id)


@report_kind("team", name="Team report", period=PeriodType.MONTH, needs="team",
             description="A team's audit figures for the month, its trend over two years, "
                         "its actions and concerns, for the team manager to complete with "
                         "their own narrative (002's team report).")
def build(ctx: Context) -> Document:
    team = team_of(ctx)
    scope = ctx.scope
    read = f.with_history(scope)
    this_month, over_time, months = read.audits, read.over_time, read.months
    ctx.progress(1, 4)
    found = sections.found(scope, this_month, heading="The team's audits this month")
    over = sections.trends(scope, over_time, months,
                           heading="The team's audits over two years")
    ctx.progress(2, 4)
    follow = sections.follow_up(scope, heading="Actions and immediate concerns")
    ctx.progress(3, 4)
    supervision = of.supervision_section(of.supervision(scope), by_team=False,
                                         heading="Cases for supervision")
    ctx.progress(4, 4)
    narrative = Section(heading="For the team manager to write", ident="to-write", blocks=(
        Text("The figures above are filled in from the audits. The team manager writes the "
             "team's report beside them, covering:"),
        *(Text(line) for line in TO_WRITE),
    ))
    quoted = [sections.strengths_and_areas(ctx.excerpts)] if ctx.excerpts else []
    return Document(title="Team report", period=ctx.period.label, area=team.name,
                    sections=(found, over, follow, supervision, *quoted, narrative))
