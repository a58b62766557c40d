"""Percent agreement and weighted kappa (moderation/agreement.py) against worked examples,
and their properties against slow methods on random tables."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditloop.moderation import agreement

# The worked example: 15 audits on a scale of 3 grades (0 best). Rows: the auditor's grade;
# columns: the moderator's.
#
#            mod 0  mod 1  mod 2   row total
#   aud 0      4      1      0        5
#   aud 1      1      3      1        5
#   aud 2      0      1      4        5
#   column     5      5      5       15
#
# Every marginal is 5/15 = 1/3, so chance puts 1/9 of the audits in each cell.
TABLE = [[4, 1, 0], [1, 3, 1], [0, 1, 4]]
PAIRS = [(i, j) for i in range(3) for j in range(3) for _ in range(TABLE[i][j])]


def test_percent_agreement_of_the_worked_example():
    # The diagonal: 4 + 3 + 4 = 11 of 15.
    assert agreement.percent_agreement(PAIRS) == pytest.approx(100 * 11 / 15)


def test_unweighted_kappa_of_the_worked_example():
    # po = 11/15; pe = 3 x 1/9 = 1/3; kappa = (11/15 - 5/15) / (10/15) = 6/10.
    k = agreement.weighted_kappa(PAIRS, 3, "unweighted")
    assert k is not None
    assert k.observed == pytest.approx(11 / 15)
    assert k.expected == pytest.approx(1 / 3)
    assert k.kappa == pytest.approx(0.6)


def test_linear_kappa_of_the_worked_example():
    # Weights 1 - |i-j|/2: 1 on the diagonal, 1/2 one grade apart, 0 two apart.
    # po = (11 + 4 x 1/2) / 15 = 13/15; pe = (3 x 1 + 4 x 1/2 + 2 x 0) / 9 = 5/9;
    # kappa = (39/45 - 25/45) / (20/45) = 14/20 = 0.7.
    k = agreement.weighted_kappa(PAIRS, 3, "linear")
    assert k is not None
    assert k.observed == pytest.approx(13 / 15)
    assert k.expected == pytest.approx(5 / 9)
    assert k.kappa == pytest.approx(0.7)


def test_quadratic_kappa_of_the_worked_example():
    # Weights 1 - ((i-j)/2)^2: 3/4 one grade apart, 0 two apart.
    # po = (11 + 4 x 3/4) / 15 = 14/15; pe = (3 + 4 x 3/4) / 9 = 2/3;
    # kappa = (14/15 - 10/15) / (5/15) = 4/5.
    k = agreement.weighted_kappa(PAIRS, 3, "quadratic")
    assert k is not None
    assert k.observed == pytest.approx(14 / 15)
    assert k.expected == pytest.approx(2 / 3)
    assert k.kappa == pytest.approx(0.8)


def test_standard_error_of_the_worked_example():
    # Fleiss, Cohen & Everitt (1969), unweighted: w_ij is 1 on the diagonal, so the mean
    # weights are the marginals: w_i. = w_.j = 1/3, and (w_i. + w_.j)(1 - kappa) = 2/3 x 0.4
    # = 4/15 for every cell.
    #   diagonal cells (share 11/15): (1 - 4/15)^2 = (11/15)^2
    #   other cells    (share 4/15):  (0 - 4/15)^2 = (4/15)^2
    #   sum = 11/15 x 121/225 + 4/15 x 16/225 = (1331 + 64) / 3375 = 1395/3375
    #   (kappa - pe(1 - kappa))^2 = (0.6 - 0.4/3)^2 = (7/15)^2 = 735/3375
    #   var = (1395 - 735)/3375 / (15 x (2/3)^2) = (660/3375) / (20/3) = 1980/67500
    k = agreement.weighted_kappa(PAIRS, 3, "unweighted")
    assert k is not None
    assert k.standard_error == pytest.approx(math.sqrt(1980 / 67500))  # 0.1713
    assert k.low == pytest.approx(0.6 - agreement.Z_95 * math.sqrt(1980 / 67500))
    assert k.high == pytest.approx(0.6 + agreement.Z_95 * math.sqrt(1980 / 67500))


def test_perfect_agreement_is_one_with_no_error():
    pairs = [(0, 0), (1, 1), (2, 2), (3, 3), (1, 1)]
    for weighting in ("unweighted", "linear", "quadratic"):
        k = agreement.weighted_kappa(pairs, 4, weighting)  # type: ignore[arg-type]
        assert k is not None and k.kappa == pytest.approx(1.0)
        assert k.standard_error == pytest.approx(0.0, abs=1e-9)


def test_chance_level_agreement_is_zero():
    # Every cell holds the product of its marginals (rows 2:1, columns 1:1), which is what
    # chance alone gives: kappa is exactly 0.
    table = [[2, 2], [1, 1]]
    for weighting in ("unweighted", "linear", "quadratic"):
        k = agreement.kappa_from_table(table, weighting)  # type: ignore[arg-type]
        assert k is not None and k.kappa == pytest.approx(0.0, abs=1e-12)


def test_complete_disagreement_is_negative():
    k = agreement.weighted_kappa([(0, 1), (1, 0), (0, 1), (1, 0)], 2, "unweighted")
    assert k is not None and k.kappa == pytest.approx(-1.0)


def test_kappa_is_undefined_when_every_grade_is_the_same():
    assert agreement.weighted_kappa([(1, 1), (1, 1)], 4) is None
    assert agreement.weighted_kappa([], 4) is None
    assert agreement.percent_agreement([]) is None


def test_figures_below_the_floor_give_the_count_only():
    f = agreement.figures(PAIRS[:4], 3, moved=1, floor=10)
    assert (f.n, f.enough, f.percent, f.quadratic) == (4, False, None, None)
    f = agreement.figures(PAIRS, 3, moved=3, floor=10)
    assert f.enough and f.quadratic is not None and f.moved_percent == pytest.approx(20.0)


def test_a_rank_off_the_scale_is_refused():
    with pytest.raises(ValueError):
        agreement.weighted_kappa([(0, 4)], 4)


# Properties ------------------------------------------------------------------------------

scales = st.integers(min_value=2, max_value=5)


@st.composite
def rated(draw):  # type: ignore[no-untyped-def]
    k = draw(scales)
    pairs = draw(st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)),
                          min_size=1, max_size=40))
    return k, pairs


def slow_percent(pairs):  # type: ignore[no-untyped-def]
    same = 0
    for a, b in pairs:
        if a == b:
            same += 1
    return 100.0 * same / len(pairs)


def slow_kappa(pairs, k, weighting):  # type: ignore[no-untyped-def]
    """Kappa as the definition says it: mean weight of the observed pairs against the mean
    weight over every (first rater's grade, second rater's grade) combination."""
    n = len(pairs)
    observed = sum(agreement.weight(a, b, k, weighting) for a, b in pairs) / n
    expected = sum(agreement.weight(a, b2, k, weighting)
                   for a, _ in pairs for _, b2 in pairs) / (n * n)
    if expected >= 1 - 1e-12:
        return None
    return (observed - expected) / (1 - expected)


@settings(max_examples=200, deadline=None)
@given(rated(), st.sampled_from(["unweighted", "linear", "quadratic"]))
def test_kappa_matches_the_definition_and_stays_in_range(data, weighting):  # type: ignore[no-untyped-def]
    k, pairs = data
    got = agreement.weighted_kappa(pairs, k, weighting)
    want = slow_kappa(pairs, k, weighting)
    if want is None:
        assert got is None
        return
    assert got is not None
    assert got.kappa == pytest.approx(want, abs=1e-9)
    assert -1.0 - 1e-9 <= got.kappa <= 1.0 + 1e-9
    assert -1.0 <= got.low <= got.kappa <= got.high <= 1.0
    assert got.standard_error >= 0


@settings(max_examples=200, deadline=None)
@given(rated(), st.sampled_from(["unweighted", "linear", "quadratic"]))
def test_kappa_is_the_same_when_the_raters_swap(data, weighting):  # type: ignore[no-untyped-def]
    k, pairs = data
    one = agreement.weighted_kappa(pairs, k, weighting)
    other = agreement.weighted_kappa([(b, a) for a, b in pairs], k, weighting)
    assert (one is None) == (other is None)
    if one and other:
        assert one.kappa == pytest.approx(other.kappa, abs=1e-9)
        # The standard error is a square root: a variance that is rounding noise (about
        # 1e-17, 0 in one order of the sums and not in the other) comes out near 4e-9.
        assert one.standard_error == pytest.approx(other.standard_error, abs=1e-7)


@settings(max_examples=200, deadline=None)
@given(rated(), st.randoms(use_true_random=False))
def test_kappa_does_not_depend_on_the_order_of_the_audits(data, rnd):  # type: ignore[no-untyped-def]
    k, pairs = data
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    one = agreement.weighted_kappa(pairs, k)
    other = agreement.weighted_kappa(shuffled, k)
    assert (one is None) == (other is None)
    if one and other:
        assert one.kappa == pytest.approx(other.kappa, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(rated())
def test_percent_agreement_matches_a_slow_count(data):  # type: ignore[no-untyped-def]
    _, pairs = data
    assert agreement.percent_agreement(pairs) == pytest.approx(slow_percent(pairs))
