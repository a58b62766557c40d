"""Signals: each indicator's monthly series on an SPC chart (the reports' own code,
common.statistics), a signal raised when the chart's rules fire or the target is crossed,
once per signal, and a themed audit proposed from it.

The chart: a p-chart where a numerator and a denominator exist; Laney's p′ chart where the
denominators are in the thousands (a plain p-chart's limits are then so narrow that nearly
every month lies outside them); an XmR chart for rates, counts and means.

Each month is judged as it would have been when it came in: against the limits of the months
before it (up to BASELINE_MONTHS of them, at least SHORT_SERIES), never against limits that
later months moved. A spike therefore cannot make the ordinary months before it look like a
shift after the event. Once per signal: consecutive months that signal in the same direction
are one signal, raised at its first month and kept (its last month moving on) while it
persists; signals are never deleted, so what was raised, and what was done about it, stays
on record. The page's chart (the reports' chart) draws its limits from the whole series.

004: "analyse and interrogate indicators, in order to hypothesise about practice and then
test the hypothesis through the audit process". A signal of concern (or an unusual one,
where neither direction is better), or a target crossed, proposes a themed audit with a
hypothesis written from the indicator's template and a suggested selection of the cases the
indicator counted that month (programme.proposals: `case_ids`, by record number only).
Improvement is reported, not audited. Only signals still live near the latest month
propose: a run that ended long ago in the history is recorded but does not put a stale
audit to the QA manager.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from auditloop.cases.models import Case
from auditloop.common.dates import add_months
from auditloop.common.statistics import (
    SHORT_SERIES,
    Chart,
    Direction,
    Point,
    Rule,
    Variation,
    laney_p_chart,
    p_chart,
    percent,
    xmr,
)
from auditloop.indicators.models import Indicator, IndicatorValue, Signal
from auditloop.indicators.registry import COUNCIL, Period, Scope, scopes
from auditloop.programme.models import ThemeProposal

# The mean denominator from which a p-chart becomes Laney's p′ chart.
LANEY_FROM = 1000
# A month is judged against the limits of up to this many months before it...
BASELINE_MONTHS = 24
# ...and only once there are at least this many (fewer: the short-series warning).
MIN_BASELINE = SHORT_SERIES
# A signal proposes an audit only if it persists within this many months of the latest.
PROPOSE_WITHIN_MONTHS = 3
# The order in which a month's rules name its signal: the strongest evidence first.
RULE_ORDER = (Rule.OUTSIDE_LIMITS, Rule.SHIFT, Rule.TREND, Rule.TWO_OF_THREE)
DEFAULT_HYPOTHESIS = "{name} {movement} in {month}: what do the cases behind it show?"

DIRECTIONS = {
    Indicator.Polarity.HIGHER: Direction.INCREASE,
    Indicator.Polarity.LOWER: Direction.DECREASE,
    Indicator.Polarity.NEITHER: Direction.NEUTRAL,
}
MEANINGS = {
    Variation.IMPROVEMENT: Signal.Meaning.IMPROVEMENT,
    Variation.CONCERN: Signal.Meaning.CONCERN,
    Variation.NEUTRAL_HIGH: Signal.Meaning.NEUTRAL,
    Variation.NEUTRAL_LOW: Signal.Meaning.NEUTRAL,
}


def series(indicator: Indicator, scope: Scope = COUNCIL) -> list[IndicatorValue]:
    """The indicator's stored months for one scope, oldest first."""
    return list(scope.values(IndicatorValue.objects.filter(indicator=indicator))
                .order_by("period_start"))


def chart_kind(indicator: Indicator, values: Sequence[IndicatorValue]) -> str:
    """'p', 'laney' or 'xmr': see the module's docstring."""
    counted = [v for v in values if v.numerator is not None and v.denominator]
    if indicator.is_proportion and counted and len(counted) == len(
            [v for v in values if v.value is not None]):
        mean_n = sum(v.denominator or 0 for v in counted) / len(counted)
        return "laney" if mean_n >= LANEY_FROM else "p"
    return "xmr"


def charted(values: Sequence[IndicatorValue], kind: str) -> list[IndicatorValue]:
    """The months a chart of this kind can show: with a denominator, or with a value."""
    if kind in ("p", "laney"):
        return [v for v in values if v.denominator]
    return [v for v in values if v.value is not None]


