"""Honest figures: proportions with their Wilson interval, and statistical process control.

Plain functions on plain numbers, no models, so that every report reads the same rules.
The SPC charts follow NHS England's "Making Data Count" as the NHS-R community's
NHSRplotthedots package implements it, with its defaults:

- XmR: the centre is the mean; the moving ranges of 3.267 x their mean or more are screened
  out and the mean moving range worked out again; the process limits are the mean
  +/- 2.66 x that mean moving range, and the "near the limits" lines are two thirds of the
  way out (2 sigma).
- p-chart: the centre is the pooled proportion (all numerators over all denominators) and
  each point's limits are centre +/- 3 x sqrt(centre x (1 - centre) / its denominator),
  held within 0 and 1, so a month of 2 audits gets wide limits and a month of 20 narrow ones.
- Rules, on each point: outside the limits; a shift (7 points in a row on the same side of
  the centre; a point on the centre breaks the run); a trend (7 points in a row each higher,
  or each lower, than the one before; a tie breaks it); two of three points in a row near
  a limit (between 2 and 3 sigma) with all three on the same side of the centre. Every point
  of a run is flagged, as in the package.
- Laney's p′ chart (for denominators in the thousands, where a p-chart would signal every
  month): the p-chart's limits times sigma_z, the mean moving range of the points'
  z-scores over 1.128 (Laney 2002; qicharts2's "pp" chart).
- A flagged point is improvement or concern by which side of the centre it falls on and the
  measure's direction (more is better, less is better, or neither).
- Limits can be fixed after the first n points, and worked out afresh (rebased) from a
  recorded change.
- A series (or part after a rebase) of fewer than 12 points carries the package's
  short-series warning (its `ptd_add_short_group_warnings` threshold); with fewer than 2
  points there are no limits at all, and the chart must say so instead of drawing them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile: a two-sided 95% interval

XMR_LIMIT = 2.66  # 3 sigma, as a multiple of the mean moving range (3 / d2, d2 = 1.128)
XMR_SCREEN = 3.267  # moving ranges this many times their mean or more are screened out
RUN_LENGTH = 7  # points in a shift or a trend
SHORT_SERIES = 12  # fewer points than this carry the short-series warning
MIN_POINTS_FOR_LIMITS = 2  # one moving range needs two points


@dataclass(frozen=True)
class Proportion:
    """k of n, with its 95% Wilson score interval. `n == 0` has no value and no interval."""

    k: int
    n: int
    low: float | None
    high: float | None

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None

    def __str__(self) -> str:
        if not self.n:
            return "no cases"
        assert self.low is not None and self.high is not None
        return (f"{percent(self.value)} ({self.k} of {self.n}; "
                f"95% interval {percent(self.low)} to {percent(self.high)})")


def percent(x: float | None) -> str:
    """0.625 -> '63%' (whole percentages read best beside a count)."""
    if x is None:
        return "none"
    return f"{round(x * 100)}%"


def wilson(k: int, n: int, z: float = Z_95) -> Proportion:
    """The Wilson score interval: honest for small samples and for 0 of n or n of n."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"A proportion needs 0 <= k <= n, not {k} of {n}.")
    if n == 0:
        return Proportion(k=0, n=0, low=None, high=None)
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Exact at the edges, so 0 of n starts at 0 and n of n ends at 1.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Proportion(k=k, n=n, low=low, high=high)


class Direction(StrEnum):
    INCREASE = "increase"  # more is better (say, the share of audits good or better)
    DECREASE = "decrease"  # less is better (say, actions overdue)
    NEUTRAL = "neutral"


