"""Probabilistic branching of scope decisions, and conditional routes (fallbacks)."""

import numpy as np
import pandas as pd
import pytest

from transition_sim import sampling
from transition_sim.analysis import branch_figures
from transition_sim.errors import ScenarioError
from transition_sim.api import simulate
from transition_sim.programme import compile_network
from transition_sim.scenario import load
from transition_sim.schema import ScopeBranch
from conftest import scenario_dict

TRI = {"low": "10d", "likely": "20d", "high": "40d"}


def fixed(days):
    return {"low": f"{days}d", "likely": f"{days}d", "high": f"{days}d"}


def task(duration, **extra):
    return {"name": "t", "workstream": "w", "duration": duration, "assumption": "test", **extra}


def branching(scope):
    return scenario_dict(scope={"cwd": scope},
                         tasks={"a": task(TRI), "cwd_work": task(fixed(30), predecessors=["a"],
                                                                 requires_scope={"cwd": "in"}),
                                "b": task(TRI, predecessors=["a"])})


BRANCH = {"in": 0.6, "out": 0.4, "assumption": "test"}
EVEN = ScopeBranch(p_in=0.5, p_out=0.5, assumption="test")


def test_the_branch_is_drawn_with_its_chance(loaded):
    net = compile_network(loaded(branching(BRANCH)).scenario)
    n = 20_000
    share = sampling.draw(net, 3, 0, n).branch_in[:, 0].mean()
    assert abs(share - 0.6) < 3 * np.sqrt(0.24 / n)


@pytest.mark.parametrize("outcome", ["in", "out"])
def test_each_branch_replays_the_fixed_scenario_replication_by_replication(loaded, outcome):
    drawn = simulate(loaded(branching(BRANCH)).scenario, runs=200, workers=1)
    settled = simulate(loaded(branching(outcome)).scenario, runs=200, workers=1)
    mine = drawn.replications["scope_cwd"] == outcome
    assert 40 < mine.sum() < 160
    for column in ("go_live_date", "readiness_date", "slip_days"):
        pd.testing.assert_series_equal(drawn.replications.loc[mine, column], settled.replications.loc[mine, column])
    finish = drawn.tasks[drawn.tasks["task_id"] == "cwd_work"].set_index("replication")["finish_day"]
    assert finish[mine.to_numpy()].notna().all() == (outcome == "in")
    assert finish[mine.to_numpy()].isna().all() == (outcome == "out")


def test_results_record_the_branch_and_figures_split_by_it(loaded):
    results = simulate(loaded(branching(BRANCH)).scenario, runs=300, workers=1)
    assert set(results.replications["branch"]) == {"cwd=in", "cwd=out"}
    table = branch_figures(results)
    assert table["replications"].sum() == 300
    assert table.at["cwd=in", "mean_slip_days"] >= table.at["cwd=out", "mean_slip_days"]


def test_the_money_follows_each_replications_branch():
    """On the baseline, CWD staff transfer and cost money only in the replications where CWD is in."""
    drawn = simulate(load().scenario.with_scope({"children_with_disabilities": EVEN}),
                     runs=60, workers=1)
    settled = simulate(load(overrides=["scope.children_with_disabilities=in"]).scenario, runs=60, workers=1)
    mine = (drawn.replications["scope_children_with_disabilities"] == "in").to_numpy()
    assert 0 < mine.sum() < 60
    for column in ("transition_cost_gbp", "staff_transferred", "go_live_date"):
        assert (drawn.replications.loc[mine, column].to_numpy() == settled.replications.loc[mine, column].to_numpy()).all()
    assert drawn.replications.loc[~mine, "staff_transferred"].max() < settled.replications["staff_transferred"].min()


def fallback_scenario(condition_days):
    go_live = {**scenario_dict()["go_live"], "consultation_tasks": ["a"]}
    return scenario_dict(
        go_live=go_live,
        tasks={"a": task(fixed(condition_days)), "by_unitaries": task(fixed(20))},
        fallbacks={"after_vesting": {"task": "a", "by": "2020-02-20", "tasks": ["by_unitaries"],
                                     "assumption": "test"}})


def test_a_fallback_runs_when_its_task_is_late(loaded):
    results = simulate(loaded(fallback_scenario(100)).scenario, runs=5, workers=1)
    assert results.replications["fallback_after_vesting"].all()
    finish = results.tasks[results.tasks["task_id"] == "by_unitaries"]["finish_day"]
    assert np.allclose(finish, 50 + 20)  # waits for 20 February (day 50), then 20 days


def test_a_fallback_is_left_out_when_its_task_is_on_time(loaded):
    results = simulate(loaded(fallback_scenario(30)).scenario, runs=5, workers=1)
    assert not results.replications["fallback_after_vesting"].any()
    assert results.tasks[results.tasks["task_id"] == "by_unitaries"]["finish_day"].isna().all()
    assert np.allclose(results.replications["readiness_date"].dt.day_of_year, 31)  # a's finish, day 30


HR = {"hr": {"value": 1, "assumption": "test"}}
ON_THE_DAY = {  # the fallback's condition task a ends on the fallback's day, 20 February (day 50)
    "nothing to wait for": ({"a": task(fixed(50))}, False),
    "a later earliest day": ({"a": task(fixed(40), not_before="2020-01-11")}, False),
    "after a predecessor": ({"p": task(fixed(10)), "a": task(fixed(40), predecessors=["p"])}, False),
    "asking for capacity": ({"a": task(fixed(40), not_before="2020-01-11", needs={"hr": 1})}, False),
    "a milestone reached on the day": ({"p": task(fixed(50)), "a": task(fixed(0), predecessors=["p"])}, False),
    "granted capacity on the day": ({"h": task(fixed(50), needs={"hr": 1}),
                                     "a": task(fixed(0), needs={"hr": 1})}, True),
}


def on_the_day(tasks):
    return scenario_dict(
        go_live={**scenario_dict()["go_live"], "consultation_tasks": ["a"]}, capacities=HR,
        tasks={**tasks, "by_unitaries": task(fixed(20))},
        fallbacks={"after_vesting": {"task": "a", "by": "2020-02-20", "tasks": ["by_unitaries"],
                                     "assumption": "test"}})


@pytest.mark.parametrize("case", ON_THE_DAY)
def test_a_task_ending_on_the_fallbacks_day_has_finished_by_it(loaded, case):
    """The fallback is decided on its day after everything else due that day, but before capacity is handed
    out: a condition task ending that day has finished by it, however it came to end then, unless its
    start waited for capacity given out that day."""
    tasks, taken = ON_THE_DAY[case]
    results = simulate(loaded(on_the_day(tasks)).scenario, runs=3, workers=1)
    assert (results.tasks[results.tasks["task_id"] == "a"]["finish_day"] == 50).all()
    assert (results.replications["fallback_after_vesting"] == taken).all()


def test_chances_that_do_not_add_up_are_bad_input(loaded):
    with pytest.raises(ScenarioError, match="add up to 1"):
        loaded(branching({"in": 0.6, "out": 0.3, "assumption": "test"}))