def chart(indicator: Indicator, values: Sequence[IndicatorValue], *,
          fix_after: int | None = None, kind: str | None = None) -> Chart:
    """The SPC chart of the stored months (months with no figure are left out); with
    `fix_after`, the limits come from that many first months only."""
    direction = DIRECTIONS.get(Indicator.Polarity(indicator.polarity), Direction.NEUTRAL)
    kind = kind or chart_kind(indicator, values)
    shown = charted(values, kind)
    if kind in ("p", "laney"):
        rows = [(v.period_start.strftime("%Y-%m"), v.numerator or 0, v.denominator or 0)
                for v in shown]
        draw = laney_p_chart if kind == "laney" else p_chart
        return draw(rows, direction=direction, fix_after=fix_after)
    return xmr([(v.period_start.strftime("%Y-%m"), v.value or 0.0) for v in shown],
               direction=direction, fix_after=fix_after)


def judged(indicator: Indicator, values: Sequence[IndicatorValue]) -> list[Point]:
    """Each month judged against the limits of the months before it (see the module's
    docstring); months without MIN_BASELINE months before them are not judged."""
    kind = chart_kind(indicator, values)
    shown = charted(values, kind)
    out: list[Point] = []
    for i in range(MIN_BASELINE, len(shown)):
        window = shown[max(0, i - BASELINE_MONTHS):i + 1]
        spc = chart(indicator, window, fix_after=len(window) - 1, kind=kind)
        if spc.points:
            out.append(spc.points[-1])
    return out


def target_of(indicator: Indicator, value: IndicatorValue) -> float | None:
    return value.target if value.target is not None else indicator.target


def beyond_target(indicator: Indicator, value: IndicatorValue) -> bool:
    """On the wrong side of the target: above it where lower is better, below it where
    higher is better. No target, or neither direction better: never."""
    target = target_of(indicator, value)
    if target is None or value.value is None:
        return False
    if indicator.polarity == Indicator.Polarity.LOWER:
        return value.value > target
    if indicator.polarity == Indicator.Polarity.HIGHER:
        return value.value < target
    return False


@dataclass(frozen=True)
class Run:
    """Consecutive months that signal the same way: one signal."""

    rule: str
    direction: str
    meaning: str
    first: dt.date
    last: dt.date
    value: float | None
    limit: float | None


def _month(period: str) -> dt.date:
    return dt.date.fromisoformat(period + "-01")


def _primary_rule(point: Point) -> Rule:
    return next(r for r in RULE_ORDER if r in point.rules)


def _limit(point: Point, rule: Rule, up: bool) -> float | None:
    if rule == Rule.OUTSIDE_LIMITS:
        return point.upper if up else point.lower
    if rule == Rule.TWO_OF_THREE:
        return point.near_upper if up else point.near_lower
    return point.centre


def chart_runs(points: Sequence[Point]) -> list[Run]:
    """The signalling months grouped into runs: consecutive points signalling in the same
    direction are one run, named by its first point's strongest rule."""
    runs: list[Run] = []
    open_run: Run | None = None
    previous: dt.date | None = None
    for point in points:
        month = _month(point.period)
        if not point.rules or point.centre is None:
            open_run, previous = None, month
            continue
        up = point.value > point.centre
        direction = Signal.Direction.UP if up else Signal.Direction.DOWN
        consecutive = previous is not None and add_months(previous, 1) == month
        if open_run is not None and open_run.direction == direction and consecutive:
            open_run = Run(open_run.rule, open_run.direction, open_run.meaning,
                           open_run.first, month, open_run.value, open_run.limit)
            runs[-1] = open_run
        else:
            rule = _primary_rule(point)
            open_run = Run(rule.value, direction,
                           MEANINGS.get(point.variation, Signal.Meaning.NEUTRAL), month, month,
                           point.value, _limit(point, rule, up))
            runs.append(open_run)
        previous = month
    return runs


