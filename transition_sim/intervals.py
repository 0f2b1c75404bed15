"""Binomial quantiles and exact intervals from scipy.special (importing scipy.stats costs about a second).

Both agree with scipy.stats: `binomial_quantile` with `binom.ppf` exactly (tests/test_intervals.py),
`clopper_pearson` with `binomtest(...).proportion_ci(method="exact")` to about 1e-12.
"""

from __future__ import annotations

import numpy as np

from transition_sim.lazy import lazy_import

special = lazy_import("scipy.special")


def binomial_quantile(q: float, n: int, p: float) -> int:
    """The smallest k with P(Binomial(n, p) <= k) >= q, for 0 < q < 1."""
    cdf = special.bdtr(np.arange(n + 1), n, p)
    reached = cdf >= q * (1 - 1e-12)  # an exact tie, such as P(Bin(7, 1/2) <= 3) = 1/2, rounded either way
    return int(np.argmax(reached)) if reached.any() else n


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval for a proportion k of n."""
    alpha = 1 - confidence
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, alpha / 2))
    high = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1 - alpha / 2))
    return low, high
