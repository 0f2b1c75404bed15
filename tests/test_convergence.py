"""--runs auto: batches double until the P80 intervals are within tolerance, and the run is that of its size."""

import json

import pandas as pd
from click.testing import CliRunner

from transition_sim.analysis import percentile_table
from transition_sim.cli import main
from transition_sim.convergence import precision, until_converged
from transition_sim.montecarlo import simulate
from conftest import scenario_dict


def test_stops_at_the_first_batch_that_is_precise_enough(loaded):
    s = loaded(scenario_dict()).scenario
    results, state = until_converged(lambda n: simulate(s, runs=n, workers=1), tolerance_days=400,
                                     first_batch=100, max_runs=1600)
    assert state.converged and state.runs == 100 == results.runs and state.simulated == 100


def test_doubles_up_to_the_maximum_and_says_it_did_not_converge(loaded):
    s = loaded(scenario_dict()).scenario
    results, state = until_converged(lambda n: simulate(s, runs=n, workers=1), tolerance_days=-1,
                                     first_batch=50, max_runs=300)
    assert [b["runs"] for b in state.batches] == [50, 100, 200, 300]
    assert not state.converged and state.simulated == 650
    pd.testing.assert_frame_equal(results.replications, simulate(s, runs=300, workers=1).replications)


def test_precision_is_the_width_of_the_order_statistic_interval(loaded):
    results = simulate(loaded(scenario_dict()).scenario, runs=500, workers=1)
    table = percentile_table(results.replications["go_live_date"], (80,))
    assert precision(results)["go_live_p80_ci_days"] == (table.at["P80", "ci_high"] - table.at["P80", "ci_low"]).days


def test_run_auto_writes_how_many_runs_and_the_precision(write, tmp_path):
    path = write(scenario_dict())
    result = CliRunner().invoke(main, ["run", str(path), "--runs", "auto", "--max-runs", "1000", "--workers", "1",
                                       "--out", str(tmp_path), "--name", "r", "--no-report"])
    assert result.exit_code == 0, result.output
    assert "--runs auto: converged after" in result.output
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["convergence"]["converged"] and manifest["runs"] == manifest["convergence"]["runs"]
    assert manifest["precision"]["go_live_p80_ci_days"] <= 1


def test_runs_must_be_a_number_or_auto(write):
    result = CliRunner().invoke(main, ["run", str(write(scenario_dict())), "--runs", "lots"])
    assert result.exit_code == 2 and "neither a number nor auto" in result.output
