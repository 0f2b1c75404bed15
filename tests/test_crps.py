"""CRPS by the exact sample formula, and the API without the backtest's imports."""

import subprocess
import sys

import numpy as np
import properscoring
import pytest
from scipy import stats

from transition_sim.backtest import crps


@pytest.mark.parametrize("n", [1, 2, 3, 10, 999, 5000])
def test_crps_matches_properscoring_on_random_samples(n):
    rng = np.random.default_rng(n)
    for _ in range(5):
        samples = rng.lognormal(mean=4.0, sigma=1.0, size=n)
        actual = float(rng.choice([rng.lognormal(4.0, 1.0), samples[0], -3.0, 1e4]))
        assert crps(samples, actual) == pytest.approx(properscoring.crps_ensemble(actual, samples), rel=1e-10)


def test_crps_with_ties_and_an_unsorted_sample():
    samples = np.array([5.0, 1.0, 5.0, 3.0, 1.0, 5.0])
    for actual in (0.0, 1.0, 4.0, 5.0, 9.0):
        assert crps(samples, actual) == pytest.approx(properscoring.crps_ensemble(actual, samples), rel=1e-12)


def test_crps_of_a_point_forecast_is_the_absolute_error():
    assert crps(np.full(7, 2.5), 4.0) == pytest.approx(1.5)


def test_crps_matches_the_closed_form_of_a_normal_forecast():
    mu, sigma = 10.0, 2.0
    samples = stats.norm.ppf((np.arange(20000) + 0.5) / 20000, mu, sigma)  # the quantiles: no sampling noise
    for actual in (7.0, 10.0, 15.0):
        z = (actual - mu) / sigma
        exact = sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
        assert crps(samples, actual) == pytest.approx(exact, abs=1e-4)


def test_importing_the_api_loads_no_backtest_module():
    code = ("import sys, transition_sim.api; "
            "print(sorted(m for m in sys.modules if 'backtest' in m or m.split('.')[0] == 'properscoring'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
