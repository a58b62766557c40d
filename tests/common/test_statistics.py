"""Honest figures: Wilson intervals and the SPC rules of Making Data Count (NHSRplotthedots'
defaults), each rule at its threshold and one point short of it."""

from __future__ import annotations

import io
import math

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from auditloop.common.statistics import (
    SHORT_SERIES,
    Direction,
    Rule,
    Variation,
    p_chart,
    percent,
    wilson,
    xmr,
)

Z = 1.959963984540054

# A stable base: 12, 10, 12, 10 ... (mean 11, every moving range 2), so with the limits fixed
# on it the XmR limits are 11 +/- 2.66 x 2 = 5.68 to 16.32, and the 2-sigma lines are
# 11 +/- 3.5467. It ends below the mean, so a run above the mean starts with the extra points.
BASE = [12.0, 10.0] * 10


def chart_after_base(extra: list[float], **kw):
    series = [(f"p{i:02d}", v) for i, v in enumerate(BASE + extra)]
    return xmr(series, fix_after=len(BASE), **kw)


def flagged(chart, rule: Rule) -> list[int]:
    return [i - len(BASE) for i, p in enumerate(chart.points) if rule in p.rules]


# Wilson ---------------------------------------------------------------------------------

def test_wilson_five_of_eight():
    p = wilson(5, 8)
    assert p.value == 0.625
    assert p.low == pytest.approx(0.3057, abs=1e-4)
    assert p.high == pytest.approx(0.8632, abs=1e-4)
    assert str(p) == "62% (5 of 8; 95% interval 31% to 86%)"


def test_wilson_edges_are_exact():
    none = wilson(0, 10)
    assert (none.low, none.high) == (0.0, pytest.approx(0.2775, abs=1e-4))
    every = wilson(10, 10)
    assert (every.low, every.high) == (pytest.approx(0.7225, abs=1e-4), 1.0)
    one = wilson(1, 1)
    assert one.low == pytest.approx(0.2065, abs=1e-4) and one.high == 1.0


def test_wilson_of_nothing_has_no_value():
    p = wilson(0, 0)
    assert p.value is None and p.low is None and p.high is None
    assert str(p) == "no cases"


@pytest.mark.parametrize(("k", "n"), [(-1, 3), (4, 3), (0, -1)])
def test_wilson_refuses_impossible_counts(k, n):
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(k, n)


@given(n=st.integers(min_value=1, max_value=500), data=st.data())
def test_wilson_ends_solve_the_score_equation(n, data):
    """An independent check: each inner end p0 of the interval is where the score test is
    on the edge, (p - p0)^2 = z^2 p0 (1 - p0) / n."""
    k = data.draw(st.integers(min_value=0, max_value=n))
    p = wilson(k, n)
    assert p.low is not None and p.high is not None
    assert 0 <= p.low <= k / n <= p.high <= 1
    for end in (p.low, p.high):
        if end in (0.0, 1.0) and (k in (0, n)):
            continue
        assert (k / n - end) ** 2 == pytest.approx(Z * Z * end * (1 - end) / n, rel=1e-6,
                                                   abs=1e-12)


def test_percent_reads_whole_numbers():
    assert percent(0.5) == "50%"
    assert percent(None) == "none"


# XmR limits -----------------------------------------------------------------------------

def test_xmr_limits_from_the_mean_moving_range():
    chart = xmr([(f"m{i}", v) for i, v in enumerate(BASE)])
    first = chart.points[0]
    assert first.centre == 11
    assert first.lower == pytest.approx(11 - 2.66 * 2)
    assert first.upper == pytest.approx(11 + 2.66 * 2)
    assert first.near_upper == pytest.approx(11 + 2 * 2.66 * 2 / 3)
    assert not any(p.signal for p in chart.points)


def test_xmr_screens_out_large_moving_ranges():
    # Ranges 1, 1, 1, 1, 10, 10, 1, 1: mean 3.25, and 10 >= 3.267 x 3.25 is not, so nothing is
    # screened; ranges of 1 x 8 and one of 40: mean 5, 40 >= 16.3 is screened, leaving 1.
    values = [5, 6, 5, 6, 5, 6, 5, 6, 5, 45]
    screened = xmr([(str(i), v) for i, v in enumerate(values)])
    mean = sum(values) / len(values)
    assert screened.points[0].upper == pytest.approx(mean + 2.66 * 1)
    kept = xmr([(str(i), v) for i, v in enumerate(values)], screen_outliers=False)
    ranges = [abs(values[i] - values[i - 1]) for i in range(1, len(values))]
    assert kept.points[0].upper == pytest.approx(mean + 2.66 * sum(ranges) / len(ranges))


