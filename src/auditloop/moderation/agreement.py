"""Agreement between two raters on an ordered grade scale, as plain functions: percent
agreement and weighted Cohen's kappa with its large-sample confidence interval.

Grades are given as ranks (0 = the best grade of the scale, k-1 the worst). The weights are
agreement weights: linear 1 - |i-j|/(k-1), quadratic 1 - ((i-j)/(k-1))^2. Quadratic weights
are the standard for ordinal grades (a grade two steps apart is a bigger disagreement than
one step), and the page shows them.

The confidence interval uses the large-sample standard error of weighted kappa of Fleiss,
Cohen and Everitt (1969), "Large sample standard errors of kappa and weighted kappa",
Psychological Bulletin 72(5): 323-327, in its non-null form (the one for an interval, not
for a test of kappa = 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Weighting = Literal["unweighted", "linear", "quadratic"]
Z_95 = 1.959963984540054  # the two-sided 95% point of the normal distribution


@dataclass(frozen=True)
class Kappa:
    kappa: float
    standard_error: float
    low: float  # the 95% confidence interval, clipped to [-1, 1]
    high: float
    observed: float  # weighted observed agreement
    expected: float  # weighted agreement expected by chance


def weight(i: int, j: int, k: int, weighting: Weighting) -> float:
    """The agreement weight of ranks i and j on a scale of k grades."""
    if i == j:
        return 1.0
    if weighting == "unweighted" or k < 2:
        return 0.0
    d = abs(i - j) / (k - 1)
    return 1.0 - d if weighting == "linear" else 1.0 - d * d


def table(pairs: Sequence[tuple[int, int]], k: int) -> list[list[int]]:
    """The k x k table of counts: rows the first rater's rank, columns the second's."""
    counts = [[0] * k for _ in range(k)]
    for a, b in pairs:
        if not (0 <= a < k and 0 <= b < k):
            raise ValueError(f"Rank out of the scale of {k} grades: {(a, b)}")
        counts[a][b] += 1
    return counts


def percent_agreement(pairs: Sequence[tuple[int, int]]) -> float | None:
    """The share of pairs with the same grade, as a percentage (None for no pairs)."""
    if not pairs:
        return None
    return 100.0 * sum(1 for a, b in pairs if a == b) / len(pairs)


def kappa_from_table(counts: Sequence[Sequence[int]],
                     weighting: Weighting = "quadratic") -> Kappa | None:
    """Weighted kappa of a k x k table of counts, or None where it is not defined: no pairs,
    or chance agreement of 1 (both raters gave one and the same grade every time)."""
    k = len(counts)
    n = sum(sum(row) for row in counts)
    if n == 0 or k == 0:
        return None
    p = [[counts[i][j] / n for j in range(k)] for i in range(k)]
    rows = [sum(p[i]) for i in range(k)]
    cols = [sum(p[i][j] for i in range(k)) for j in range(k)]
    w = [[weight(i, j, k, weighting) for j in range(k)] for i in range(k)]
    po = sum(w[i][j] * p[i][j] for i in range(k) for j in range(k))
    pe = sum(w[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k))
    if pe >= 1.0 - 1e-12:
        return None
    kappa = (po - pe) / (1.0 - pe)
    # Fleiss, Cohen and Everitt (1969), equation (14): the weighted mean agreement of each
    # row and column category, then the variance of kappa about its estimate.
    w_row = [sum(cols[j] * w[i][j] for j in range(k)) for i in range(k)]
    w_col = [sum(rows[i] * w[i][j] for i in range(k)) for j in range(k)]
    total = sum(
        p[i][j] * (w[i][j] - (w_row[i] + w_col[j]) * (1.0 - kappa)) ** 2
        for i in range(k) for j in range(k)
    )
    variance = (total - (kappa - pe * (1.0 - kappa)) ** 2) / (n * (1.0 - pe) ** 2)
    se = math.sqrt(max(variance, 0.0))
    kappa = max(-1.0, min(1.0, kappa))
    return Kappa(kappa=kappa, standard_error=se, low=max(-1.0, kappa - Z_95 * se),
                 high=min(1.0, kappa + Z_95 * se), observed=po, expected=pe)


def weighted_kappa(pairs: Sequence[tuple[int, int]], k: int,
                   weighting: Weighting = "quadratic") -> Kappa | None:
    """Weighted kappa of (first rater's rank, second rater's rank) pairs on k grades."""
    return kappa_from_table(table(pairs, k), weighting)


@dataclass(frozen=True)
class Figures:
    """What the agreement page shows for one group of paired grades."""

    n: int
    percent: float | None
    quadratic: Kappa | None
    linear: Kappa | None
    moved: int  # how many of the auditor's grades the moderator changed
    enough: bool  # n reached the framework's floor (agreement_min_audits)

    @property
    def moved_percent(self) -> float | None:
        return None if not self.n else 100.0 * self.moved / self.n


def figures(pairs: Sequence[tuple[int, int]], k: int, *, moved: int = 0,
            floor: int = 1) -> Figures:
    """Percent agreement and both weighted kappas, where there are at least `floor` pairs
    (below it, only the count: a few pairs say nothing about agreement)."""
    n = len(pairs)
    if n < max(floor, 1):
        return Figures(n=n, percent=None, quadratic=None, linear=None, moved=moved,
                       enough=False)
    return Figures(n=n, percent=percent_agreement(pairs),
                   quadratic=weighted_kappa(pairs, k, "quadratic"),
                   linear=weighted_kappa(pairs, k, "linear"), moved=moved, enough=True)