def target_runs(indicator: Indicator, values: Sequence[IndicatorValue]) -> list[Run]:
    """Months beyond the target, from a month that crossed it (the month before was on the
    right side of it) for as long as they stay beyond."""
    runs: list[Run] = []
    before: IndicatorValue | None = None
    for value in values:
        if value.value is None:
            before = None
            continue
        if beyond_target(indicator, value):
            crossed = before is not None and before.value is not None and not beyond_target(
                indicator, before)
            if crossed:
                up = indicator.polarity == Indicator.Polarity.LOWER
                runs.append(Run(Signal.Rule.TARGET,
                                Signal.Direction.UP if up else Signal.Direction.DOWN,
                                Signal.Meaning.CONCERN, value.period_start, value.period_start,
                                value.value, target_of(indicator, value)))
            elif runs and before is not None and runs[-1].last == before.period_start:
                runs[-1] = Run(runs[-1].rule, runs[-1].direction, runs[-1].meaning,
                               runs[-1].first, value.period_start, runs[-1].value,
                               runs[-1].limit)
        before = value
    return runs


@transaction.atomic
def detect(indicator: Indicator, scope: Scope = COUNCIL) -> list[Signal]:
    """Raise (or extend) the indicator's signals in one scope; returns the signals raised
    now, not those only extended."""
    values = series(indicator, scope)
    if not values:
        return []
    runs = chart_runs(judged(indicator, values)) + target_runs(indicator, values)
    kind = chart_kind(indicator, values)
    existing = list(scope.values(Signal.objects.select_for_update().filter(
        indicator=indicator)))
    raised: list[Signal] = []
    for run in runs:
        is_target = run.rule == Signal.Rule.TARGET
        covering = next((s for s in existing if (s.rule == Signal.Rule.TARGET) == is_target
                         and s.direction == run.direction
                         and s.first_period <= run.last
                         and run.first <= add_months(s.last_period, 1)), None)
        if covering is not None:
            if run.last > covering.last_period:
                covering.last_period = run.last
                covering.save(update_fields=["last_period", "updated_at"])
            continue
        signal = Signal.objects.create(
            indicator=indicator, **scope.fields(), first_period=run.first,
            last_period=run.last, rule=run.rule, direction=run.direction,
            meaning=run.meaning, chart="" if is_target else kind, value=run.value,
            limit=run.limit)
        existing.append(signal)
        raised.append(signal)
    return raised


def movement(signal: Signal, indicator: Indicator) -> str:
    """What the figure did, in words: 'rose above the upper limit'."""
    up = signal.direction == Signal.Direction.UP
    rose = "rose" if up else "fell"
    shown = (percent(signal.limit) if indicator.is_proportion else f"{signal.limit:g}"
             ) if signal.limit is not None else ""
    match signal.rule:
        case Signal.Rule.OUTSIDE_LIMITS:
            return f"{rose} {'above the upper' if up else 'below the lower'} limit"
        case Signal.Rule.SHIFT:
            return f"stayed {'above' if up else 'below'} its usual level for 7 months"
        case Signal.Rule.TREND:
            return f"{rose} 7 months in a row"
        case Signal.Rule.TWO_OF_THREE:
            return f"{rose} close to the {'upper' if up else 'lower'} limit twice in 3 months"
        case _:
            return f"{rose} {'above' if up else 'below'} its target" + (
                f" of {shown}" if shown else "")


def hypothesis(signal: Signal, indicator: Indicator) -> str:
    template = indicator.hypothesis or DEFAULT_HYPOTHESIS
    words = {"name": indicator.name, "month": f"{signal.first_period:%B %Y}",
             "movement": movement(signal, indicator)}
    try:
        text = template.format(**words)
    except (KeyError, IndexError, ValueError):
        text = DEFAULT_HYPOTHESIS.format(**words)
    return text[:1].upper() + text[1:]


def selection_filter(signal: Signal, value: IndicatorValue | None) -> dict[str, list[int]]:
    """The suggested selection: the signal's scope (its service or locality) and the cases
    the indicator counted in its first month (the children re-referred, say), those still
    on the register, by record number only (`case_ids`). Where it counted more cases than a
    filter may name (programme.proposals.CASE_IDS_MAX), the teams holding them instead."""
    from auditloop.programme.proposals import CASE_IDS_MAX

    out: dict[str, list[int]] = {}
    if signal.service_id is not None:
        out["service_ids"] = [signal.service_id]
    if signal.locality_id is not None:
        out["locality_ids"] = [signal.locality_id]
    if value is not None and value.case_ids:
        counted = Case.objects.filter(pk__in=value.case_ids)
        cases = sorted(counted.values_list("pk", flat=True))
        if len(cases) <= CASE_IDS_MAX:
            if cases:
                out["case_ids"] = cases
            return out
        teams = sorted(set(counted.filter(team__isnull=False).values_list("team_id", flat=True)))
        if teams:
            out["team_ids"] = teams
    return out


