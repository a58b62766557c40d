"""What the indicators' pages show: each indicator's series in one scope with its SPC chart,
its latest month beside its target and benchmarks, and what was done about each signal (the
themed audit proposed, accepted or dismissed, and the audits done in the cycle that took
it): 004's loop from numbers to audits to action plans and back to numbers.

Queries are fixed per page, however many indicators, months and signals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from auditloop.audits.models import Audit
from auditloop.common.statistics import Chart, Proportion, percent, wilson
from auditloop.indicators import signals as spc
from auditloop.indicators.models import Indicator, IndicatorValue, Signal
from auditloop.indicators.registry import COUNCIL, Scope
from auditloop.people.models import Locality, Service
from auditloop.programme.loop import scales_for
from auditloop.programme.models import CycleCase, ThemeProposal

SPARK_WIDTH, SPARK_HEIGHT = 120, 28
SUBMITTED = Audit.workflow.groups["submitted_or_later"]


@dataclass(frozen=True)
class ScopeChoice:
    value: str  # "", "service-3", "locality-2"
    label: str


def scope_choices() -> list[ScopeChoice]:
    return ([ScopeChoice("", "The whole council")]
            + [ScopeChoice(f"service-{pk}", name) for pk, name in
               Service.objects.order_by("name").values_list("pk", "name")]
            + [ScopeChoice(f"locality-{pk}", f"{name} (locality)") for pk, name in
               Locality.objects.order_by("name").values_list("pk", "name")])


def parse_scope(text: str) -> Scope:
    """'service-3' or 'locality-2' (anything else: the whole council)."""
    kind, _, pk = (text or "").partition("-")
    if pk.isdigit() and kind == "service":
        return Scope(service_id=int(pk))
    if pk.isdigit() and kind == "locality":
        return Scope(locality_id=int(pk))
    return COUNCIL


def scope_value(scope: Scope) -> str:
    if scope.service_id is not None:
        return f"service-{scope.service_id}"
    if scope.locality_id is not None:
        return f"locality-{scope.locality_id}"
    return ""


@dataclass(frozen=True)
class Figure:
    """One month's figure in words: '23% (23 of 100; 95% interval 16% to 32%)'."""

    value: IndicatorValue
    proportion: Proportion | None

    @property
    def shown(self) -> str:
        return show(self.value.indicator, self.value.value)

    @property
    def counts(self) -> str:
        if self.proportion is not None:
            p = self.proportion
            return (f"{p.k} of {p.n}; 95% interval {percent(p.low)} to {percent(p.high)}")
        if self.value.numerator is not None and self.value.denominator:
            return f"{self.value.numerator} of {self.value.denominator}"
        return ""


def show(indicator: Indicator, value: float | None) -> str:
    if value is None:
        return "none"
    if indicator.is_proportion:
        return percent(value)
    text = f"{value:,.1f}" if value % 1 else f"{value:,.0f}"
    return f"{text} {indicator.unit}".strip()


def figure(value: IndicatorValue) -> Figure:
    counted = value.indicator.is_proportion and value.denominator and (
        value.numerator is not None)
    return Figure(value, wilson(value.numerator or 0, value.denominator or 0)
                  if counted else None)


@dataclass
class Done:
    """What was done about a signal."""

    proposal: ThemeProposal | None = None
    audits_done: int = 0
    audits_good: int = 0
    audits_graded: int = 0
    improvement: bool = False

    @property
    def words(self) -> str:
        p = self.proposal
        if p is None and self.improvement:
            return "No audit proposed (improvement is reported, not audited)."
        if p is None:
            return (f"No audit proposed (the signal ended more than "
                    f"{spc.PROPOSE_WITHIN_MONTHS} months before the latest month: it is "
                    f"recorded, not put to the QA manager).")
        if p.is_open:
            return "A themed audit is proposed: waiting for the QA manager."
        if p.is_accepted:
            where = f" for the {p.cycle.title}" if p.cycle else ""
            text = f"Themed audit accepted{where}."
            if self.audits_done:
                text += (f" {self.audits_done} audit{'s' if self.audits_done != 1 else ''} "
                         f"done so far")
                if self.audits_graded:
                    text += (f", {self.audits_good} of {self.audits_graded} good or better")
                text += "."
            return text
        return f"Dismissed: {p.dismissal_reason}"


@dataclass
class Row:
    indicator: Indicator
    values: list[IndicatorValue]
    signals: list[Signal] = field(default_factory=list)
    done: dict[int, Done] = field(default_factory=dict)

    @property
    def latest(self) -> Figure | None:
        return figure(self.values[-1]) if self.values else None

    @cached_property
    def chart(self) -> Chart:
        return spc.chart(self.indicator, self.values)

    @property
    def chart_kind_words(self) -> str:
        return {"p": "p-chart", "laney": "Laney p′ chart", "xmr": "XmR chart"}[
            spc.chart_kind(self.indicator, self.values)]

    @property
    def benchmarks(self) -> list[tuple[str, str]]:
        if not self.values:
            return []
        last = self.values[-1]
        target = spc.target_of(self.indicator, last)
        out = [("Target", target), ("England", last.england_average),
               ("Statistical neighbours", last.statistical_neighbours_average)]
        return [(label, show(self.indicator, v)) for label, v in out if v is not None]

    @property
    def sparkline(self) -> str:
        """The SVG points of a small line of the months' values, oldest first."""
        ys = [v.value for v in self.values if v.value is not None]
        if len(ys) < 2:
            return ""
        low, high = min(ys), max(ys)
        span = (high - low) or 1.0
        step = SPARK_WIDTH / (len(ys) - 1)
        height = SPARK_HEIGHT - 4
        return " ".join(f"{i * step:.1f},{SPARK_HEIGHT - 2 - (y - low) / span * height:.1f}"
                        for i, y in enumerate(ys))

    def signal_words(self, signal: Signal) -> str:
        first = f"{signal.first_period:%B %Y}"
        last = f"{signal.last_period:%B %Y}"
        lasted = first if first == last else f"{first} to {last}"
        return (f"{signal.get_meaning_display()}: {spc.movement(signal, self.indicator)} "
                f"({lasted}).")


