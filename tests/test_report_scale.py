"""The report at programme scale: fewer re-runs with the same answers, and a page that stays readable."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from transition_sim import analysis, report
from transition_sim.api import simulate
from transition_sim.montecarlo import simulate_replications
from transition_sim.scenario import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic_plan import plan  # noqa: E402


@pytest.fixture(scope="module")
def baseline():
    return simulate(load().scenario, runs=80, workers=1)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "plan.yaml"
    path.write_text(yaml.safe_dump(plan(300, seed=5), sort_keys=False), encoding="utf-8")
    return simulate(load(path).scenario, runs=24, workers=1)


def full_rerun(results):
    """The go-live dates of a whole re-run of a scenario, at the replications asked for."""
    def rerun(scenario, replications):
        return simulate(scenario, runs=results.runs, seed=results.seed, workers=1).replications[
            "go_live_date"].to_numpy()[replications]
    return rerun


@pytest.mark.parametrize("name", ["baseline", "synthetic"])
def test_re_running_only_where_a_risk_changed_a_date_equals_the_full_re_run(name, request):
    """Every risk: pauses, windowless and windowed delays; a risk that struck without effect changes nothing."""
    results = request.getfixturevalue(name)
    risks = results.risks
    assert (risks["struck"] & ~risks["effective"]).any()  # some strikes change nothing: the test can tell
    for risk_id in results.scenario.risks:
        without = analysis.without_risk(results.scenario, risk_id)
        full = simulate(without, runs=results.runs, seed=results.seed, workers=1).replications["go_live_date"]
        mine = risks[risks["risk_id"] == risk_id]
        changed = np.sort(mine.loc[mine["effective"], "replication"].to_numpy())
        spliced = results.replications["go_live_date"].copy()
        if len(changed):
            spliced.iloc[changed] = simulate_replications(without, results.seed, changed, 1)["go_live"]
        pd.testing.assert_series_equal(spliced, full, obj=risk_id)


def test_risk_drivers_re_runs_only_where_a_risk_changed_a_date(baseline):
    asked = []

    def rerun(scenario, replications):
        asked.append(len(replications))
        return simulate_replications(scenario, baseline.seed, replications, 1)["go_live"]

    fast = analysis.risk_drivers(baseline, rerun)
    assert len(asked) <= len(baseline.scenario.risks)  # one call per risk at most
    assert sum(asked) == int(baseline.risks["effective"].sum()) < int(baseline.risks["struck"].sum())
    pd.testing.assert_frame_equal(fast, analysis.risk_drivers(baseline, full_rerun(baseline)))