def proposes(signal: Signal, latest: dt.date) -> bool:
    return (signal.meaning != Signal.Meaning.IMPROVEMENT
            and signal.proposal_id is None
            and add_months(signal.last_period, PROPOSE_WITHIN_MONTHS) > latest)


def propose(signal: Signal) -> int | None:
    """Put a themed audit to the QA manager for the signal (once: the proposal is kept on
    the signal). Returns the proposal's id."""
    from auditloop.programme import proposals

    indicator = signal.indicator
    value = Scope(signal.service_id, signal.locality_id).values(IndicatorValue.objects.filter(
        indicator=indicator, period_start=signal.first_period)).first()
    proposal = proposals.propose_theme(
        source="indicator", about=f"indicator-signal:{signal.pk}", theme=indicator.name,
        hypothesis=hypothesis(signal, indicator),
        selection_filter=selection_filter(signal, value))
    Signal.objects.filter(pk=signal.pk).update(proposal_id=proposal.pk)
    signal.proposal_id = proposal.pk
    return proposal.pk


def _is_council(signal: Signal) -> bool:
    return signal.service_id is None and signal.locality_id is None


def detect_all(indicators: Iterable[Indicator] | None = None,
               in_scopes: Iterable[Scope] | None = None) -> list[Signal]:
    """Every active indicator in every scope: raise the signals, then propose an audit for
    each that calls for one. Returns the signals raised."""
    chosen = list(indicators) if indicators is not None else list(
        Indicator.objects.filter(active=True))
    raised: list[Signal] = []
    for scope in (list(in_scopes) if in_scopes is not None else scopes()):
        for indicator in chosen:
            raised.extend(detect(indicator, scope))
    for indicator in chosen:
        # Each scope's own latest month: a signal is live against its own series.
        latest: dict[tuple[int | None, int | None], dt.date] = {
            (service, locality): last for service, locality, last in
                  IndicatorValue.objects.filter(indicator=indicator)
                  .values_list("service_id", "locality_id").annotate(last=Max("period_start"))
                  .values_list("service_id", "locality_id", "last")}
        if not latest:
            continue
        # The council's signals first: a service's or a locality's signal at the same time
        # is part of the same event.
        mine = sorted(Signal.objects.filter(indicator=indicator),
                      key=lambda s: (not _is_council(s), s.first_period, s.pk))
        # An indicator has one proposal at a time waiting for the QA manager: a further
        # live signal (another scope, another run) joins it rather than adding a second
        # to the list; once it is decided, the next signal proposes afresh.
        waiting = ThemeProposal.objects.filter(
            pk__in=[s.proposal_id for s in mine if s.proposal_id],
            status=ThemeProposal.Status.PROPOSED).order_by("pk").values_list(
            "pk", flat=True).first()
        for signal in mine:
            signal.indicator = indicator
            last = latest.get((signal.service_id, signal.locality_id))
            if last is None or not proposes(signal, last):
                continue
            # One event, one audit: a target crossed in the month the chart signalled (the
            # same way), or a service's signal while the council's signals too, shares the
            # audit already proposed rather than proposing a second.
            twin = next((s for s in mine if s.proposal_id and s.pk != signal.pk
                         and s.direction == signal.direction
                         and (_is_council(s) or (s.service_id, s.locality_id) == (
                             signal.service_id, signal.locality_id))
                         and s.first_period <= signal.last_period
                         and signal.first_period <= s.last_period), None)
            joins = twin.proposal_id if twin is not None else waiting
            if joins is not None:
                Signal.objects.filter(pk=signal.pk).update(proposal_id=joins)
                signal.proposal_id = joins
            else:
                waiting = propose(signal)
    return raised


def latest_period(values: Sequence[IndicatorValue]) -> Period | None:
    return Period.month(values[-1].period_start) if values else None
