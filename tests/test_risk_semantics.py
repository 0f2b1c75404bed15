import numpy as np
import pytest
from click.testing import CliRunner

from transition_sim.cli import main
from transition_sim.montecarlo import simulate
from conftest import scenario_dict

FIXED = {"a": {"name": "A", "workstream": "w", "duration": {"low": "20d", "likely": "20d", "high": "20d"},
               "assumption": "test"},
         "b": {"name": "B", "workstream": "w", "predecessors": ["a"], "assumption": "test",
               "duration": {"low": "10d", "likely": "10d", "high": "10d"}}}
WEEK = {"low": "7d", "likely": "7d", "high": "7d"}
TWO_WEEKS = {"low": "14d", "likely": "14d", "high": "14d"}


def run(loaded, risks, runs=400):
    scenario = loaded(scenario_dict(tasks=FIXED, risks=risks)).scenario
    return simulate(scenario, runs=runs, seed=3, workers=1)


def test_a_windowless_delay_strikes_during_the_task_it_hits(loaded):
    # b runs from day 20 to 30; the risk has no window, so its probability is the probability of impact
    results = run(loaded, {"r": {"name": "r", "probability": 1.0, "delays": {"b": WEEK}, "assumption": "test"}},
                  runs=20)
    assert np.allclose(results.replications["readiness_day"], 37.0)
    risks = results.risks
    assert risks["effective"].all() and np.allclose(risks["delay_days"], 7.0)
    assert (risks["strike_date"] == np.datetime64("2020-01-21")).all()  # when b began


def test_windowless_probability_is_the_share_of_futures_it_delays(loaded):
    n, p = 2000, 0.3
    results = run(loaded, {"r": {"name": "r", "probability": p, "delays": {"b": WEEK}, "assumption": "test"}},
                  runs=n)
    delayed = (results.replications["readiness_day"] > 30).mean()
    assert abs(delayed - p) < 3 * np.sqrt(p * (1 - p) / n)
    assert results.risks["effective"].mean() == pytest.approx(delayed)


def test_a_windowed_risk_that_strikes_after_its_task_is_struck_but_not_effective(loaded):
    risks = {"r": {"name": "r", "probability": 1.0, "window": {"start": "2020-03-01", "end": "2020-03-02"},
                   "delays": {"a": WEEK}, "assumption": "test"}}
    results = run(loaded, risks, runs=10)
    assert results.risks["struck"].all() and not results.risks["effective"].any()
    assert np.allclose(results.replications["readiness_day"], 30.0)


def test_paused_days_count_only_pause_that_delayed_work(loaded):
    during = {"p": {"name": "p", "probability": 1.0, "window": {"start": "2020-01-11", "end": "2020-01-12"},
                    "pause": TWO_WEEKS, "assumption": "test"}}
    after = {"p": {**during["p"], "window": {"start": "2020-03-01", "end": "2020-03-02"}}}
    live = run(loaded, during, runs=10)
    assert np.allclose(live.replications["paused_days"], 14.0) and np.allclose(live.risks["pause_days"], 14.0)
    assert np.allclose(live.replications["readiness_day"], 44.0) and live.risks["effective"].all()
    late = run(loaded, after, runs=10)
    assert np.allclose(late.replications["paused_days"], 0.0) and np.allclose(late.risks["pause_days"], 0.0)
    assert not late.risks["effective"].any() and late.risks["struck"].all()


def test_a_pause_that_outlasts_the_work_counts_until_the_work_ends(loaded):
    # work ends at day 30 without the pause; a pause from day 29-30 for 14 days holds b until day 44
    risks = {"p": {"name": "p", "probability": 1.0, "window": {"start": "2020-01-30", "end": "2020-01-31"},
                   "pause": TWO_WEEKS, "assumption": "test"}}
    results = run(loaded, risks, runs=5)
    assert np.allclose(results.replications["readiness_day"], 44.0)
    assert np.allclose(results.replications["paused_days"], 14.0)


def test_readiness_day_is_the_unfloored_finish_of_the_last_trust_task(loaded):
    tasks = {"a": {**FIXED["a"], "duration": {"low": "10d", "likely": "20.5d", "high": "30d"}}}
    scenario = loaded(scenario_dict(tasks=tasks)).scenario
    results = simulate(scenario, runs=200, seed=1, workers=1)
    finish = results.tasks.groupby("replication")["finish_day"].max()
    assert np.allclose(results.replications["readiness_day"], finish)
    assert (results.replications["readiness_day"] % 1 != 0).any()


def test_a_windowless_pause_is_bad_input(write):
    data = scenario_dict(tasks=FIXED, risks={"p": {"name": "p", "probability": 0.5, "pause": TWO_WEEKS,
                                                   "assumption": "test"}})
    result = CliRunner().invoke(main, ["validate", str(write(data))])
    assert result.exit_code == 2 and "risks.p" in result.output and "needs a window" in result.output
