"""A service manager's overview of service performance for the senior management team's
monthly performance meeting (002: "each Service Manager will present an overview of service
performance made up of an analysis of key performance data including supervision"): the
service's audits, good or better by team, actions within the framework's time limit, and
supervision."""

from __future__ import annotations

from auditloop.insight import figures as f
from auditloop.insight import ops_figures as of
from auditloop.insight import sections
from auditloop.insight.document import Document
from auditloop.insight.kinds import Context, PeriodType, report_kind
from auditloop.people.models import Service


def service_of(ctx: Context) -> Service:
    if not ctx.scope.service_id:
        raise ValueError("A service's overview needs a service: choose one")
    return Service.objects.get(pk=ctx.scope.service_id)


@report_kind("service", name="Service overview", period=PeriodType.MONTH,
             needs="service",
             description="A service's audit figures for the month with good or better by "
                         "team, actions within the time limit and supervision, for the "
                         "service manager's overview at the performance meeting (002).")
def build(ctx: Context) -> Document:
    service = service_of(ctx)
    scope = ctx.scope
    read = f.with_history(scope)
    this_month, over_time, months = read.audits, read.over_time, read.months
    ctx.progress(1, 5)
    found = sections.found(scope, this_month, heading="The service's audits this month")
    over = sections.trends(scope, over_time, months,
                           heading="The service's audits over two years")
    ctx.progress(2, 5)
    areas = of.section_grades_section(of.section_grades([a.id for a in this_month]))
    ctx.progress(3, 5)
    deadline = of.deadline_section(of.actions_against_limit(scope))
    follow = sections.follow_up(scope, heading="Moderation, actions and immediate concerns")
    ctx.progress(4, 5)
    supervision = of.supervision_section(of.supervision(scope))
    ctx.progress(5, 5)
    quoted = [sections.strengths_and_areas(ctx.excerpts)] if ctx.excerpts else []
    return Document(title="Service overview", period=ctx.period.label,
                    area=service.name,
                    sections=(found, areas, over, follow, deadline, supervision, *quoted))