def test_xmr_constant_series_has_no_signal():
    chart = xmr([(str(i), 4.0) for i in range(15)])
    assert all(p.lower == p.upper == 4.0 for p in chart.points)
    assert not any(p.signal for p in chart.points)
    assert "Only common-cause variation" in chart.summary()


def test_too_few_points_for_limits():
    chart = xmr([("2026-01", 7.0)])
    assert not chart.has_limits
    assert chart.points[0].upper is None and not chart.points[0].signal
    assert "too few to work out process limits" in chart.summary()
    assert xmr([]).summary() == "There are no points to chart yet."


def test_short_series_warning_below_twelve_points():
    short = xmr([(str(i), v) for i, v in enumerate(BASE[:SHORT_SERIES - 1])])
    enough = xmr([(str(i), v) for i, v in enumerate(BASE[:SHORT_SERIES])])
    assert SHORT_SERIES == 12
    assert short.short_series and "read the limits with care" in short.summary()
    assert not enough.short_series and "read the limits with care" not in enough.summary()


# The rules, at and one short of each threshold -------------------------------------------

def test_a_point_beyond_the_upper_limit_fires():
    base = chart_after_base([])
    upper = base.points[0].upper
    on = chart_after_base([upper])
    beyond = chart_after_base([upper + 0.01])
    assert flagged(on, Rule.OUTSIDE_LIMITS) == []
    assert flagged(beyond, Rule.OUTSIDE_LIMITS) == [0]
    assert beyond.points[-1].variation == Variation.IMPROVEMENT
    below = chart_after_base([base.points[0].lower - 0.01])
    assert below.points[-1].variation == Variation.CONCERN


def test_shift_of_seven_on_one_side_fires_and_six_does_not():
    seven = chart_after_base([11.5] * 7)
    six = chart_after_base([11.5] * 6)
    assert flagged(seven, Rule.SHIFT) == list(range(7))
    assert flagged(six, Rule.SHIFT) == []


def test_a_point_on_the_mean_breaks_a_shift():
    broken = chart_after_base([11.5] * 3 + [11.0] + [11.5] * 3)
    assert flagged(broken, Rule.SHIFT) == []


def test_shift_below_the_mean_is_concern_when_more_is_better():
    chart = chart_after_base([10.5] * 7)
    assert all(p.variation == Variation.CONCERN for p in chart.points[len(BASE):])
    less_is_better = chart_after_base([10.5] * 7, direction=Direction.DECREASE)
    assert all(p.variation == Variation.IMPROVEMENT
               for p in less_is_better.points[len(BASE):])
    neutral = chart_after_base([10.5] * 7, direction=Direction.NEUTRAL)
    assert all(p.variation == Variation.NEUTRAL_LOW for p in neutral.points[len(BASE):])


def test_trend_of_seven_rising_fires_and_six_does_not():
    seven = chart_after_base([8.0, 8.5, 9.0, 9.5, 10.0, 10.5, 11.2])
    six = chart_after_base([8.0, 8.5, 9.0, 9.5, 10.0, 10.5])
    assert flagged(seven, Rule.TREND) == list(range(7))
    assert flagged(six, Rule.TREND) == []


def test_a_tie_breaks_a_trend():
    tied = chart_after_base([8.0, 8.5, 9.0, 9.0, 9.5, 10.0, 10.5, 11.2])
    assert flagged(tied, Rule.TREND) == []


def test_trend_falling_fires():
    chart = chart_after_base([14.0, 13.5, 13.0, 12.5, 12.0, 11.5, 10.9])
    assert flagged(chart, Rule.TREND) == list(range(7))


def test_two_of_three_near_a_limit_on_one_side_fires():
    # Near the upper limit: between 14.547 and 16.32.
    chart = chart_after_base([15.0, 11.5, 15.0])
    assert flagged(chart, Rule.TWO_OF_THREE) == [0, 2]


def test_two_of_three_needs_all_three_on_one_side():
    chart = chart_after_base([15.0, 10.5, 15.0])
    assert flagged(chart, Rule.TWO_OF_THREE) == []


def test_one_of_three_near_a_limit_does_not_fire():
    chart = chart_after_base([15.0, 11.5, 11.5])
    assert flagged(chart, Rule.TWO_OF_THREE) == []


