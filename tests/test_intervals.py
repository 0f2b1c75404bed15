"""The binomial helpers agree with scipy.stats, which the run does not import for them."""

import numpy as np
import pytest
from scipy import stats

from transition_sim.intervals import binomial_quantile, clopper_pearson


@pytest.mark.parametrize("n", list(range(1, 40)) + [100, 999, 2000, 2001, 32000])
def test_binomial_quantile_is_scipys(n):
    """At the tails the intervals use; at an exact tie (q = 1/2 with p = 1/2) scipy rounds either way."""
    for p in (0.01, 0.1, 0.25, 0.5, 0.8, 0.9, 0.99):
        for q in (0.005, 0.025, 0.05, 0.3, 0.7, 0.95, 0.975, 0.995):
            assert binomial_quantile(q, n, p) == int(stats.binom.ppf(q, n, p)), (q, n, p)


def test_binomial_quantile_at_an_exact_tie():
    assert binomial_quantile(0.5, 7, 0.5) == 3  # P(Bin(7, 1/2) <= 3) = 1/2 exactly
    assert binomial_quantile(0.5, 35, 0.5) == 17


def test_clopper_pearson_is_scipys_exact_interval():
    for n in range(1, 30):
        for k in range(n + 1):
            expected = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
            assert np.allclose(clopper_pearson(k, n, 0.95), (expected.low, expected.high), rtol=0, atol=1e-10)


def test_importing_the_api_does_not_import_scipy_stats():
    import subprocess
    import sys
    code = "import sys, transition_sim.api; print('scipy.stats' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() \
        == "False"


def test_a_run_with_its_report_does_not_import_scipy_stats(tmp_path):
    import subprocess
    import sys
    code = ("import sys\nfrom transition_sim import api\n"
            f"api.run(runs=30, workers=1, out={str(tmp_path)!r}, name='r')\n"
            "print('scipy.stats' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
