"""Binomial probabilities, quantiles and exact intervals, computed here with NumPy: importing scipy.special
would cost a command about 0.2 s (scipy.stats about a second), and the percentile tables need nothing else.

Both agree with scipy.stats: `binomial_quantile` with `binom.ppf` exactly (tests/test_intervals.py),
`clopper_pearson` with `binomtest(...).proportion_ci(method="exact")` to about 1e-12.
"""

from __future__ import annotations

import numpy as np

TIE = 1e-12  # relative: an exact tie, such as P(Bin(7, 1/2) <= 3) = 1/2, rounded either way counts as reached


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """P(Binomial(n, p) = k) for k = 0..n.

    The probabilities are built outwards from the mode by their ratios, pmf(k + 1) / pmf(k) =
    (n - k) / (k + 1) * p / (1 - p), so every factor is below 1 and nothing overflows; the tails underflow
    to 0 only where they are below 1e-300 of the mode. The relative error is about (k - mode) roundings,
    below 1e-13 at the quantiles the intervals use, against the 1e-12 of `TIE`.
    """
    if p <= 0.0 or p >= 1.0:
        pmf = np.zeros(n + 1)
        pmf[0 if p <= 0.0 else n] = 1.0
        return pmf
    mode = min(int((n + 1) * p), n)
    odds = p / (1.0 - p)
    weights = np.ones(n + 1)
    up = np.arange(mode, n, dtype=float)
    weights[mode + 1:] = np.cumprod((n - up) / (up + 1.0) * odds)
    down = np.arange(mode, 0, -1, dtype=float)
    weights[:mode] = np.cumprod(down / (n - down + 1.0) / odds)[::-1]
    return weights / weights.sum()


def binomial_quantile(q: float, n: int, p: float) -> int:
    """The smallest k with P(Binomial(n, p) <= k) >= q, for 0 < q < 1."""
    reached = np.cumsum(binomial_pmf(n, p)) >= q * (1 - TIE)
    return int(np.argmax(reached)) if reached.any() else n


def _root(below, low: float = 0.0, high: float = 1.0) -> float:
    """The point of [low, high] where the increasing predicate `below` turns false, by bisection to the last bit."""
    while True:
        middle = 0.5 * (low + high)
        if middle in (low, high):
            return middle
        if below(middle):
            low = middle
        else:
            high = middle


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval for a proportion k of n: the p at which k or more (for the low
    end), or k or fewer (for the high end), has probability (1 - confidence) / 2."""
    tail = (1 - confidence) / 2
    low = 0.0 if k == 0 else _root(lambda p: binomial_pmf(n, p)[k:].sum() < tail)
    high = 1.0 if k == n else _root(lambda p: binomial_pmf(n, p)[:k + 1].sum() > tail)
    return low, high