def _done(signals: Sequence[Signal]) -> dict[int, Done]:
    ids = [s.proposal_id for s in signals if s.proposal_id]
    proposals = {p.pk: p for p in ThemeProposal.objects.filter(pk__in=ids)
                 .select_related("cycle")}
    cycles = {p.cycle_id for p in proposals.values() if p.is_accepted and p.cycle_id}
    by_cycle: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for cycle, final, overall, version in CycleCase.objects.filter(
            cycle_id__in=cycles, audit__status__in=SUBMITTED).values_list(
            "cycle_id", "audit__final_grade", "audit__overall_grade",
            "audit__tool_version_id"):
        by_cycle[cycle].append((final or overall, version))
    scales = scales_for({v for rows in by_cycle.values() for _, v in rows}) if by_cycle else {}
    out: dict[int, Done] = {}
    for s in signals:
        p = proposals.get(s.proposal_id or 0)
        done = Done(proposal=p, improvement=s.meaning == Signal.Meaning.IMPROVEMENT)
        if p is not None and p.is_accepted and p.cycle_id in by_cycle:
            rows = by_cycle[p.cycle_id]
            done.audits_done = len(rows)
            for grade, version in rows:
                scale = scales.get(version)
                good = scale.is_good(grade) if scale is not None else None
                if good is not None:
                    done.audits_graded += 1
                    done.audits_good += int(good)
        out[s.pk] = done
    return out


def rows(scope: Scope = COUNCIL, *, key: str | None = None,
         keys: Iterable[str] | None = None, until: dt.date | None = None) -> list[Row]:
    """Every active indicator (or the one `key`, or those in `keys`) with its months and
    signals in the scope; with `until`, only the months (and signals) up to that day."""
    indicators = Indicator.objects.filter(active=True)
    if key is not None:
        indicators = indicators.filter(key=key)
    if keys is not None:
        indicators = indicators.filter(key__in=list(keys))
    by_pk = {i.pk: Row(i, []) for i in indicators.order_by("name")}
    values = scope.values(IndicatorValue.objects.filter(indicator_id__in=by_pk))
    signalled = scope.values(Signal.objects.filter(indicator_id__in=by_pk))
    if until is not None:
        values = values.filter(period_start__lte=until)
        signalled = signalled.filter(first_period__lte=until)
    for value in values.order_by("indicator_id", "period_start"):
        value.indicator = by_pk[value.indicator_id].indicator
        by_pk[value.indicator_id].values.append(value)
    found = list(signalled)
    done = _done(found)
    for s in found:
        row = by_pk[s.indicator_id]
        s.indicator = row.indicator
        row.signals.append(s)
        row.done[s.pk] = done[s.pk]
    return list(by_pk.values())


def latest_month(found: Sequence[Row]) -> dt.date | None:
    months = [r.values[-1].period_start for r in found if r.values]
    return max(months) if months else None


def table(row: Row) -> list[dict[str, Any]]:
    """The chart's data table: each month's figure, its counts and interval, and targets."""
    out = []
    for v in reversed(row.values):
        f = figure(v)
        out.append({"month": v.period_start, "value": f.shown, "counts": f.counts,
                    "target": show(row.indicator, spc.target_of(row.indicator, v))
                    if spc.target_of(row.indicator, v) is not None else "",
                    "source": v.source})
    return out


def framework_filters() -> list[str]:
    """The framework's indicator filters (its indicator-led way of choosing cases: 004's
    six), as the QA manager set them."""
    from auditloop.standards.selectors import framework_settings_row

    modes = framework_settings_row().selection_modes or []
    return [str(f.get("value", "")).strip() for m in modes if isinstance(m, dict)
            for f in m.get("filters") or [] if isinstance(f, dict)
            and f.get("filter") == "indicator" and str(f.get("value", "")).strip()]


def named_by_framework() -> list[str]:
    """The keys of the indicators that drive the framework's indicator filters (each
    registered indicator names the filters it drives)."""
    from auditloop.indicators import registry

    wanted = {f.casefold() for f in framework_filters()}
    return [d.key for d in registry.registered()
            if wanted & {p.casefold() for p in d.preset_filters}]


def in_period(signal: Signal, start: dt.date, end: dt.date) -> bool:
    """Raised in the period, or raised before it and still persisting in it."""
    return signal.first_period <= end and signal.last_period >= start.replace(day=1)