def test_rebase_works_limits_out_afresh():
    values = [10.0, 12.0] * 6 + [20.0, 22.0] * 6
    periods = [f"m{i:02d}" for i in range(len(values))]
    one = xmr(list(zip(periods, values, strict=True)))
    two = xmr(list(zip(periods, values, strict=True)), rebase=["m12"])
    assert one.points[0].centre == 16
    assert {p.group for p in two.points} == {0, 1}
    assert two.points[0].centre == 11 and two.points[-1].centre == 21
    assert not any(p.signal for p in two.points)
    with pytest.raises(ValueError, match="not in the series"):
        xmr(list(zip(periods, values, strict=True)), rebase=["2099-01"])


# Oracle: the shift and trend flags against a plain window search ---------------------------

def _oracle_runs(marks: list[int]) -> set[int]:
    out: set[int] = set()
    for start in range(len(marks) - 6):
        window = marks[start:start + 7]
        if window[0] != 0 and all(m == window[0] for m in window):
            out.update(range(start, start + 7))
    return out


@given(st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=30))
def test_shift_and_trend_match_a_window_search(values):
    chart = xmr([(str(i), float(v)) for i, v in enumerate(values)])
    centre = chart.points[0].centre
    sides = [(v > centre) - (v < centre) for v in values]
    shift = {i for i, p in enumerate(chart.points) if Rule.SHIFT in p.rules}
    assert shift == _oracle_runs(sides)
    trend = {i for i, p in enumerate(chart.points) if Rule.TREND in p.rules}
    expected: set[int] = set()
    for start in range(len(values) - 6):
        w = values[start:start + 7]
        if all(a < b for a, b in zip(w, w[1:], strict=False)) or all(
                a > b for a, b in zip(w, w[1:], strict=False)):
            expected.update(range(start, start + 7))
    assert trend == expected


# p-charts --------------------------------------------------------------------------------

SMALL = [("2026-01", 1, 1), ("2026-02", 3, 8), ("2026-03", 0, 6), ("2026-04", 6, 6),
         ("2026-05", 2, 20), ("2026-06", 0, 0)]


def test_p_chart_centre_pools_the_counts_and_limits_vary_with_each_sample():
    chart = p_chart(SMALL)
    centre = 12 / 41
    assert [p.period for p in chart.points] == ["2026-01", "2026-02", "2026-03", "2026-04",
                                                "2026-05"]  # a month of none is left out
    for p in chart.points:
        sigma = math.sqrt(centre * (1 - centre) / p.denominator)
        assert p.centre == pytest.approx(centre)
        assert p.upper == pytest.approx(min(1.0, centre + 3 * sigma))
        assert p.lower == pytest.approx(max(0.0, centre - 3 * sigma))
    month_of_one = chart.points[0]
    assert (month_of_one.lower, month_of_one.upper) == (0.0, 1.0)
    assert not month_of_one.signal  # 1 of 1 sits on a limit that is clamped to 1
    twenty = chart.points[4]
    assert twenty.upper - twenty.lower < chart.points[1].upper - chart.points[1].lower


def test_p_chart_a_month_of_all_or_none_beyond_the_limits():
    series = [(f"m{i:02d}", 10, 20) for i in range(12)] + [("m12", 20, 20)]
    chart = p_chart(series)
    last = chart.points[-1]
    assert last.upper == pytest.approx(140 / 260 + 3 * math.sqrt(140 / 260 * 120 / 260 / 20))
    assert Rule.OUTSIDE_LIMITS in last.rules and last.variation == Variation.IMPROVEMENT
    none = p_chart([(f"m{i:02d}", 10, 20) for i in range(12)] + [("m12", 0, 20)])
    assert none.points[-1].variation == Variation.CONCERN


def test_p_chart_of_all_zero_or_all_one_has_no_signal():
    for k in (0, 4):
        chart = p_chart([(f"m{i:02d}", k, 4) for i in range(14)])
        assert not any(p.signal for p in chart.points)


def test_p_chart_shift_of_seven_small_samples():
    # Months of 3 audits, alternating 2 and 1 good (ending on 1, below the pooled centre),
    # then seven months of 2 of 3, just above it: a shift, and nothing outside the limits.
    before = [(f"a{i:02d}", 2 - i % 2, 3) for i in range(14)]
    series = before + [(f"b{i:02d}", 2, 3) for i in range(7)]
    chart = p_chart(series)
    assert [p.period for p in chart.points if Rule.SHIFT in p.rules] == [
        f"b{i:02d}" for i in range(7)]
    assert not any(Rule.OUTSIDE_LIMITS in p.rules for p in chart.points)
    six = p_chart(before + [(f"b{i:02d}", 2, 3) for i in range(6)])
    assert not any(Rule.SHIFT in p.rules for p in six.points)


