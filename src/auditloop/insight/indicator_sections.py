"""The indicators in the reports: the indicators the framework names
(the ones that drive its indicator filters: 004's six) and any indicator with a signal in
the period, each with its latest figure (count and interval), benchmarks, SPC chart and
signals in plain words with what was done about them (indicators.selectors, the same rows
as the indicators' pages).

A report for a service or a locality reads that scope's figures; a team's or the whole
council's, the council's (indicators are computed for the council, each service and each
locality).
"""

from __future__ import annotations

from auditloop.indicators import selectors as ind
from auditloop.indicators.registry import COUNCIL
from auditloop.indicators.registry import Scope as IndicatorScope
from auditloop.insight.document import Block, Cell, ChartBlock, Figures, Section, Text
from auditloop.insight.figures import Scope

SPC_NOTE = ("A change is called a signal only when a statistical process control rule fires "
            "or a target is crossed; other month-to-month movement is ordinary variation.")


def _indicator_scope(scope: Scope) -> IndicatorScope:
    if scope.service_id:
        return IndicatorScope(service_id=scope.service_id)
    if scope.locality_id:
        return IndicatorScope(locality_id=scope.locality_id)
    return COUNCIL


def indicators(scope: Scope, *, heading: str = "Performance indicators") -> Section:
    named = set(ind.named_by_framework())
    rows = [r for r in ind.rows(_indicator_scope(scope), until=scope.end)
            if r.values and (r.indicator.key in named or any(
                ind.in_period(s, scope.start, scope.end) for s in r.signals))]
    if not rows:
        return Section(heading=heading, ident="indicators", blocks=(Text(
            "No indicator the framework names has figures up to the end of this period, and "
            "no indicator signalled in it."),))
    blocks: list[Block] = [Text(SPC_NOTE)]
    for row in rows:
        latest = row.values[-1]
        shown = ind.figure(latest)
        cell = (Cell.share(shown.proportion) if shown.proportion is not None
                else Cell(text=shown.shown, value=latest.value))
        figures = [(f"{row.indicator.name}, {latest.period_start:%B %Y}", cell)]
        figures += [(label, Cell.label(text)) for label, text in row.benchmarks]
        blocks.append(Figures(ident=f"indicator-{row.indicator.key}", rows=tuple(figures)))
        if len(row.values) > 1:
            blocks.append(ChartBlock(key=f"indicator-{row.indicator.key}",
                                     title=row.indicator.name, chart=row.chart,
                                     as_percent=row.indicator.is_proportion))
        live = [s for s in row.signals if ind.in_period(s, scope.start, scope.end)]
        if live:
            blocks.extend(Text(f"{row.signal_words(s)} {row.done[s.pk].words}") for s in live)
        else:
            blocks.append(Text(f"{row.indicator.name}: no signal in this period."))
    return Section(heading=heading, ident="indicators", blocks=tuple(blocks))
