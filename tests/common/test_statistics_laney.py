"""Laney's p′ chart: the p-chart's limits widened by the variation between months that the
binomial model misses. Expected numbers worked out by hand (below), not by the code."""

import pytest

from auditloop.common.statistics import Rule, laney_p_chart, p_chart

# Four months of 5,000 each: 10%, 12%, 9%, 11%. Centre 2,100 / 20,000 = 0.105.
# p-chart sigma = sqrt(0.105 x 0.895 / 5000) = 0.0043353; limits 0.105 +/- 0.013006.
# z-scores: (0.10 - 0.105) / 0.0043353 = -1.15333, then 3.45998, -3.45998, 1.15333;
# moving ranges 4.61331, 6.91996, 4.61331, mean 5.38219; sigma_z = 5.38219 / 1.128 = 4.77145.
# p′ limits: 0.105 +/- 3 x 0.0043353 x 4.77145 = 0.105 +/- 0.062057.
SERIES = [("2026-07", 500, 5000), ("2026-08", 600, 5000), ("2026-09", 450, 5000),
          ("2026-10", 550, 5000)]


def test_a_p_chart_calls_months_of_thousands_outside_the_limits() -> None:
    chart = p_chart(SERIES)
    assert chart.points[0].upper == pytest.approx(0.118006, abs=1e-6)
    assert [Rule.OUTSIDE_LIMITS in p.rules for p in chart.points] == [
        False, True, True, False]


def test_laney_widens_the_limits_by_sigma_z() -> None:
    chart = laney_p_chart(SERIES)
    assert chart.kind == "laney"
    first = chart.points[0]
    assert first.centre == pytest.approx(0.105)
    assert first.upper == pytest.approx(0.167057, abs=1e-6)
    assert first.lower == pytest.approx(0.042943, abs=1e-6)
    assert first.near_upper == pytest.approx(0.105 + 2 * 0.0043353 * 4.77145, abs=1e-6)
    assert not any(p.rules for p in chart.points)
    assert (first.numerator, first.denominator) == (500, 5000)


def test_laney_still_flags_a_real_jump() -> None:
    # A fifth month of 20% (1,000 of 5,000) against the same four: centre 3,100 / 25,000 =
    # 0.124; sigma_p = sqrt(0.124 x 0.876 / 5000) = 0.0046612; z: -5.14912, -0.85819,
    # -7.29459, -3.00366, 16.30556; moving ranges 4.29094, 6.43640, 4.29094, 19.30921,
    # mean 8.58187; sigma_z = 7.60804; upper = 0.124 + 3 x 0.0046612 x 7.60804 = 0.230383.
    # The jump is inside the widened limits of a chart it inflates itself: p′, like XmR,
    # needs the limits fixed on the months before to call it.
    chart = laney_p_chart(SERIES + [("2026-11", 1000, 5000)])
    assert chart.points[-1].upper == pytest.approx(0.230383, abs=1e-5)
    fixed = laney_p_chart(SERIES + [("2026-11", 1000, 5000)], fix_after=4)
    assert fixed.points[-1].upper == pytest.approx(0.167057, abs=1e-6)
    assert Rule.OUTSIDE_LIMITS in fixed.points[-1].rules


def test_equal_to_the_p_chart_when_the_months_vary_as_the_binomial_expects() -> None:
    # 6,250,000 a month, centre exactly 0.1: p-chart sigma = sqrt(0.1 x 0.9 / 6,250,000) =
    # 0.00012; 625,000 -/+ 423 is 0.1 -/+ 0.00006768, z = -/+ 0.564, so every moving range
    # is 1.128 and sigma_z = 1: the p′ chart is the p-chart.
    series = [("a", 624577, 6250000), ("b", 625423, 6250000), ("c", 624577, 6250000),
              ("d", 625423, 6250000)]
    laney, plain = laney_p_chart(series), p_chart(series)
    for mine, theirs in zip(laney.points, plain.points, strict=True):
        assert mine.upper == pytest.approx(theirs.upper, abs=1e-12)
        assert mine.lower == pytest.approx(theirs.lower, abs=1e-12)
    assert laney.points[0].upper == pytest.approx(0.1 + 3 * 0.00012, abs=1e-12)


def test_the_limits_keep_the_p_charts_shape_when_the_denominators_differ() -> None:
    # 30/200, 45/300, 20/250, 60/400: centre 155 / 1,150 = 0.134783. z-scores 0.630196,
    # 0.771829, -2.536490, 0.891232; moving ranges 0.141633, 3.308319, 3.427722, mean
    # 2.292558; sigma_z = 2.032410. The first month's p-chart sigma is
    # sqrt(0.134783 x 0.865217 / 200) = 0.024147: upper 0.134783 + 3 x 0.024147 = 0.207224,
    # p′ upper 0.134783 + 3 x 0.024147 x 2.032410 = 0.282013; the last month's (400) p′
    # upper 0.134783 + 3 x 0.017075 x 2.032410 = 0.238890.
    series = [("a", 30, 200), ("b", 45, 300), ("c", 20, 250), ("d", 60, 400)]
    laney, plain = laney_p_chart(series), p_chart(series)
    assert plain.points[0].upper == pytest.approx(0.207224, abs=1e-6)
    assert laney.points[0].upper == pytest.approx(0.282013, abs=1e-6)
    assert laney.points[-1].upper == pytest.approx(0.238890, abs=1e-6)
    for mine, theirs in zip(laney.points, plain.points, strict=True):
        assert (mine.upper - mine.centre) == pytest.approx(
            (theirs.upper - theirs.centre) * 2.032410, abs=1e-6)


def test_a_flat_series_or_a_single_month() -> None:
    # Two equal months: no moving range, sigma_z = 0, and the limits sit on the centre, as
    # Laney's formula gives. One month has no moving range at all: no limits.
    flat = laney_p_chart([("a", 100, 1000), ("b", 100, 1000)])
    assert (flat.points[0].lower, flat.points[0].upper) == (pytest.approx(0.1),
                                                            pytest.approx(0.1))
    single = laney_p_chart([("a", 100, 1000)])
    assert not single.has_limits