class Rule(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"


RULE_WORDS = {
    Rule.OUTSIDE_LIMITS: "a point outside the limits",
    Rule.SHIFT: f"{RUN_LENGTH} points in a row on one side of the centre",
    Rule.TREND: f"{RUN_LENGTH} points in a row each rising or each falling",
    Rule.TWO_OF_THREE: "two of three points close to a limit",
}


class Variation(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "special_cause_improvement"
    CONCERN = "special_cause_concern"
    NEUTRAL_HIGH = "special_cause_neutral_high"
    NEUTRAL_LOW = "special_cause_neutral_low"


@dataclass(frozen=True)
class Point:
    period: str
    value: float
    centre: float | None
    lower: float | None
    upper: float | None
    near_lower: float | None
    near_upper: float | None
    rules: tuple[Rule, ...]
    variation: Variation
    group: int  # 0, then 1 after the first rebase, ...
    short_series: bool
    numerator: int | None = None
    denominator: int | None = None

    @property
    def signal(self) -> bool:
        return bool(self.rules)


@dataclass(frozen=True)
class Chart:
    kind: str  # "xmr", "p" or "laney" (p′)
    direction: Direction
    points: tuple[Point, ...] = ()

    @property
    def has_limits(self) -> bool:
        return any(p.upper is not None for p in self.points)

    @property
    def short_series(self) -> bool:
        return any(p.short_series for p in self.points)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    def summary(self) -> str:
        """One plain sentence a report can print under the chart."""
        if not self.points:
            return "There are no points to chart yet."
        if not self.has_limits:
            return (f"{len(self.points)} point{'s' if len(self.points) != 1 else ''}: too few "
                    "to work out process limits, so no change can be called a signal yet.")
        improvement = sum(p.variation == Variation.IMPROVEMENT for p in self.points)
        concern = sum(p.variation == Variation.CONCERN for p in self.points)
        neutral = sum(p.variation in (Variation.NEUTRAL_HIGH, Variation.NEUTRAL_LOW)
                      for p in self.points)
        parts = []
        if improvement:
            parts.append(f"{improvement} point{'s' if improvement != 1 else ''} of "
                         "improvement")
        if concern:
            parts.append(f"{concern} point{'s' if concern != 1 else ''} of concern")
        if neutral:
            parts.append(f"{neutral} unusual point{'s' if neutral != 1 else ''}")
        if parts:
            sentence = "The SPC rules find " + " and ".join(parts) + "."
        else:
            sentence = ("Only common-cause variation: no signal of improvement or concern, so "
                        "month-to-month changes are not a trend.")
        if self.short_series:
            sentence += (f" Fewer than {SHORT_SERIES} points: read the limits with care.")
        return sentence


def _groups(periods: Sequence[str], rebase: Sequence[str]) -> list[int]:
    unknown = set(rebase) - set(periods)
    if unknown:
        raise ValueError(f"Rebase at a period not in the series: {', '.join(sorted(unknown))}.")
    starts = set(rebase)
    group, out = 0, []
    for i, period in enumerate(periods):
        if i and period in starts:
            group += 1
        out.append(group)
    return out


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _runs_of_seven(marks: Sequence[int]) -> list[bool]:
    """Points within a run of RUN_LENGTH equal, non-zero marks (the package's run flagging:
    a point is flagged if a run of seven ends on it or on one of the next six points)."""
    ends = [False] * len(marks)
    for i in range(RUN_LENGTH - 1, len(marks)):
        window = marks[i - RUN_LENGTH + 1:i + 1]
        ends[i] = window[0] != 0 and all(m == window[0] for m in window)
    return [any(ends[i:i + RUN_LENGTH]) for i in range(len(marks))]


@dataclass(frozen=True)
class Limits:
    centre: float
    lower: float
    upper: float
    near_lower: float
    near_upper: float


def _apply_rules(values: Sequence[float], limits: Sequence[Limits] | None,
                 ) -> list[tuple[Rule, ...]]:
    n = len(values)
    if not limits:
        return [()] * n
    side = [_sign(v - lim.centre) for v, lim in zip(values, limits, strict=True)]
    outside = [v > lim.upper or v < lim.lower for v, lim in zip(values, limits, strict=True)]
    close = [not out and (v < lim.near_lower or v > lim.near_upper)
             for v, out, lim in zip(values, outside, limits, strict=True)]
    shift = _runs_of_seven(side)
    # A trend: each step up (1) or down (-1); a tie (0) breaks it. Seven points make six
    # steps; a run of six equal steps ending on a point ends a trend there.
    steps = [0] + [_sign(values[i] - values[i - 1]) for i in range(1, n)]
    trend_ends = [False] * n
    for i in range(RUN_LENGTH - 1, n):
        window = steps[i - RUN_LENGTH + 2:i + 1]
        trend_ends[i] = window[0] != 0 and all(s == window[0] for s in window)
    trend = [any(trend_ends[i:i + RUN_LENGTH]) for i in range(n)]
    # Two of three near a limit: a window of three with two or more close points, all three
    # on the same side of the centre; the close points in it are flagged.
    two_of_three = [False] * n
    for start in range(0, n - 2):
        three = range(start, start + 3)
        if sum(close[i] for i in three) >= 2 and abs(sum(side[i] for i in three)) == 3:
            for i in three:
                if close[i]:
                    two_of_three[i] = True
    out = []
    for i in range(n):
        fired = []
        if outside[i]:
            fired.append(Rule.OUTSIDE_LIMITS)
        if shift[i]:
            fired.append(Rule.SHIFT)
        if trend[i]:
            fired.append(Rule.TREND)
        if two_of_three[i]:
            fired.append(Rule.TWO_OF_THREE)
        out.append(tuple(fired))
    return out


def _variation(rules: tuple[Rule, ...], side: int, direction: Direction) -> Variation:
    if not rules:
        return Variation.COMMON_CAUSE
    if direction == Direction.NEUTRAL:
        return Variation.NEUTRAL_HIGH if side > 0 else Variation.NEUTRAL_LOW
    wanted = 1 if direction == Direction.INCREASE else -1
    return Variation.IMPROVEMENT if side == wanted else Variation.CONCERN


def _points(*, periods: Sequence[str], values: Sequence[float], centre: float,
            limits: Sequence[Limits] | None, direction: Direction, group: int,
            counts: Sequence[tuple[int, int]] | None = None) -> list[Point]:
    rules = _apply_rules(values, limits)
    out = []
    for j, value in enumerate(values):
        lim = limits[j] if limits else None
        out.append(Point(
            period=periods[j], value=value, centre=centre,
            lower=lim.lower if lim else None, upper=lim.upper if lim else None,
            near_lower=lim.near_lower if lim else None,
            near_upper=lim.near_upper if lim else None,
            rules=rules[j], variation=_variation(rules[j], _sign(value - centre), direction),
            group=group, short_series=len(values) < SHORT_SERIES,
            numerator=counts[j][0] if counts else None,
            denominator=counts[j][1] if counts else None,
        ))
    return out


def xmr(series: Sequence[tuple[str, float]], *, direction: Direction = Direction.INCREASE,
        rebase: Sequence[str] = (), fix_after: int | None = None,
        screen_outliers: bool = True) -> Chart:
    """An XmR chart of (period, value) pairs in time order."""
    periods = [p for p, _ in series]
    values = [float(v) for _, v in series]
    groups = _groups(periods, rebase)
    points: list[Point] = []
    for g in sorted(set(groups)):
        idx = [i for i, gi in enumerate(groups) if gi == g]
        ys = [values[i] for i in idx]
        basis = ys[:fix_after] if fix_after else ys
        n = len(ys)
        centre = sum(basis) / len(basis)
        limits: list[Limits] | None = None
        if len(basis) >= MIN_POINTS_FOR_LIMITS:
            ranges = [abs(basis[i] - basis[i - 1]) for i in range(1, len(basis))]
            mean_range = sum(ranges) / len(ranges)
            if screen_outliers:
                kept = [r for r in ranges if r < XMR_SCREEN * mean_range]
                mean_range = sum(kept) / len(kept) if kept else mean_range
            spread = XMR_LIMIT * mean_range
            near = 2 * spread / 3
            limits = [Limits(centre, centre - spread, centre + spread, centre - near,
                             centre + near)] * n
        points.extend(_points(periods=[periods[i] for i in idx], values=ys, centre=centre,
                              limits=limits, direction=direction, group=g))
    return Chart(kind="xmr", direction=direction, points=tuple(points))


def p_chart(series: Sequence[tuple[str, int, int]], *,
            direction: Direction = Direction.INCREASE, rebase: Sequence[str] = (),
            fix_after: int | None = None) -> Chart:
    """A p-chart of (period, numerator, denominator) in time order. Periods with a
    denominator of 0 have no proportion and are left out of the chart."""
    return _proportion_chart(series, direction=direction, rebase=rebase,
                             fix_after=fix_after, laney=False)


def laney_p_chart(series: Sequence[tuple[str, int, int]], *,
                  direction: Direction = Direction.INCREASE, rebase: Sequence[str] = (),
                  fix_after: int | None = None) -> Chart:
    """Laney's p′ chart (Laney 2002, as qicharts2's "pp" chart): a p-chart whose limits are
    widened (or narrowed) by the variation between periods that the binomial model misses.
    With denominators in the thousands a plain p-chart's limits are so narrow that nearly
    every month is "outside" them; p′ keeps the p-chart's shape (limits still narrow as the
    denominator grows) but scales sigma by sigma_z, the mean moving range of the points'
    z-scores (their distance from the centre in p-chart sigmas) divided by 1.128, so a
    series with no more variation than the binomial model expects (sigma_z = 1) gets the
    p-chart's own limits. Same rules, rebase and fixed limits as `p_chart`."""
    return _proportion_chart(series, direction=direction, rebase=rebase,
                             fix_after=fix_after, laney=True)


D2 = 1.128  # the mean moving range of two points, in sigmas


def _laney_sigma_z(rows: Sequence[tuple[str, int, int]], centre: float) -> float:
    if centre in (0.0, 1.0) or len(rows) < MIN_POINTS_FOR_LIMITS:
        return 1.0
    z = [(k / n - centre) / math.sqrt(centre * (1 - centre) / n) for _, k, n in rows]
    ranges = [abs(z[i] - z[i - 1]) for i in range(1, len(z))]
    return (sum(ranges) / len(ranges)) / D2


def _proportion_chart(series: Sequence[tuple[str, int, int]], *, direction: Direction,
                      rebase: Sequence[str], fix_after: int | None, laney: bool) -> Chart:
    for period, k, n in series:
        if n < 0 or k < 0 or k > n:
            raise ValueError(f"{period}: a proportion needs 0 <= numerator <= denominator, "
                             f"not {k} of {n}.")
    all_periods = [p for p, _, _ in series]
    unknown = set(rebase) - set(all_periods)
    if unknown:
        raise ValueError(f"Rebase at a period not in the series: {', '.join(sorted(unknown))}.")
    kept = [(p, k, n) for p, k, n in series if n > 0]
    periods = [p for p, _, _ in kept]
    # A rebase at a period with nothing to count starts at the next period that has some.
    starts = []
    for r in rebase:
        later = [p for p, _, n in series[all_periods.index(r):] if n > 0]
        if later:
            starts.append(later[0])
    groups = _groups(periods, starts)
    points: list[Point] = []
    for g in sorted(set(groups)):
        rows = [kept[i] for i, gi in enumerate(groups) if gi == g]
        basis = rows[:fix_after] if fix_after else rows
        centre = sum(k for _, k, _ in basis) / sum(n for _, _, n in basis)
        ys = [k / n for _, k, n in rows]
        limits: list[Limits] | None = None
        if len(basis) >= MIN_POINTS_FOR_LIMITS:
            limits = []
            sigma_z = _laney_sigma_z(basis, centre) if laney else 1.0
            for _, _, n in rows:
                sigma = math.sqrt(centre * (1 - centre) / n) * sigma_z
                limits.append(Limits(
                    centre, max(0.0, centre - 3 * sigma), min(1.0, centre + 3 * sigma),
                    max(0.0, centre - 2 * sigma), min(1.0, centre + 2 * sigma)))
        points.extend(_points(periods=[p for p, _, _ in rows], values=ys, centre=centre,
                              limits=limits, direction=direction, group=g,
                              counts=[(k, n) for _, k, n in rows]))
    return Chart(kind="laney" if laney else "p", direction=direction, points=tuple(points))