def test_p_chart_rebase_at_an_empty_month_starts_at_the_next():
    series = [("m1", 1, 2), ("m2", 1, 2), ("m3", 0, 0), ("m4", 2, 2), ("m5", 2, 2)]
    chart = p_chart(series, rebase=["m3"])
    assert [p.group for p in chart.points] == [0, 0, 1, 1]
    assert chart.points[-1].centre == 1.0


def test_p_chart_refuses_impossible_counts():
    with pytest.raises(ValueError, match="numerator <= denominator"):
        p_chart([("m1", 3, 2)])


# The command line ------------------------------------------------------------------------

def run_spc(*args: str, text: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("spc", *args, stdin=io.StringIO(text), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_spc_xmr_writes_each_point_with_its_rules():
    lines = ["period,value"] + [f"p{i:02d},{v}" for i, v in enumerate(BASE + [11.5] * 7)]
    out, err = run_spc("xmr", "--fix-after", str(len(BASE)), text="\n".join(lines) + "\n")
    rows = out.strip().splitlines()
    assert rows[0] == ("period,value,centre,lower,upper,rules,variation,short_series")
    assert rows[1] == "p00,12,11,5.68,16.32,,common_cause,no"
    assert rows[-1] == "p26,11.5,11,5.68,16.32,shift,special_cause_improvement,no"
    assert err == ""


def test_spc_xmr_trend_and_direction():
    lines = ["period,value"] + [f"p{i:02d},{v}" for i, v in
                                enumerate(BASE + [8.0, 8.5, 9.0, 9.5, 10.0, 10.5, 11.2])]
    out, _ = run_spc("xmr", "--fix-after", "20", "--direction", "decrease",
                     text="\n".join(lines))
    rows = [r.split(",") for r in out.strip().splitlines()]
    # The last point of a rising trend sits above the centre: concern when less is better,
    # and the points below the centre are improvement (the package's reading by side).
    assert rows[-1][5:7] == ["trend", "special_cause_concern"]
    assert "trend" in rows[-2][5].split(";") and rows[-2][6] == "special_cause_improvement"


def test_spc_p_writes_counts_and_limits():
    text = "period,numerator,denominator\n2026-01,1,1\n2026-02,3,8\n2026-03,0,0\n"
    out, err = run_spc("p", text=text)
    rows = out.strip().splitlines()
    assert rows[0] == ("period,numerator,denominator,value,centre,lower,upper,rules,"
                       "variation,short_series")
    assert rows[1].startswith("2026-01,1,1,1,0.444444,0,1,,common_cause,yes")
    assert len(rows) == 3  # the month of none is left out
    assert "read the limits with care" in err


def test_spc_says_when_there_are_too_few_points():
    out, err = run_spc("xmr", text="period,value\n2026-01,3\n")
    assert out.strip().splitlines()[1] == "2026-01,3,3,,,,common_cause,yes"
    assert "Too few points" in err


@pytest.mark.parametrize(("kind", "text", "message"), [
    ("xmr", "", "No input"),
    ("xmr", "month,score\n", "The first line must be period,value"),
    ("xmr", "period,value\n2026-01,high\n", "Line 2: value must be a number"),
    ("xmr", "period,value\n2026-01\n", "Line 2: expected 2 values"),
    ("p", "period,numerator,denominator\n2026-01,4,3\n", "Line 2: the numerator must be"),
    ("p", "period,numerator,denominator\n2026-01,1.5,3\n", "must be a whole number"),
    ("xmr", "period,value\n2026-01,3\n", "Rebase at a period not in the series"),
])
def test_spc_bad_input_says_what_to_do(kind, text, message):
    args = [kind, "--rebase", "1999-01"] if "Rebase" in message else [kind]
    with pytest.raises(CommandError, match=message):
        run_spc(*args, text=text)


def test_the_documented_examples_run_on_their_sample_files():
    """docs/statistics.md: `auditloop spc p < docs/samples/good-or-better.csv` and the XmR
    example with a rebase."""
    with open("docs/samples/good-or-better.csv") as f:
        out, _ = run_spc("p", text=f.read())
    rows = [r.split(",") for r in out.strip().splitlines()[1:]]
    assert [r[0] for r in rows if r[7] == "shift"][0] == "2026-01"
    assert {r[8] for r in rows if r[0] >= "2026-01"} == {"special_cause_improvement"}
    with open("docs/samples/impact-scores.csv") as f:
        out, err = run_spc("xmr", "--rebase", "2026-01", text=f.read())
    rows = [r.split(",") for r in out.strip().splitlines()[1:]]
    assert rows[0][2] == "5.6" and rows[-1][2] == "6.6"
    assert "Fewer than 12 points" in err
