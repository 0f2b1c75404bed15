"""The binomial helpers agree with scipy.stats, which the run does not import for them."""

import math
from decimal import Decimal, getcontext

import numpy as np
import pytest
from scipy import stats

from transition_sim.intervals import binomial_pmf, binomial_quantile, clopper_pearson


@pytest.mark.parametrize("n", list(range(1, 40)) + [100, 999, 2000, 2001, 32000])
def test_binomial_quantile_is_scipys(n):
    """At the tails the intervals use; at an exact tie (q = 1/2 with p = 1/2) scipy rounds either way."""
    for p in (0.01, 0.1, 0.25, 0.5, 0.8, 0.9, 0.99):
        for q in (0.005, 0.025, 0.05, 0.3, 0.7, 0.95, 0.975, 0.995):
            assert binomial_quantile(q, n, p) == int(stats.binom.ppf(q, n, p)), (q, n, p)


def test_binomial_quantile_is_scipys_at_random_shapes():
    """Sizes up to 200,000 replications, any p and q: 3,000 draws from a fixed seed."""
    rng = np.random.default_rng(12)
    for _ in range(3000):
        n = int(np.exp(rng.uniform(0, np.log(200_000))))
        p, q = rng.uniform(0.001, 0.999), rng.uniform(0.001, 0.999)
        assert binomial_quantile(q, n, p) == int(stats.binom.ppf(q, n, p)), (q, n, p)


@pytest.mark.parametrize("n", [1, 2, 7, 40, 2000, 32000, 100_000])
def test_binomial_pmf_is_exact_to_1e_12(n):
    """Against the exact probability (integer binomial coefficient, 50-digit decimals), within six standard
    deviations of the mean, where every quantile a run asks for lies; scipy's binom.pmf is no closer there."""
    getcontext().prec = 50
    for p in (1e-6, 0.01, 0.3, 0.5, 0.8, 0.999):
        got = binomial_pmf(n, p)
        assert got.sum() == pytest.approx(1.0, abs=1e-12)
        sd = math.sqrt(n * p * (1 - p))
        for k in sorted({min(max(int(n * p + z * sd), 0), n) for z in np.linspace(-6, 6, 9)}):
            exact = Decimal(math.comb(n, k)) * Decimal(p) ** k * (1 - Decimal(p)) ** (n - k)
            assert abs(Decimal(float(got[k])) - exact) <= Decimal("1e-12") * exact, (n, p, k)
    assert binomial_pmf(n, 0.0)[0] == 1.0 and binomial_pmf(n, 1.0)[n] == 1.0


def test_binomial_quantile_at_an_exact_tie():
    assert binomial_quantile(0.5, 7, 0.5) == 3  # P(Bin(7, 1/2) <= 3) = 1/2 exactly
    assert binomial_quantile(0.5, 35, 0.5) == 17


def test_clopper_pearson_is_scipys_exact_interval():
    for n in range(1, 30):
        for k in range(n + 1):
            expected = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
            assert np.allclose(clopper_pearson(k, n, 0.95), (expected.low, expected.high), rtol=0, atol=1e-10)


def test_clopper_pearson_at_larger_counts():
    for n, k in ((200, 0), (200, 1), (200, 57), (200, 199), (5000, 4000), (5000, 5000)):
        expected = stats.binomtest(k, n).proportion_ci(0.9, method="exact")
        assert np.allclose(clopper_pearson(k, n, 0.9), (expected.low, expected.high), rtol=1e-9, atol=1e-12)


def test_importing_the_api_does_not_import_scipy_stats():
    import subprocess
    import sys
    code = "import sys, transition_sim.api; print('scipy.stats' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() \
        == "False"


def _module_imported_by_a_run(tmp_path, module: str, runs: int, workers: int) -> bool:
    """Whether `api.run` of the baseline imports `module` in the calling process (in a fresh interpreter)."""
    import subprocess
    import sys
    code = ("import sys\nfrom transition_sim import api\n"
            f"api.run(runs={runs}, workers={workers}, out={str(tmp_path)!r}, name='r')\n"
            f"print({module!r} in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1] == "True"


def test_a_run_with_its_report_does_not_import_scipy_stats(tmp_path):
    assert not _module_imported_by_a_run(tmp_path, "scipy.stats", runs=30, workers=1)


def test_a_run_on_workers_imports_no_scipy_special_itself(tmp_path):
    """The workers draw the correlated numbers (scipy.special.ndtri); the command's own process needs SciPy for
    nothing, its intervals included: importing scipy.special would cost it about 0.2 s."""
    assert not _module_imported_by_a_run(tmp_path, "scipy.special._ufuncs", runs=2000, workers=2)
