"""One definition of the headline figures: summary.json, the report, sweep rows and drivers agree exactly."""

import pandas as pd

from transition_sim import analysis, api, report

RUNS = 80


def test_every_output_shows_the_same_headline_figures():
    run = api.run(runs=RUNS, workers=1, write=False, with_report=False)
    figures = analysis.figures(run.results)
    summary = run.summary["figures"]
    for key in ("transition_cost_p50", "transition_cost_p80", "p_on_time", "expected_slip_days"):
        assert summary[key]["value"] == float(figures.at[key, "value"])
    assert summary["go_live_p80"]["value"] == figures.at["go_live_p80", "value"].date().isoformat()
    # the same percentile rule as the order statistics: an observed replication's cost
    assert figures.at["transition_cost_p50", "value"] in set(run.results.replications["transition_cost_gbp"])
    # a sweep point equal to the baseline gives the same row
    row = api.sweep(vary={"capacities.hr": [2]}, runs=RUNS, workers=1).iloc[0]
    for key in api.SWEEP_FIGURES:
        assert row[key] == figures.at[key, "value"]
    pd.testing.assert_frame_equal(api.drivers(run.results, workers=1)["figures"], figures)
    cost = figures.at["transition_cost_p50", "value"] / 1e6
    assert f"£{cost:.1f}m" in dict(report._headline_rows(run.results))["Transition cost P50 / P80"]
