"""Fast at programme scale: doing less gives the same numbers, and the CLI starts light."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from transition_sim import analysis
from transition_sim.montecarlo import go_live_without, simulate, simulate_replications
from transition_sim.scenario import load

RUNS = 120


@pytest.fixture(scope="module")
def baseline():
    scenario = load().scenario
    return simulate(scenario, runs=RUNS, workers=1)


def test_some_replications_equal_the_same_rows_of_a_full_run(baseline):
    picked = np.array([0, 3, 4, 5, 17, 64, 65, 119])
    for workers in (1, 2):
        rows = simulate_replications(baseline.scenario, baseline.seed, picked, workers)
        assert (rows["go_live"] == baseline.replications["go_live_date"].to_numpy()[picked]).all()
        finish = baseline.tasks.pivot(index="replication", columns="task_id", values="finish_day")
        np.testing.assert_array_equal(rows["task_finish_day"], finish.loc[picked].to_numpy())


def test_a_risk_effect_re_simulating_only_where_it_struck_equals_the_full_re_run(baseline):
    """Replication by replication, for every risk of the baseline."""
    scenario = baseline.scenario
    go_live = baseline.replications["go_live_date"]
    for risk_id in scenario.risks:
        full = simulate(analysis.without_risk(scenario, risk_id), runs=RUNS, workers=1)
        risks = baseline.risks
        hit = risks.loc[(risks["risk_id"] == risk_id) & risks["struck"], "replication"].to_numpy()
        assert 0 < len(hit) < RUNS, risk_id  # the test means something only if some struck and some did not
        spliced = go_live.copy()
        spliced.iloc[hit] = simulate_replications(analysis.without_risk(scenario, risk_id), baseline.seed, hit, 1)[
            "go_live"]
        pd.testing.assert_series_equal(spliced, full.replications["go_live_date"])

    def full_rerun(removals):
        return {risk_id: simulate(analysis.without_risk(scenario, risk_id), runs=RUNS, seed=baseline.seed,
                                  workers=1).replications["go_live_date"].to_numpy()[replications]
                for risk_id, replications in removals.items()}

    fast = analysis.risk_drivers(baseline, lambda removals: go_live_without(scenario, baseline.seed, removals, 1))
    pd.testing.assert_frame_equal(fast, analysis.risk_drivers(baseline, full_rerun))


HEAVY = ("plotly", "scipy", "pandas", "pyarrow", "simpy")
# a module counts as imported once executed: a lazily imported one not yet used is a LazyLoader stub
EXECUTED = f"sorted(m for m in {HEAVY!r} if type(sys.modules.get(m)) is type(sys))"


@pytest.mark.parametrize("command", [["-m", "transition_sim", "--help"], ["-m", "transition_sim", "run", "--help"]])
def test_help_does_not_import_heavy_libraries(command):
    probe = ("import os, runpy, sys\n"
             "os._exit = sys.exit  # the command ends its process at once (cli.command): here, raise instead\n"
             f"sys.argv = ['transition-sim'] + {command[2:]!r}\n"
             "try:\n    runpy.run_module('transition_sim', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             f"print('LOADED', {EXECUTED})\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert "Usage" in done.stdout, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "LOADED []", done.stdout


def test_console_entry_point_help_is_light():
    probe = ("import sys\nfrom transition_sim.cli import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             f"print('LOADED', {EXECUTED})\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "LOADED []", done.stdout + done.stderr


def test_the_cli_offers_the_status_assumptions_the_status_module_knows():
    from transition_sim import cli, status
    assert cli.ASSUMPTIONS == status.ASSUMPTIONS


def test_the_subset_re_run_is_exact_with_correlation_and_branching(baseline):
    """The baseline has correlated items and an open scope decision: both live on each replication's own uniforms."""
    from transition_sim.programme import compile_network
    net = compile_network(baseline.scenario)
    assert baseline.scenario.correlations and net.correlation is not None and len(net.branch_ids) > 0
    picked = np.array([1, 2, 30, 31, 77, 118])
    rows = simulate_replications(baseline.scenario, baseline.seed, picked, 1)
    assert (rows["go_live"] == baseline.replications["go_live_date"].to_numpy()[picked]).all()
    np.testing.assert_array_equal(rows["branch_in"], simulate_replications(
        baseline.scenario, baseline.seed, np.arange(RUNS), 1)["branch_in"][picked])
